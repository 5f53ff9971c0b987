"""Reading a company's webhook endpoints and their deliveries, always within the company."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404

from portal.companies.models import Company
from portal.webhooks.models import WebhookAttempt, WebhookEndpoint, WebhookMessage

RECENT_MESSAGES = 50


def endpoints_of(company: Company) -> list[WebhookEndpoint]:
    return list(WebhookEndpoint.objects.filter(company=company).order_by("created_at", "pk"))


def get_endpoint_for_company(company: Company, endpoint_id: int) -> WebhookEndpoint:
    """The endpoint if it belongs to `company`; 404 otherwise (no hint that it exists)."""
    endpoint = WebhookEndpoint.objects.filter(company=company, pk=endpoint_id).first()
    if endpoint is None:
        raise Http404("Adresse de notification introuvable.")
    return endpoint


def get_message_for_endpoint(endpoint: WebhookEndpoint, message_id: int) -> WebhookMessage:
    message = WebhookMessage.objects.filter(endpoint=endpoint, pk=message_id).first()
    if message is None:
        raise Http404("Notification introuvable.")
    return message


def recent_messages(endpoint: WebhookEndpoint) -> list[WebhookMessage]:
    """ "Dernières livraisons": the last 50 messages, each with its attempts newest first
    (two queries)."""
    return list(
        WebhookMessage.objects.filter(endpoint=endpoint)
        .defer("body")
        .order_by("-created_at", "-pk")
        .prefetch_related(Prefetch("log", queryset=WebhookAttempt.objects.order_by("-at", "-pk")))[
            :RECENT_MESSAGES
        ]
    )
