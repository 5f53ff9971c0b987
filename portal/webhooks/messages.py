"""The e-mail telling a company's correspondents that one of its endpoints was disabled."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from portal.notifications.rendering import Rendered, register, render_text
from portal.webhooks.models import WebhookEndpoint


def render_endpoint_disabled(endpoint_id: int) -> Rendered:
    """ "Notifications désactivées": which address, why, and where to reactivate it."""
    endpoint = WebhookEndpoint.objects.select_related("company").get(pk=endpoint_id)
    context = {
        "brand": settings.PORTAL_BRAND,
        "site_url": settings.SITE_URL,
        "endpoint": endpoint,
        "company": endpoint.company,
        "url": settings.SITE_URL
        + reverse("webhooks:endpoint", args=[endpoint.company_id, endpoint.pk]),
    }
    template = "emails/webhook_endpoint_disabled"
    return Rendered(
        subject=" ".join(render_text(f"{template}_subject.txt", context).split()),
        body_text=render_text(f"{template}_body.txt", context),
        body_html=render_to_string(f"{template}_body.html", context),
    )


def register_renderers() -> None:
    register("webhook_endpoint_disabled", render_endpoint_disabled)
