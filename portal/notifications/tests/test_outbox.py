from __future__ import annotations

import importlib
import socket
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command
from django.db import connection
from django.test import Client

from portal.accounts.models import User
from portal.notifications import delivery
from portal.notifications.backends import Delivery, DevOutboxBackend, MemoryBackend
from portal.notifications.models import MessageStatus, OutboundMessage
from portal.notifications.rendering import Secret
from portal.notifications.services import send_email, send_sms

DEMO_BACKEND = "portal.notifications.backends.DevOutboxBackend"
WELCOME_URL = "http://x/mot-de-passe/abc-secret-token/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.django_db
def test_an_email_is_stored_then_sent_after_commit(
    correspondent_a: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = send_email(
            to="rh-a@example.org",
            template="password_changed",
            context={"user": correspondent_a},
        )
        assert mail.outbox == []  # nothing leaves before the transaction commits
    assert len(callbacks) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.attempts == 1
    sent = mail.outbox[0]
    assert isinstance(sent, EmailMultiAlternatives)
    assert sent.subject == "Votre mot de passe a été modifié"
    assert sent.alternatives[0][1] == "text/html"


@pytest.mark.django_db
def test_a_refused_smtp_connection_is_retried_then_marked_failed(
    correspondent_a: User, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens there: a real refused connection
    settings.EMAIL_TIMEOUT = 2
    settings.OUTBOX_MAX_ATTEMPTS = 2
    message = send_email(
        to="rh-a@example.org", template="password_changed", context={"user": correspondent_a}
    )
    first = delivery.deliver(message.pk)
    message.refresh_from_db()
    assert first is not None and first.total_seconds() == 120
    assert message.status == MessageStatus.PENDING
    assert "ConnectionRefusedError" in message.last_error
    assert delivery.deliver(message.pk) is None
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.attempts == 2


@pytest.mark.django_db
def test_delivering_twice_sends_once(correspondent_a: User) -> None:
    message = send_email(
        to="rh-a@example.org", template="password_changed", context={"user": correspondent_a}
    )
    delivery.deliver(message.pk)
    delivery.deliver(message.pk)
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_sends_queued_messages(correspondent_a: User, settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    message = send_email(
        to="rh-a@example.org", template="password_changed", context={"user": correspondent_a}
    )
    assert OutboundMessage.objects.get(pk=message.pk).status == MessageStatus.PENDING
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert OutboundMessage.objects.get(pk=message.pk).status == MessageStatus.SENT
    assert mail.outbox[0].to == ["rh-a@example.org"]


@pytest.mark.django_db
def test_dev_outbox_does_not_exist_outside_the_demo(client: Client) -> None:
    assert client.get("/dev/outbox/").status_code == 404


def raw_columns(message_id: int) -> str:
    """What the database itself holds for the message (a dump, a backup, a staff SQL query)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT subject, body_text, body_html, sealed, attachment FROM "
            "notifications_outboundmessage WHERE id = %s",
            [message_id],
        )
        return " ".join(str(column) for column in cursor.fetchone())


def welcome_email(user: User) -> OutboundMessage:
    return send_email(
        to="rh-a@example.org",
        template="welcome",
        context={"user": user, "url": Secret(WELCOME_URL, "[lien envoyé]"), "days": 7},
    )


@pytest.mark.django_db
def test_a_secret_is_sealed_before_delivery_and_gone_after_it(correspondent_a: User) -> None:
    message = welcome_email(correspondent_a)
    stored = OutboundMessage.objects.get(pk=message.pk)
    assert "abc-secret-token" not in raw_columns(message.pk)
    assert "abc-secret-token" in stored.sealed  # readable only through the field keys
    assert "[lien envoyé]" in stored.body_text
    assert "[lien envoyé]" in stored.body_html

    delivery.deliver(message.pk)

    stored.refresh_from_db()
    assert stored.status == MessageStatus.SENT
    assert stored.sealed == ""
    assert "abc-secret-token" not in raw_columns(message.pk)
    assert "[lien envoyé]" in stored.body_text
    sent = mail.outbox[0]
    assert isinstance(sent, EmailMultiAlternatives)
    assert WELCOME_URL in sent.body
    assert WELCOME_URL in str(sent.alternatives[0][0])
    assert "[lien envoyé]" not in sent.body


@pytest.mark.django_db
def test_a_message_that_finally_fails_keeps_no_secret(correspondent_a: User, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_TIMEOUT = 2
    settings.OUTBOX_MAX_ATTEMPTS = 2
    message = welcome_email(correspondent_a)
    delivery.deliver(message.pk)
    assert "abc-secret-token" in OutboundMessage.objects.get(pk=message.pk).sealed  # for a retry
    delivery.deliver(message.pk)
    failed = OutboundMessage.objects.get(pk=message.pk)
    assert failed.status == MessageStatus.FAILED
    assert failed.sealed == ""
    assert "abc-secret-token" not in raw_columns(message.pk)


@pytest.mark.django_db
def test_an_sms_code_is_delivered_but_stored_redacted(delivered: list[Delivery]) -> None:
    message = send_sms(
        to="+33612345678",
        text="Votre code est 493817.",
        template="signature_code",
        secrets=(Secret("493817", "[code envoyé]"),),
    )
    assert "493817" not in raw_columns(message.pk)
    delivery.deliver(message.pk)
    message.refresh_from_db()
    assert (message.body_text, message.sealed) == ("Votre code est [code envoyé].", "")
    assert [(d.recipient, d.body_text) for d in delivered] == [
        ("+33612345678", "Votre code est 493817.")
    ]


@pytest.mark.django_db
def test_the_demo_backend_refuses_to_run_outside_the_demo() -> None:
    with pytest.raises(ImproperlyConfigured):
        DevOutboxBackend()


@pytest.mark.django_db
def test_dev_outbox_lists_delivered_copies_newest_first_with_their_links(
    client: Client, correspondent_a: User, settings: Any
) -> None:
    settings.DEV_OUTBOX = True
    settings.EMAIL_DELIVERY_BACKEND = DEMO_BACKEND
    first = send_email(
        to="first@example.org", template="password_changed", context={"user": correspondent_a}
    )
    delivery.deliver(first.pk)
    second = welcome_email(correspondent_a)
    delivery.deliver(second.pk)
    page = client.get("/dev/outbox/").content.decode()
    assert page.index("rh-a@example.org") < page.index("first@example.org")
    assert WELCOME_URL in page  # the recipient's copy
    assert "[lien envoyé]" not in page
    assert len(mail.outbox) == 2  # the demo's e-mails still go through Django's backend


@pytest.mark.django_db
def test_dev_outbox_does_not_show_messages_not_yet_delivered(
    client: Client, correspondent_a: User, settings: Any
) -> None:
    settings.DEV_OUTBOX = True
    settings.EMAIL_DELIVERY_BACKEND = DEMO_BACKEND
    welcome_email(correspondent_a)
    page = client.get("/dev/outbox/").content.decode()
    assert "Aucun message remis pour le moment" in page
    assert "abc-secret-token" not in page


@pytest.mark.django_db
def test_the_migration_redacts_secrets_stored_in_clear_before_sealing() -> None:
    from django.apps import apps

    migration = importlib.import_module("portal.notifications.migrations.0004_redact_past_secrets")
    link = "https://portail.example/mot-de-passe/Old-Clear-Token_1/"
    sent = OutboundMessage.objects.create(
        channel="email",
        recipient="rh-a@example.org",
        template="password_reset",
        body_text=f"Cliquez sur {link} vite.",
        body_html=f'<a href="{link}">{link}</a>',
        status=MessageStatus.SENT,
    )
    pending = OutboundMessage.objects.create(
        channel="sms",
        recipient="+33612345678",
        template="signature_code",
        body_text="Votre code de signature est 493817.",
    )
    migration.redact_past_secrets(apps, None)
    sent.refresh_from_db()
    pending.refresh_from_db()
    assert (sent.body_text, sent.sealed) == ("Cliquez sur [lien envoyé] vite.", "")
    assert sent.body_html == '<a href="[lien envoyé]">[lien envoyé]</a>'
    assert pending.body_text == "Votre code de signature est [code envoyé]."
    assert "493817" not in raw_columns(pending.pk)
    delivery.deliver(pending.pk)  # still delivered in full, then wiped
    pending.refresh_from_db()
    assert pending.sealed == ""
    assert MemoryBackend.delivered[-1].body_text == "Votre code de signature est 493817."
