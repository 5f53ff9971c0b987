"""Every staff page that shows a NIR, an IBAN or a document writes one audit event naming
what was read (rules.md R8.6): the back office's own screens and the admin's change pages."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.base import ContentFile
from django.db import models
from django.test import Client
from django.urls import reverse

from conftest import declare, make_nir
from portal.accounts.models import User
from portal.backoffice.tests.test_dsn_anomalies import outcomes
from portal.cards.models import MembershipCard
from portal.companies.models import Company, InsuredGroup
from portal.core.audit import AuditAction
from portal.core.models import AuditEvent
from portal.dsn.models import DsnFile
from portal.enrollment.models import Employee
from portal.imports.models import ImportBatch
from portal.notifications.models import OutboundMessage
from portal.signatures.journey import close_enrollment
from portal.signatures.models import SignatureEnvelope
from portal.tracking.models import Request
from portal.waivers.models import Waiver
from portal.waivers.tests.conftest import HIRED
from portal.waivers.tests.test_services import ask

Built = tuple[models.Model, str, int | None]  # the record, its admin page, its company's id


def employee_page(affiliation: Request, staff_user: User) -> Built:
    employee = Employee.objects.get(pk=affiliation.employee_id)
    url = reverse("admin:enrollment_employee_change", args=[employee.pk])
    return employee, url, employee.company_id


def correction_page(affiliation: Request, staff_user: User) -> Built:
    employee = Employee.objects.get(pk=affiliation.employee_id)
    url = reverse("admin:enrollment_employee_correct", args=[employee.pk])
    return employee, url, employee.company_id


def envelope_page(affiliation: Request, staff_user: User) -> Built:
    envelope = SignatureEnvelope.objects.get(membership__employee_id=affiliation.employee_id)
    url = reverse("admin:signatures_signatureenvelope_change", args=[envelope.pk])
    return envelope, url, affiliation.company_id


def card_page(affiliation: Request, staff_user: User) -> Built:
    assert affiliation.membership is not None
    close_enrollment(membership=affiliation.membership, by=staff_user)
    card = MembershipCard.objects.get(membership=affiliation.membership)
    return card, reverse("admin:cards_membershipcard_change", args=[card.pk]), card_company(card)


def card_company(card: MembershipCard) -> int:
    return card.membership.contract.company_id


def waiver_page(affiliation: Request, staff_user: User) -> Built:
    company = Company.objects.get(pk=affiliation.company_id)
    Company.objects.filter(pk=company.pk).update(waivers_enabled=True)
    company.refresh_from_db()
    declared = declare(
        company,
        hire_date=HIRED,
        effective_date=HIRED,
        email="lea.garcia@example.org",
        nir=make_nir(order="321"),
        employee_number="W-1",
    )
    assert declared.membership is not None
    waiver: Waiver = ask(declared.membership)
    return waiver, reverse("admin:waivers_waiver_change", args=[waiver.pk]), company.pk


def dsn_file_page(affiliation: Request, staff_user: User) -> Built:
    company = Company.objects.get(pk=affiliation.company_id)
    dsn = outcomes(company)[0].declaration.file
    assert isinstance(dsn, DsnFile)
    return dsn, reverse("admin:dsn_dsnfile_change", args=[dsn.pk]), None


def import_page(affiliation: Request, staff_user: User) -> Built:
    group = InsuredGroup.objects.get(contract__company_id=affiliation.company_id)
    batch = ImportBatch(company_id=affiliation.company_id, insured_group=group, filename="a.csv")
    batch.file.save("a.csv", ContentFile(b"Nom;Prenom\n"), save=True)
    return batch, reverse("admin:imports_importbatch_change", args=[batch.pk]), batch.company_id


def outbox_page(affiliation: Request, staff_user: User) -> Built:
    message = OutboundMessage.objects.order_by("pk").first()
    assert message is not None
    url = reverse("admin:notifications_outboundmessage_change", args=[message.pk])
    return message, url, None


PAGES: dict[str, tuple[Callable[[Request, User], Built], list[str]]] = {
    "employee": (employee_page, ["nir"]),
    "employee correction": (correction_page, ["nir"]),
    "signature envelope": (envelope_page, ["document"]),
    "membership card": (card_page, ["document"]),
    "waiver": (waiver_page, ["document"]),
    "DSN file": (dsn_file_page, ["document"]),
    "employee import": (import_page, ["document"]),
    "outbox message": (outbox_page, ["document"]),
}


def reads() -> list[tuple[str, str, str, int | None, dict[str, object]]]:
    return [
        (e.actor.email if e.actor else "", e.target_type, e.target_id, e.company_id, e.details)
        for e in AuditEvent.objects.filter(action=AuditAction.STAFF_RECORD_VIEWED)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_a_staff_admin_page_showing_a_nir_or_documents_writes_one_audit_event(
    page: str, staff_client: Client, affiliation: Request, staff_user: User
) -> None:
    build, shows = PAGES[page]
    record, url, company_id = build(affiliation, staff_user)
    assert reads() == []

    response = staff_client.get(url)

    assert response.status_code == 200
    assert reads() == [
        (staff_user.email, record._meta.label, str(record.pk), company_id, {"shows": shows})
    ]


@pytest.mark.django_db
def test_the_admin_lists_and_a_missing_record_write_no_read_event(
    staff_client: Client, affiliation: Request
) -> None:
    assert staff_client.get(reverse("admin:enrollment_employee_changelist")).status_code == 200
    missing = staff_client.get(reverse("admin:enrollment_employee_change", args=[999999]))
    assert missing.status_code == 302  # the admin sends a missing record back to the list
    assert reads() == []


@pytest.mark.django_db
def test_the_dossier_page_and_its_documents_audit_each_opening(
    staff_client: Client, affiliation: Request, staff_user: User
) -> None:
    staff_client.get(reverse("backoffice:dossier", args=[affiliation.pk]))
    document = SignatureEnvelope.objects.get().documents.order_by("position").first()
    assert document is not None
    url = reverse("backoffice:dossier_document", args=[affiliation.pk, "signe", document.pk])
    # Read, not closed by hand: closing a response outside the client ends the request,
    # which closes the test's database connection on PostgreSQL.
    assert b"".join(staff_client.get(url).streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]

    events = AuditEvent.objects.filter(actor=staff_user).order_by("pk")
    assert [(e.action, e.target_type, e.target_id) for e in events] == [
        (AuditAction.DOSSIER_VIEWED, "tracking.Request", str(affiliation.pk)),
        (AuditAction.DOSSIER_DOCUMENT_VIEWED, "tracking.Request", str(affiliation.pk)),
    ]
