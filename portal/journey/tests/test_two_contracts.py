"""An employee of a company with a health and a provident contract: one dossier, one membership
per contract, one journey, one signature ("Ce dossier contient 2 bulletins d'adhésion")."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import CommitClient, declaration, declare, text
from portal.accounts.models import User
from portal.companies.models import (
    Company,
    Contract,
    ContractKind,
    InsuredGroup,
    Product,
    ProductKind,
)
from portal.core.errors import BusinessError
from portal.core.models import AuditEvent
from portal.enrollment.declarations import validate_declaration
from portal.enrollment.dossiers import Dossier
from portal.enrollment.forms import DeclarationForm
from portal.enrollment.models import (
    Dependant,
    Invitation,
    JourneyStep,
    Membership,
    MembershipStatus,
)
from portal.journey.tests.test_journey import (
    CHILD,
    attestation_pdf,
    fill_profile,
    last_sms_code,
    rates,
    url,
)
from portal.signatures.models import EnvelopeStatus, SignatureEnvelope
from portal.tracking.models import Reason, Request, Source, State
from portal.tracking.services import declare_more_contracts
from portal.waivers.models import Waiver
from portal.waivers.services import grant_waiver
from portal.waivers.tests.pdf_text import pdf_text, squeezed

NAMED = "Marie SIMON, née le 02/03/1986, 100 %"


@pytest.fixture
def provident_group(company_a: Company) -> InsuredGroup:
    contract = Contract.objects.create(
        company=company_a,
        number="P0001",
        kind=ContractKind.PROVIDENT,
        start_date=date(2024, 1, 1),
        beneficiary_designation=True,
    )
    product = Product.objects.create(
        code="PRV/CAD01", label="Prévoyance cadres", kind=ProductKind.BASE
    )
    rates(product, "0.00", "0.00", "0.00")
    return InsuredGroup.objects.create(
        contract=contract, code="PREV01", label="Cadres", base_product=product
    )


@pytest.fixture
def health_group(company_a: Company) -> InsuredGroup:
    group = InsuredGroup.objects.get(contract__company=company_a, contract__kind="health")
    rates(group.base_product, "40.00", "35.00", "20.00")
    return group


def declare_both(company: Company, health: InsuredGroup, provident: InsuredGroup) -> Membership:
    # Given provident first: the rules put the health contract first (the dossier's lead).
    request = declare(company, insured_group_ids=[provident.pk, health.pk])
    return Membership.objects.get(pk=request.membership_id)


@pytest.fixture
def lead(
    company_a: Company, health_group: InsuredGroup, provident_group: InsuredGroup
) -> Membership:
    return declare_both(company_a, health_group, provident_group)


@pytest.fixture
def member(client: Client, lead: Membership) -> Client:
    user = lead.employee.user
    assert user is not None
    client.force_login(user)
    return client


def provident_of(lead: Membership) -> Membership:
    return Membership.objects.get(employee=lead.employee, contract__kind=ContractKind.PROVIDENT)


def to_coverage(client: Client, lead: Membership, *, child: bool = True) -> None:
    fill_profile(client, lead)
    if child:
        client.post(url("add_dependant", lead), CHILD)
    client.post(url("dependants", lead))


def ready_to_sign(client: Client, lead: Membership, clause: dict[str, str]) -> None:
    to_coverage(client, lead)
    client.post(url("coverage", lead), {"option": "base", **clause})
    client.post(
        url("bank", lead),
        {
            "debit_holder": "Cédric Simon",
            "debit_iban": "FR76 3000 6000 0112 3456 7890 189",
            "frequency": "monthly",
            "debit_day": "5",
            "same_for_benefits": "on",
        },
    )


def sign(client: Client, lead: Membership) -> None:
    client.post(url("summary", lead))
    client.post(url("bulletin", lead), {"consent1": "on", "consent2": "on"})
    client.post(url("sms", lead), {"phone": "06 12 34 56 78"})
    assert client.post(url("code", lead), {"code": last_sms_code()})["Location"] == url(
        "done", lead
    )


# --- Declaring -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_employee_declared_in_both_contracts_has_one_membership_each_one_request_one_link(
    lead: Membership,
) -> None:
    memberships = list(
        Membership.objects.filter(employee=lead.employee)
        .order_by("pk")
        .values_list("contract__kind", "insured_group__code", "status", "effective_date")
    )
    assert memberships == [
        ("health", "02ENSP", MembershipStatus.PRE_ENROLLED, date(2024, 3, 1)),
        ("provident", "PREV01", MembershipStatus.PRE_ENROLLED, date(2024, 3, 1)),
    ]
    assert lead.contract.kind == ContractKind.HEALTH
    assert list(Request.objects.values_list("reason", "membership_id")) == [
        (Reason.AFFILIATION, lead.pk)
    ]
    assert list(Invitation.objects.values_list("membership_id", flat=True)) == [lead.pk]
    assert Dossier.of(provident_of(lead)).lead == lead


@pytest.mark.django_db
def test_two_groups_of_one_contract_or_none_are_refused_with_the_groups_message(
    company_a: Company, health_group: InsuredGroup, provident_group: InsuredGroup
) -> None:
    other = InsuredGroup.objects.create(
        contract=health_group.contract,
        code="01ENSP",
        label="Non-cadres",
        base_product=health_group.base_product,
    )
    today = date(2024, 4, 1)
    twice = validate_declaration(
        declaration(company_a, insured_group_ids=[health_group.pk, other.pk]),
        company=company_a,
        today=today,
    )
    assert [(p.field, p.code, p.message) for p in twice.errors] == [
        (
            "insured_group_ids",
            "groups_same_contract",
            "Un salarié appartient à un seul groupe d'assurés par contrat (A0001) : n'en "
            "choisissez qu'un.",
        )
    ]
    none = validate_declaration(
        declaration(company_a, insured_group_ids=[]), company=company_a, today=today
    )
    assert [(p.field, p.code) for p in none.errors] == [("insured_group_ids", "group_required")]
    with pytest.raises(BusinessError):
        declare(company_a, insured_group_ids=[])
    assert Membership.objects.count() == 0


@pytest.mark.django_db
def test_the_form_asks_one_group_per_contract_and_declares_each_contract_chosen(
    client_a: Client, company_a: Company, health_group: InsuredGroup, provident_group: InsuredGroup
) -> None:
    form = DeclarationForm(company=company_a, today=date(2024, 4, 1), others=[])
    assert [(box.label, list(box.field.choices)) for box in form.group_boxes] == [  # type: ignore[attr-defined]
        (
            "Groupe d'assurés — Complémentaire Santé (contrat n° A0001)",
            [("", "Non concerné(e) par ce contrat"), (health_group.pk, "02ENSP — Cadres")],
        ),
        (
            "Groupe d'assurés — Prévoyance (contrat n° P0001)",
            [("", "Non concerné(e) par ce contrat"), (provident_group.pk, "PREV01 — Cadres")],
        ),
    ]
    start = timezone.localdate().replace(day=1).isoformat()
    data = {
        "civility": "M",
        "last_name": "Simon",
        "first_name": "Cédric",
        "birth_date": "1985-05-14",
        "email": "cedric.simon@example.org",
        "hire_date": start,
        "effective_date": start,
        "alsace_moselle": "non",
    }
    neither = DeclarationForm(data, company=company_a, today=date(2024, 4, 1), others=[])
    assert not neither.is_valid()
    assert neither.errors[f"group_{health_group.contract_id}"] == [
        "Choisissez le groupe d'assurés du salarié pour au moins un de vos contrats."
    ]
    page = text(client_a.get(reverse("tracking:declare", args=[company_a.pk])))
    assert "Groupe d'assurés — Prévoyance (contrat n° P0001)" in page
    posted = client_a.post(
        reverse("tracking:declare", args=[company_a.pk]),
        {**data, f"group_{provident_group.contract_id}": provident_group.pk},
    )
    assert posted.status_code == 302
    review = text(client_a.get(reverse("tracking:review", args=[company_a.pk])))
    assert "PREV01 — Cadres (Prévoyance)" in review
    client_a.post(reverse("tracking:review", args=[company_a.pk]), {"valider": "1"})
    assert list(Membership.objects.values_list("contract__kind", flat=True)) == ["provident"]


# --- The journey ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_mes_garanties_shows_the_health_choice_and_the_provident_cover_with_its_clause(
    member: Client, lead: Membership
) -> None:
    to_coverage(member, lead)
    page = text(member.get(url("coverage", lead)))
    assert (
        "Votre entreprise a souscrit pour vous une complémentaire santé et un contrat de "
        "prévoyance qui vous permettent de bénéficier des garanties ci-dessous." in page
    )
    assert "Prévoyance — contrat n° P0001" in page
    assert "Prévoyance cadres" in page
    assert "Clause bénéficiaire en cas de décès" in page
    assert "Mon conjoint non séparé de corps judiciairement" in page
    assert page.count('name="option"') == 1  # the health base; provident has no option


@pytest.mark.django_db
def test_the_clause_is_required_and_a_named_one_names_someone_nothing_saved_until_then(
    member: Client, lead: Membership
) -> None:
    to_coverage(member, lead)
    provident = provident_of(lead)
    missing = text(member.post(url("coverage", lead), {"option": "base"}))
    assert (
        "Choisissez la clause bénéficiaire de votre contrat de prévoyance : la clause type ou "
        "une clause nominative." in missing
    )
    empty = text(
        member.post(url("coverage", lead), {"option": "base", f"clause_{provident.pk}": "named"})
    )
    assert "Indiquez les bénéficiaires de votre clause nominative" in empty
    lead.refresh_from_db()
    provident.refresh_from_db()
    assert (lead.coverage_chosen, provident.beneficiary_clause) == (False, "")
    assert not lead.step_done(JourneyStep.COVERAGE)
    response = member.post(
        url("coverage", lead),
        {
            "option": "base",
            f"clause_{provident.pk}": "named",
            f"designation_{provident.pk}": f"  {NAMED}  ",
        },
    )
    assert response["Location"] == url("bank", lead)
    provident.refresh_from_db()
    assert (provident.beneficiary_clause, provident.beneficiary_designation) == ("named", NAMED)
    assert provident.step_done(JourneyStep.COVERAGE)
    event = AuditEvent.objects.filter(action="coverage_chosen").get()
    assert event.details["clauses"] == {str(provident.pk): "named"}
    assert "SIMON" not in str(event.details)


@pytest.mark.django_db
def test_one_signature_signs_the_dossier_of_two_bulletins(member: Client, lead: Membership) -> None:
    provident = provident_of(lead)
    ready_to_sign(member, lead, {f"clause_{provident.pk}": "standard"})
    summary = text(member.get(url("summary", lead)))
    assert "Prévoyance — contrat n° P0001" in summary
    assert "Clause bénéficiaire en cas de décès : Clause type" in summary
    member.post(url("summary", lead))
    bulletin = text(member.get(url("bulletin", lead)))
    assert (
        "Ce dossier contient 2 bulletins d'adhésion. La signature entraîne une validation de "
        "l'ensemble du dossier." in bulletin
    )
    pdf = squeezed(pdf_text(member.get(url("bulletin_pdf", lead)).getvalue()))
    assert squeezed("au contrat collectif Complémentaire Santé n° A0001") in pdf
    assert squeezed("au contrat collectif Prévoyance n° P0001") in pdf
    assert squeezed("Clause type : « Mon conjoint non séparé de corps judiciairement") in pdf
    sign(member, lead)
    statuses = list(
        Membership.objects.filter(employee=lead.employee)
        .order_by("pk")
        .values_list("status", "journey_step")
    )
    assert statuses == [(MembershipStatus.SIGNED, JourneyStep.SIGNATURE)] * 2
    assert SignatureEnvelope.objects.filter(status=EnvelopeStatus.SIGNED).count() == 1
    assert Request.objects.get().state == State.IN_PROGRESS
    # "Mon dossier d'adhésion signé" from either contract's card: the one signed dossier.
    for membership in (lead, provident):
        signed = member.get(url("bulletin_pdf", membership))
        assert signed["Content-Disposition"].endswith('"dossier-adhesion-signe.pdf"')


@pytest.mark.django_db
def test_staff_close_and_send_back_the_whole_dossier(
    member: Client, lead: Membership, staff_user: User
) -> None:
    provident = provident_of(lead)
    ready_to_sign(member, lead, {f"clause_{provident.pk}": "standard"})
    sign(member, lead)
    staff = CommitClient()
    staff.force_login(staff_user)
    changelist = reverse("admin:tracking_request_changelist")
    request = Request.objects.get()
    staff.post(
        changelist,
        {
            "action": "send_back_enrollments",
            "_selected_action": [request.pk],
            "motif": "RIB illisible",
            "apply": "1",
        },
    )
    assert set(Membership.objects.values_list("status", flat=True)) == {
        MembershipStatus.PRE_ENROLLED
    }
    sign(member, lead)
    staff.post(changelist, {"action": "close_enrollments", "_selected_action": [request.pk]})
    assert set(Membership.objects.values_list("status", flat=True)) == {MembershipStatus.ACTIVE}
    request.refresh_from_db()
    assert request.state == State.CLOSED


@pytest.mark.django_db
def test_the_provident_membership_leads_back_to_the_dossiers_journey(
    member: Client, lead: Membership
) -> None:
    provident = provident_of(lead)
    assert member.get(url("profile", provident))["Location"] == url("resume", lead)
    assert member.get(url("resume", provident))["Location"] == url("profile", lead)
    assert member.get(url("waiver", provident)).status_code == 404


@pytest.mark.django_db
def test_a_provident_only_dossier_has_no_dependant_and_nothing_to_debit(
    client: Client, company_a: Company, provident_group: InsuredGroup
) -> None:
    request = declare(company_a, insured_group_ids=[provident_group.pk])
    membership = Membership.objects.get(pk=request.membership_id)
    user = membership.employee.user
    assert user is not None
    client.force_login(user)
    fill_profile(client, membership)
    page = text(client.get(url("dependants", membership)))
    assert "Votre contrat de prévoyance couvre le salarié seul" in page
    client.post(url("add_dependant", membership), CHILD)
    assert Dependant.objects.count() == 0
    client.post(url("dependants", membership))
    coverage = text(client.get(url("coverage", membership)))
    assert 'name="option"' not in coverage
    assert "Votre entreprise a souscrit pour vous un contrat de prévoyance" in coverage
    response = client.post(url("coverage", membership), {f"clause_{membership.pk}": "standard"})
    assert response["Location"] == url("bank", membership)
    client.post(url("bank", membership))
    membership.refresh_from_db()
    assert membership.step_done(JourneyStep.BANK)
    client.post(url("summary", membership))
    assert "Ce dossier contient 1 bulletin d'adhésion" in text(
        client.get(url("bulletin", membership))
    )


# --- A health waiver leaves the provident enrollment waiting -------------------------------------


def ask_health_waiver(client: Client, lead: Membership) -> None:
    fill_profile(client, lead)
    page = text(client.get(url("waiver", lead)))
    assert "La dispense concerne votre complémentaire santé seulement" in page
    proof = SimpleUploadedFile("attestation.pdf", attestation_pdf(), "application/pdf")
    response = client.post(url("waiver", lead), {"case": "covered_elsewhere", "proof": proof})
    assert response["Location"] == url("waiver_sign", lead)
    client.post(url("waiver_sign", lead), {"consequences": "on"})
    client.post(url("waiver_sms", lead), {"phone": "06 12 34 56 78"})
    client.post(url("waiver_code", lead), {"code": last_sms_code()})


@pytest.mark.django_db
def test_a_granted_health_waiver_keeps_the_affiliation_and_link_for_the_provident_contract(
    member: Client, lead: Membership, staff_user: User, company_a: Company
) -> None:
    Company.objects.filter(pk=company_a.pk).update(waivers_enabled=True)
    ask_health_waiver(member, lead)
    lead.refresh_from_db()
    provident = provident_of(lead)
    assert (lead.status, provident.status) == (
        MembershipStatus.WAIVER_REQUESTED,
        MembershipStatus.PRE_ENROLLED,
    )
    grant_waiver(waiver_id=Waiver.objects.get().pk, by=staff_user)
    affiliation = Request.objects.get(reason=Reason.AFFILIATION)
    assert affiliation.state == State.WAITING
    assert Invitation.objects.get().revoked_at is None
    # The journey goes on for the provident contract alone.
    assert member.get(url("resume", provident))["Location"] == url("dependants", provident)
    member.post(url("dependants", provident))
    member.post(url("coverage", provident), {f"clause_{provident.pk}": "standard"})
    member.post(url("bank", provident))
    sign(member, provident)
    provident.refresh_from_db()
    lead.refresh_from_db()
    assert (lead.status, provident.status) == (MembershipStatus.WAIVED, MembershipStatus.SIGNED)
    affiliation.refresh_from_db()
    assert affiliation.state == State.IN_PROGRESS
    # Staff close the affiliation request (made on the waived health membership): the
    # provident membership it led to is "Mis en gestion".
    staff = CommitClient()
    staff.force_login(staff_user)
    staff.post(
        reverse("admin:tracking_request_changelist"),
        {"action": "close_enrollments", "_selected_action": [affiliation.pk]},
    )
    affiliation.refresh_from_db()
    provident.refresh_from_db()
    assert (affiliation.state, provident.status) == (State.CLOSED, MembershipStatus.ACTIVE)


@pytest.mark.django_db
def test_a_contract_joined_later_is_signed_in_the_same_dossier_with_both_requests(
    client: Client, company_a: Company, health_group: InsuredGroup, provident_group: InsuredGroup
) -> None:
    request = declare(company_a, insured_group_ids=[health_group.pk])
    health = Membership.objects.get(pk=request.membership_id)
    with transaction.atomic(durable=True):
        later = declare_more_contracts(
            employee=health.employee,
            insured_group_ids=[provident_group.pk],
            effective_date=health.effective_date,
            source=Source.DSN,
            by=None,
            today=date(2024, 4, 1),
        )
    assert later.membership is not None and later.membership.contract == provident_group.contract
    with pytest.raises(BusinessError) as twice, transaction.atomic(durable=True):
        declare_more_contracts(
            employee=health.employee,
            insured_group_ids=[provident_group.pk],
            effective_date=health.effective_date,
            source=Source.DSN,
            by=None,
            today=date(2024, 4, 1),
        )
    assert twice.value.code == "already_member"
    user = health.employee.user
    assert user is not None
    client.force_login(user)
    ready_to_sign(client, health, {f"clause_{later.membership_id}": "standard"})
    sign(client, health)
    assert set(Request.objects.values_list("state", flat=True)) == {State.IN_PROGRESS}
    assert set(Membership.objects.values_list("status", flat=True)) == {MembershipStatus.SIGNED}


@pytest.mark.django_db
def test_the_provident_coverage_table_downloads_from_the_dossier_and_no_other_product(
    member: Client, lead: Membership, provident_group: InsuredGroup, media_root: Any
) -> None:
    product = provident_group.base_product
    product.coverage_table.save("prv.pdf", ContentFile(b"%PDF-1.4 tableau"), save=True)
    to_coverage(member, lead)
    assert f'href="{url("coverage_table", lead, product.pk)}"' in text(
        member.get(url("coverage", lead))
    )
    download = member.get(url("coverage_table", lead, product.pk))
    assert download.getvalue() == b"%PDF-1.4 tableau"
    stranger = Product.objects.create(code="AUTRE/1", label="Autre", kind=ProductKind.BASE)
    stranger.coverage_table.save("autre.pdf", ContentFile(b"%PDF-1.4 autre"), save=True)
    assert member.get(url("coverage_table", lead, stranger.pk)).status_code == 404
