"""Template filters of every page (a builtin: no {% load %} needed)."""

from __future__ import annotations

from django import template

from portal.core.plural import counted

register = template.Library()


@register.filter
def compte(count: int | None, forms: str) -> str:
    """{{ n|compte:"demande" }} → "0 demande", "1 demande", "2 demandes" (French plural)."""
    return counted(count or 0, forms)


@register.filter
def nombre(count: int | None) -> str:
    """{{ 10000|nombre }} → "10 000" (French digit groups, a non-breaking space)."""
    return f"{count or 0:,}".replace(",", "\u00a0")
