"""Renderers of messages queued in bulk, registered by the domain apps that own them.

A domain app registers, in its AppConfig.ready(), a function that turns the message's
`render_args` into its content; the worker calls it just before delivery.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.template import Context, Engine


@dataclass(frozen=True)
class Secret:
    """A one-time secret a message carries (a link, a code, a provisional password), and the
    words staff see in its place ("[lien d'invitation envoyé]")."""

    value: str
    label: str


@dataclass
class Rendered:
    """A message's full content, as the recipient receives it, and the secrets it carries."""

    subject: str
    body_text: str
    body_html: str = ""
    # (file name, content) of a PDF attachment, e.g. a letter. A message with secrets keeps it
    # only encrypted, until delivery: the PDF is printed from the same context.
    attachment: tuple[str, bytes] | None = None
    secrets: tuple[Secret, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def redact(text: str, secrets: Iterable[Secret], *, is_html: bool = False) -> str:
    """`text` with every secret replaced by its label (HTML-escaped forms included)."""
    for secret in secrets:
        if not secret.value:
            continue
        label = html.escape(secret.label) if is_html else secret.label
        text = text.replace(secret.value, label)
        text = text.replace(html.escape(secret.value), label)
    return text


def unwrap_secrets(context: dict[str, Any]) -> tuple[dict[str, Any], tuple[Secret, ...]]:
    """A template context whose `Secret` values are replaced by the secret itself, and those
    secrets (the caller marks the context entries that are secrets)."""
    secrets = tuple(value for value in context.values() if isinstance(value, Secret))
    clear = {
        key: value.value if isinstance(value, Secret) else value for key, value in context.items()
    }
    return clear, secrets


def render_text(template_name: str, context: dict[str, Any]) -> str:
    """A plain-text template (subject, text body, letter text), rendered without HTML escaping:
    "L'attestation" and "N'Diaye" stay as typed (the HTML bodies are escaped as usual)."""
    template = Engine.get_default().get_template(template_name)
    return template.render(Context(context, autoescape=False))


Renderer = Callable[..., Rendered]
_RENDERERS: dict[str, Renderer] = {}


def register(template: str, renderer: Renderer) -> None:
    _RENDERERS[template] = renderer


def renderer_for(template: str) -> Renderer:
    return _RENDERERS[template]
