"""A declaration made by mistake is cancelled by the employer, not terminated."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from conftest import declare, text
from portal.companies.models import Company
from portal.core.errors import BusinessError
from portal.enrollment.models import MembershipStatus
from portal.enrollment.services import get_invitation
from portal.tracking.models import Request, State


@pytest.mark.django_db
def test_a_waiting_declaration_is_cancelled_with_its_reason_and_the_link_stops(
    client_a: Client, company_a: Company
) -> None:
    request = declare(company_a)
    token = request.membership.invitations.get().token
    url = reverse("tracking:cancel", args=[company_a.pk, request.pk])
    page = text(
        client_a.get(reverse("employer:employee", args=[company_a.pk, request.employee_id]))
    )
    assert "Annuler la déclaration" in page
    refused = text(client_a.post(url, {"motif": "  "}))
    assert "Indiquez pourquoi cette déclaration est annulée." in refused
    request.refresh_from_db()
    assert request.state == State.WAITING
    client_a.post(url, {"motif": "Doublon : salarié déclaré deux fois."})
    request.refresh_from_db()
    request.membership.refresh_from_db()
    assert (request.state, request.membership.status) == (
        State.CANCELLED,
        MembershipStatus.CANCELLED,
    )
    with pytest.raises(BusinessError):
        get_invitation(token)
    page = text(
        client_a.get(reverse("employer:employee", args=[company_a.pk, request.employee_id]))
    )
    assert "Déclaration annulée par l'employeur : Doublon : salarié déclaré deux fois." in page
    assert "Résilier son contrat" not in page


@pytest.mark.django_db
def test_a_signed_enrollment_cannot_be_cancelled_as_a_mistake(
    client_a: Client, company_a: Company
) -> None:
    request = declare(company_a)
    request.membership.status = MembershipStatus.SIGNED
    request.membership.save(update_fields=["status"])
    page = text(
        client_a.post(
            reverse("tracking:cancel", args=[company_a.pk, request.pk]), {"motif": "Erreur"}
        )
    )
    assert "utilisez « Résilier son contrat »" in page
    assert Request.objects.get(pk=request.pk).state == State.WAITING
