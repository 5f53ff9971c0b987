from __future__ import annotations

import socket
from typing import Any

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command
from django.test import Client

from portal.accounts.models import User
from portal.notifications import delivery
from portal.notifications.models import MessageStatus, OutboundMessage
from portal.notifications.services import send_email


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


@pytest.mark.django_db
def test_dev_outbox_lists_messages_newest_first_without_login(
    client: Client, correspondent_a: User, settings: Any
) -> None:
    settings.DEV_OUTBOX = True
    send_email(
        to="first@example.org", template="password_changed", context={"user": correspondent_a}
    )
    send_email(
        to="second@example.org",
        template="welcome",
        context={"user": correspondent_a, "url": "http://x/mot-de-passe/abc/", "days": 7},
    )
    page = client.get("/dev/outbox/").content.decode()
    assert page.index("second@example.org") < page.index("first@example.org")
    assert "http://x/mot-de-passe/abc/" in page


@pytest.mark.django_db
def test_dev_outbox_shows_the_letters_pdf_in_the_demo_only(
    client: Client, company_a: Any, settings: Any
) -> None:
    from conftest import declare

    declare(company_a, email="")
    letter = OutboundMessage.objects.filter(channel="letter").order_by("id").last()
    assert letter is not None
    url = f"/dev/outbox/{letter.pk}/piece-jointe.pdf"
    assert client.get(url).status_code == 404
    settings.DEV_OUTBOX = True
    response = client.get(url)
    assert response.status_code == 200
    assert response.getvalue().startswith(b"%PDF-")
    assert "Voir le courrier (PDF)" in client.get("/dev/outbox/").content.decode()
