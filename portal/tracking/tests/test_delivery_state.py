"""Issue 17, item 2: each message's delivery state in the request's timeline and in "Mes
demandes"; an e-mail that could not be delivered is flagged for HR."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import declare, make_nir, text
from portal.companies.models import Company
from portal.notifications.models import Channel, MessageStatus, OutboundMessage
from portal.tracking.models import EventKind, Request, RequestEvent
from portal.tracking.services import send_reminder

pytestmark = pytest.mark.django_db
FLAG = "E-mail non distribué à cedric.simon@example.org : l'adresse est peut-être erronée."


def employee_page(client: Client, request: Request) -> str:
    url = reverse("employer:employee", args=[request.company_id, request.employee_id])
    return text(client.get(url))


def test_the_invitation_step_links_its_e_mail_and_shows_it_sent(
    client_a: Client, company_a: Company
) -> None:
    request = declare(company_a)
    event = RequestEvent.objects.get(request=request, kind=EventKind.INVITATION_SENT)
    assert event.message is not None
    assert (event.message.channel, event.message.recipient) == (
        Channel.EMAIL,
        "cedric.simon@example.org",
    )
    assert event.message.status == MessageStatus.SENT  # delivered by the task on commit
    assert "Lien d'affiliation envoyé — e-mail envoyé" in employee_page(client_a, request)


def test_the_letters_step_links_the_login_letter(client_a: Client, company_a: Company) -> None:
    request = declare(company_a, email="", nir=make_nir(order="401"))
    event = RequestEvent.objects.get(request=request, kind=EventKind.LETTERS_SENT)
    assert event.message is not None
    assert (event.message.channel, event.message.template) == (Channel.LETTER, "letter_login")


def test_a_failed_e_mail_is_flagged_until_a_reminder_gets_through(
    client_a: Client, company_a: Company, django_capture_on_commit_callbacks: Any
) -> None:
    request = declare(company_a)
    OutboundMessage.objects.filter(channel=Channel.EMAIL).update(status=MessageStatus.FAILED)
    listing = reverse("tracking:requests", args=[company_a.pk])

    page = text(client_a.get(listing))
    assert FLAG in page
    assert "Dernier message : e-mail non distribué (" in page
    assert (
        "Lien d'affiliation envoyé — e-mail non distribué : l'adresse du salarié est peut-être "
        "erronée"
    ) in employee_page(client_a, request)

    with django_capture_on_commit_callbacks(execute=True):
        send_reminder(request_id=request.pk, company=company_a, by=None)
    page = text(client_a.get(listing))
    assert FLAG not in page
    assert "Dernier message : e-mail envoyé (" in page
    assert "Relance envoyée — e-mail envoyé" in employee_page(client_a, request)
