"""Renderers of messages queued in bulk, registered by the domain apps that own them.

A domain app registers, in its AppConfig.ready(), a function that turns the message's
`render_args` into its content; the worker calls it just before delivery.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.template import Context, Engine


@dataclass
class Rendered:
    subject: str
    body_text: str
    body_html: str = ""
    # (file name, content) of a PDF attachment, e.g. a letter.
    attachment: tuple[str, bytes] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


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
