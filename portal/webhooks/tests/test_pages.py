"""The employer's "Notifications (webhooks)" pages: forms, actions, audit, and who may open them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import declare, text
from portal.accounts.models import User
from portal.companies.models import Company
from portal.core.audit import AuditAction
from portal.core.models import AuditEvent
from portal.webhooks.choices import EventType, MessageState
from portal.webhooks.models import WebhookAttempt, WebhookEndpoint, WebhookMessage
from portal.webhooks.tests.conftest import Receiver, add_endpoint

URL = "https://rh.example.fr/hooks"


def actions(action: AuditAction) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def test_the_list_shows_each_endpoint_with_its_events_and_state(
    client_a: Client, company_a: Company, correspondent_a: User
) -> None:
    active, _ = add_endpoint(company_a, correspondent_a, URL, ["request.created"])
    off, _ = add_endpoint(
        company_a, correspondent_a, "https://autre.example.fr/", ["dsn.integrated"]
    )
    WebhookEndpoint.objects.filter(pk=off.pk).update(is_active=False, disabled_at=timezone.now())

    page = text(client_a.get(reverse("webhooks:endpoints", args=[company_a.pk])))

    assert "<h1>Notifications (webhooks)</h1>" in page
    assert f'href="{reverse("webhooks:endpoint", args=[company_a.pk, active.pk])}"' in page
    assert '<td data-label="Événements">Demande créée</td>' in page
    assert '<td data-label="Événements">Fichier DSN intégré</td>' in page
    assert '<td data-label="État">Active</td>' in page
    assert f'<td data-label="État">Désactivée le {timezone.localdate():%d/%m/%Y}</td>' in page
    assert '<th scope="col">Adresse</th>' in page
    assert "Ajouter une adresse" in page


def test_the_add_form_groups_the_event_checkboxes_under_a_legend_with_french_labels(
    client_a: Client, company_a: Company
) -> None:
    page = text(client_a.get(reverse("webhooks:add", args=[company_a.pk])))

    assert '<label for="id_url">Adresse (URL) <span aria-hidden="true">*</span></label>' in page
    assert "<legend>Événements à recevoir" in page
    for code, label in EventType.choices:
        assert f'value="{code}"' in page
        assert label in page
    assert AuditEvent.objects.filter(action__startswith="webhook").count() == 0


def test_adding_an_endpoint_stores_it_audits_it_and_shows_its_secret(
    client_a: Client, company_a: Company, correspondent_a: User
) -> None:
    response = client_a.post(
        reverse("webhooks:add", args=[company_a.pk]),
        {
            "url": f"  {URL}  ",
            "description": "Logiciel de paie",
            "events": ["membership.terminated", "request.created"],
        },
    )

    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.company, endpoint.url, endpoint.description, endpoint.events) == (
        company_a,
        URL,
        "Logiciel de paie",
        ["request.created", "membership.terminated"],
    )
    assert (endpoint.is_active, endpoint.created_by) == (True, correspondent_a)
    assert endpoint.secret in text(response)
    (created,) = actions(AuditAction.WEBHOOK_ENDPOINT_CREATED)
    assert (created.actor, created.company_id, created.target_id) == (
        correspondent_a,
        company_a.pk,
        str(endpoint.pk),
    )
    assert created.details == {"url": URL, "events": ["request.created", "membership.terminated"]}


@pytest.mark.parametrize(
    ("url", "events", "message"),
    [
        (URL, [], "Cochez au moins un événement à recevoir."),
        (
            "http://rh.example.fr/hooks",
            ["request.created"],
            "L'adresse doit commencer par https:// : les notifications ne sont envoyées que "
            "sur une connexion chiffrée.",
        ),
        (
            "https://192.168.0.12/hooks",
            ["request.created"],
            "L'adresse « 192.168.0.12 » est une adresse locale ou privée",
        ),
        ("https://localhost:8443/", ["request.created"], "L'adresse « localhost » est une"),
    ],
)
def test_a_refused_endpoint_shows_why_and_stores_nothing(
    client_a: Client,
    company_a: Company,
    settings: Any,
    url: str,
    events: list[str],
    message: str,
) -> None:
    settings.WEBHOOKS_ALLOW_LOCAL = False

    response = client_a.post(
        reverse("webhooks:add", args=[company_a.pk]), {"url": url, "events": events}
    )

    assert response.status_code == 200
    assert message in text(response)
    assert WebhookEndpoint.objects.count() == 0
    assert AuditEvent.objects.filter(action__startswith="webhook").count() == 0


def test_editing_an_endpoint_audits_the_changed_fields_and_keeps_the_secret(
    client_a: Client, company_a: Company, correspondent_a: User
) -> None:
    endpoint, secret = add_endpoint(company_a, correspondent_a, URL, ["request.created"])

    response = client_a.post(
        reverse("webhooks:endpoint", args=[company_a.pk, endpoint.pk]),
        {"url": URL, "description": "Paie", "events": ["request.created", "import.finished"]},
    )

    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.events, endpoint.secret) == (["request.created", "import.finished"], secret)
    (changed,) = actions(AuditAction.WEBHOOK_ENDPOINT_CHANGED)
    assert changed.details == {
        "change": "edited",
        "fields": ["events"],
        "url": URL,
        "events": ["request.created", "import.finished"],
    }


def test_deactivating_then_reactivating_is_audited_and_sends_what_waited(
    client_a: Client, company_a: Company, correspondent_a: User, receiver: Receiver
) -> None:
    endpoint, _ = add_endpoint(company_a, correspondent_a, receiver.url, ["request.created"])
    receiver.answers = [500]
    declare(company_a)  # failed once: waiting for its retry
    page = reverse("webhooks:endpoint", args=[company_a.pk, endpoint.pk])

    client_a.post(reverse("webhooks:deactivate", args=[company_a.pk, endpoint.pk]))
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.disabled_reason) == (
        False,
        "Désactivée par le correspondant.",
    )
    assert "Réactiver" in text(client_a.get(page))

    response = client_a.post(reverse("webhooks:reactivate", args=[company_a.pk, endpoint.pk]))

    assert response["Location"] == page
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.disabled_at, endpoint.consecutive_failures) == (
        True,
        None,
        0,
    )
    assert WebhookMessage.objects.get().state == MessageState.DELIVERED
    assert len(receiver.received) == 2
    assert [e.details["change"] for e in actions(AuditAction.WEBHOOK_ENDPOINT_CHANGED)] == [
        "deactivated",
        "reactivated",
    ]


def test_deleting_asks_first_then_deletes_the_endpoint_and_its_history(
    client_a: Client, company_a: Company, correspondent_a: User, receiver: Receiver
) -> None:
    endpoint, _ = add_endpoint(company_a, correspondent_a, receiver.url, ["request.created"])
    declare(company_a)
    url = reverse("webhooks:delete", args=[company_a.pk, endpoint.pk])

    confirm = client_a.get(url)
    assert "Supprimer l'adresse de notification" in text(confirm)
    assert WebhookEndpoint.objects.count() == 1

    response = client_a.post(url)

    assert response["Location"] == reverse("webhooks:endpoints", args=[company_a.pk])
    assert WebhookEndpoint.objects.count() == WebhookMessage.objects.count() == 0
    assert WebhookAttempt.objects.count() == 0
    (deleted,) = actions(AuditAction.WEBHOOK_ENDPOINT_DELETED)
    assert deleted.details == {"url": receiver.url, "messages": 1}


@pytest.mark.parametrize("name", ["rotate_secret", "deactivate", "reactivate"])
def test_an_action_is_never_done_on_get(
    client_a: Client, company_a: Company, correspondent_a: User, name: str
) -> None:
    endpoint, secret = add_endpoint(company_a, correspondent_a, URL, ["request.created"])

    response = client_a.get(reverse(f"webhooks:{name}", args=[company_a.pk, endpoint.pk]))

    assert response.status_code == 405
    endpoint.refresh_from_db()
    assert (endpoint.secret, endpoint.is_active) == (secret, True)
    assert len(actions(AuditAction.WEBHOOK_ENDPOINT_CREATED)) == 1
    assert AuditEvent.objects.filter(action__startswith="webhook").count() == 1


def test_the_deliveries_show_each_attempt_status_duration_and_error(
    client_a: Client, company_a: Company, correspondent_a: User, receiver: Receiver
) -> None:
    endpoint, _ = add_endpoint(company_a, correspondent_a, receiver.url, ["request.created"])
    receiver.answers = [500]
    declare(company_a)
    message = WebhookMessage.objects.get()
    WebhookAttempt.objects.create(
        message=message,
        at=timezone.now() + timedelta(seconds=5),
        duration_ms=1002,
        status_code=None,
        error="délai dépassé (10 s)",
    )

    page = text(client_a.get(reverse("webhooks:endpoint", args=[company_a.pk, endpoint.pk])))

    assert "<h2>Dernières livraisons</h2>" in page
    assert f"<code>{message.message_id}</code>" in page
    assert "Demande créée" in page
    assert "— HTTP 500 —" in page
    assert "pas de réponse — 1002 ms — délai dépassé (10 s)" in page
    assert "En cours d'envoi — prochaine tentative le" in page
    assert reverse("webhooks:replay", args=[company_a.pk, endpoint.pk, message.pk]) in page


def test_the_endpoint_page_reads_the_same_queries_for_3_or_30_messages(
    client_a: Client, company_a: Company, correspondent_a: User
) -> None:
    endpoint, _ = add_endpoint(company_a, correspondent_a, URL, ["request.created"])
    url = reverse("webhooks:endpoint", args=[company_a.pk, endpoint.pk])

    def add_messages(count: int) -> None:
        for _ in range(count):
            message = WebhookMessage.objects.create(
                endpoint=endpoint,
                message_id=f"msg_{WebhookMessage.objects.count()}",
                event_type="request.created",
                body="{}",
                state=MessageState.DELIVERED,
            )
            WebhookAttempt.objects.create(
                message=message, at=timezone.now(), duration_ms=3, status_code=200
            )

    add_messages(3)
    client_a.get(url)  # the session's first reads
    with CaptureQueriesContext(connection) as few:
        client_a.get(url)
    add_messages(27)
    with CaptureQueriesContext(connection) as many:
        client_a.get(url)

    assert len(many) == len(few)


# --- Who may open the pages ---------------------------------------------------------------


def _urls(company: Company, endpoint: WebhookEndpoint, message: WebhookMessage) -> list[str]:
    c, e = company.pk, endpoint.pk
    return [
        reverse("webhooks:endpoints", args=[c]),
        reverse("webhooks:add", args=[c]),
        reverse("webhooks:endpoint", args=[c, e]),
        reverse("webhooks:rotate_secret", args=[c, e]),
        reverse("webhooks:deactivate", args=[c, e]),
        reverse("webhooks:reactivate", args=[c, e]),
        reverse("webhooks:delete", args=[c, e]),
        reverse("webhooks:replay", args=[c, e, message.pk]),
    ]


@pytest.fixture
def of_b(company_b: Company, correspondent_b: User) -> tuple[WebhookEndpoint, WebhookMessage]:
    endpoint, _ = add_endpoint(company_b, correspondent_b, URL, ["request.created"])
    message = WebhookMessage.objects.create(
        endpoint=endpoint, message_id="msg_b", event_type="request.created", body="{}"
    )
    return endpoint, message


def _status(client: Client, url: str) -> int:
    status = client.get(url).status_code
    return client.post(url).status_code if status == 405 else status


def _unchanged(endpoint: WebhookEndpoint, secret: str) -> None:
    endpoint.refresh_from_db()
    assert (endpoint.secret, endpoint.is_active) == (secret, True)
    assert AuditEvent.objects.filter(action__startswith="webhook").count() == 1


@pytest.mark.parametrize("index", range(8))
def test_another_company_correspondent_gets_404_on_every_page(
    client_a: Client,
    company_a: Company,
    company_b: Company,
    of_b: tuple[WebhookEndpoint, WebhookMessage],
    index: int,
) -> None:
    endpoint, message = of_b
    secret = endpoint.secret

    assert _status(client_a, _urls(company_b, endpoint, message)[index]) == 404
    # Company A's own URL with company B's endpoint: 404 too.
    assert _status(client_a, _urls(company_a, endpoint, message)[index]) in (
        {200} if index < 2 else {404}
    )
    _unchanged(endpoint, secret)


@pytest.mark.parametrize("index", range(8))
def test_staff_are_refused_and_anonymous_visitors_sent_to_log_in(
    client: Client,
    staff_user: User,
    company_b: Company,
    of_b: tuple[WebhookEndpoint, WebhookMessage],
    index: int,
) -> None:
    endpoint, message = of_b
    url = _urls(company_b, endpoint, message)[index]

    anonymous = client.get(url)
    if anonymous.status_code == 405:
        anonymous = client.post(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("accounts:login"))

    client.force_login(staff_user)
    assert _status(client, url) == 403
    _unchanged(endpoint, endpoint.secret)
