"""Writing the audit log."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from portal.core.models import AuditEvent


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address as seen by the first trusted proxy (REMOTE_ADDR otherwise)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(
    action: str,
    *,
    by: Any = None,
    target: models.Model | None = None,
    company_id: int | None = None,
    request: HttpRequest | None = None,
    **details: Any,
) -> AuditEvent:
    """Append one audit event; `by` is a user or None for the system."""
    actor = by if getattr(by, "pk", None) else None
    return AuditEvent.objects.create(
        actor=actor,
        action=action,
        target_type=target._meta.label if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        company_id=company_id,
        ip_address=client_ip(request),
        details=details,
    )
