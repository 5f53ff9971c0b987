"""The employee's enrollment steps through HTTP: profile, dependants, coverage, bank details."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from fpdf import FPDF

from conftest import CommitClient, declare, make_nir, text
from portal.accounts.models import User
from portal.companies.models import Company, InsuredGroup, Product, ProductKind, ProductRate
from portal.enrollment.models import (
    AccountPurpose,
    BankAccount,
    DebitMandate,
    Dependant,
    Invitation,
    JourneyStep,
    Membership,
    MembershipStatus,
)
from portal.notifications.backends import MemoryBackend
from portal.notifications.models import Channel
from portal.signatures.models import EnvelopeStatus, SignatureEnvelope, SignedDocument
from portal.tracking.models import EventKind, Reason, Request, State
from portal.tracking.queries import requests_of
from portal.waivers.models import Waiver, WaiverStatus
from portal.waivers.tests.pdf_text import pdf_text, squeezed

PROFILE = {
    "civility": "M",
    "last_name": "Simon",
    "first_name": "Cédric",
    "birth_date": "1985-05-14",
    "family_status": "married",
    "street": "20 rue Gambetta",
    "complement": "",
    "postal_code": "92000",
    "city": "Nanterre",
    "country": "FRANCE",
    "phone": "06 12 34 56 78",
    "nir": make_nir(),
    "fund_code": "011751234",
    "alsace_moselle": "non",
}
CHILD = {
    "kind": "child",
    "civility": "MME",
    "last_name": "Simon",
    "first_name": "Léa",
    "birth_date": "2015-06-01",
    "twin_rank": "1",
    "same_address": "on",
    "attachment": "member",
    "fund_code": "011751234",
    "alsace_moselle": "non",
}


def rates(product: Product, member: str, spouse: str, child: str) -> None:
    for beneficiary, amount in [("member", member), ("spouse", spouse), ("child", child)]:
        for scheme in ("general", "alsace_moselle"):
            ProductRate.objects.create(
                product=product, beneficiary=beneficiary, scheme=scheme, monthly_amount=amount
            )


@pytest.fixture
def membership(company_a: Company) -> Membership:
    group = InsuredGroup.objects.get(contract__company=company_a)
    rates(group.base_product, "40.00", "35.00", "20.00")
    option = Product.objects.create(code="OPT/1", label="Renfort", kind=ProductKind.OPTION)
    rates(option, "12.50", "10.00", "5.00")
    group.option_products.add(option)
    request = declare(company_a)
    return Membership.objects.get(pk=request.membership_id)


@pytest.fixture
def member(client: Client, membership: Membership) -> Client:
    user = membership.employee.user
    assert user is not None
    client.force_login(user)
    return client


def url(name: str, membership: Membership, *args: Any) -> str:
    return reverse(f"journey:{name}", args=[membership.pk, *args])


def fill_profile(client: Client, membership: Membership, **changes: str) -> Any:
    return client.post(url("profile", membership), {**PROFILE, **changes, "continue": "1"})


@pytest.mark.django_db
def test_the_profile_is_prefilled_with_what_the_employer_declared(
    member: Client, membership: Membership
) -> None:
    page = member.get(url("profile", membership)).content.decode()
    assert 'value="20 rue Gambetta"' in page
    assert 'value="011751234"' in page
    assert "Pour accélérer vos remboursements — Télétransmission" in page
    assert 'aria-current="step"' in page and "0 980 98 98 23" in page


@pytest.mark.django_db
def test_missing_family_status_and_phone_ask_before_continuing(
    member: Client, membership: Membership
) -> None:
    data = {**PROFILE, "family_status": "", "phone": ""}
    page = text(member.post(url("profile", membership), data))
    assert "Attention !" in page and "Les champs suivants ont été mal renseignés :" in page
    assert 'Champ "situation familiale" non renseigné' in page
    assert 'Champ "téléphone" non renseigné' in page
    assert "Souhaitez-vous continuer ?" in page
    membership.refresh_from_db()
    assert membership.journey_step == ""
    response = member.post(url("profile", membership), {**data, "continue": "1"})
    assert response["Location"] == url("dependants", membership)
    membership.refresh_from_db()
    assert membership.journey_step == JourneyStep.PROFILE


@pytest.mark.django_db
def test_a_wrong_nir_blocks_the_profile_with_the_employers_rule(
    member: Client, membership: Membership
) -> None:
    page = text(fill_profile(member, membership, nir=PROFILE["nir"][:13] + "00"))
    assert "clé" in page.lower()
    membership.refresh_from_db()
    assert membership.journey_step == ""


@pytest.mark.django_db
def test_the_saved_profile_updates_the_employee_and_the_journey_resumes_after_it(
    member: Client, membership: Membership
) -> None:
    fill_profile(
        member, membership, street="12 bis rue de la République", postal_code="69002", city="Lyon"
    )
    employee = membership.employee
    employee.refresh_from_db()
    assert (employee.street_number, employee.street_name, employee.city) == (
        "12 BIS",
        "rue de la République",
        "Lyon",
    )
    assert (employee.phone, employee.family_status, employee.insee_code) == (
        "06 12 34 56 78",
        "married",
        "69382",
    )
    assert member.get(url("resume", membership))["Location"] == url("dependants", membership)


@pytest.mark.django_db
def test_a_name_corrected_in_the_profile_is_found_in_mes_demandes(
    member: Client, membership: Membership
) -> None:
    fill_profile(member, membership, last_name="Simon-Durand")
    company = membership.contract.company
    assert [r.employee_id for r in requests_of(company, name="simon-durand")] == [
        membership.employee_id
    ]
    assert [r.employee_id for r in requests_of(company, name="cédric simon-d")] == [
        membership.employee_id
    ]


@pytest.mark.django_db
def test_twins_need_different_twin_ranks(member: Client, membership: Membership) -> None:
    fill_profile(member, membership)
    member.post(url("add_dependant", membership), CHILD)
    page = text(member.post(url("add_dependant", membership), {**CHILD, "first_name": "Zoé"}))
    assert "rang gémellaire" in page.lower()
    assert Dependant.objects.count() == 1
    member.post(url("add_dependant", membership), {**CHILD, "first_name": "Zoé", "twin_rank": "2"})
    assert list(Dependant.objects.values_list("first_name", "twin_rank")) == [
        ("Léa", 1),
        ("Zoé", 2),
    ]


@pytest.mark.django_db
def test_coverage_cards_show_what_the_employee_pays_for_the_family(
    member: Client, membership: Membership
) -> None:
    fill_profile(member, membership)
    member.post(url("add_dependant", membership), CHILD)
    member.post(url("dependants", membership))
    page = text(member.get(url("coverage", membership)))
    # Base: the child's base (20.00) is the employee's; with the option: + 12.50 + 5.00.
    assert "Total prélevé : <strong>20,00 €</strong> / mois" in page
    assert "Total prélevé : <strong>37,50 €</strong> / mois" in page
    option = membership.insured_group.option_products.get()
    response = member.post(url("coverage", membership), {"option": str(option.pk)})
    assert response["Location"] == url("bank", membership)
    membership.refresh_from_db()
    assert (membership.option, membership.journey_step) == (option, JourneyStep.COVERAGE)


@pytest.mark.django_db
def test_bank_details_create_the_sepa_mandate(member: Client, membership: Membership) -> None:
    fill_profile(member, membership)
    member.post(url("dependants", membership))
    option = membership.insured_group.option_products.get()
    member.post(url("coverage", membership), {"option": str(option.pk)})
    bad = text(
        member.post(
            url("bank", membership),
            {
                "debit_holder": "Cédric Simon",
                # The IBAN's own check digits are right; the French RIB key is not.
                "debit_iban": "FR06 3000 6000 0112 3456 7890 188",
                "frequency": "monthly",
                "debit_day": "10",
                "same_for_benefits": "on",
            },
        )
    )
    assert "clé RIB" in bad
    assert not DebitMandate.objects.exists()
    response = member.post(
        url("bank", membership),
        {
            "debit_holder": "Cédric Simon",
            "debit_iban": "FR76 3000 6000 0112 3456 7890 189",
            "frequency": "monthly",
            "debit_day": "10",
            "same_for_benefits": "on",
        },
    )
    assert response["Location"] == url("signature", membership)
    mandate = DebitMandate.objects.get()
    assert mandate.reference.startswith("ADH")
    assert (mandate.frequency, mandate.debit_day, mandate.creditor_identifier) == (
        "monthly",
        10,
        "FR69ZZZ651190",
    )
    account = BankAccount.objects.get()
    assert (account.purpose, account.iban, account.bic) == (
        AccountPurpose.DEBIT,
        "FR7630006000011234567890189",
        account.bic,
    )
    assert account.bic  # proposed from the IBAN


@pytest.mark.django_db
def test_the_bank_step_is_skipped_when_the_employee_pays_nothing(
    member: Client, membership: Membership
) -> None:
    fill_profile(member, membership)
    member.post(url("dependants", membership))
    member.post(url("coverage", membership), {"option": "base"})
    page = text(member.get(url("bank", membership)))
    assert "Vous n'avez pas de RIB à joindre." in page
    assert member.post(url("bank", membership))["Location"] == url("signature", membership)
    assert not BankAccount.objects.exists()


@pytest.mark.django_db
def test_an_employee_cannot_open_another_employees_enrollment(
    member: Client, membership: Membership, company_a: Company
) -> None:
    other = declare(
        company_a,
        first_name="Awa",
        last_name="Ndiaye",
        nir=make_nir(order="456"),
        email="awa@example.org",
        employee_number="M-0002",
    ).membership
    fill_profile(member, membership)
    pages = [
        "resume",
        "profile",
        "dependants",
        "add_dependant",
        "coverage",
        "bank",
        "signature",
        "summary",
        "bulletin",
        "bulletin_pdf",
        "sms",
        "code",
        "done",
        "waiver",
        "waiver_sign",
        "waiver_pdf",
        "waiver_sms",
        "waiver_code",
        "waiver_done",
    ]
    for name in pages:
        assert member.get(url(name, other)).status_code == 404, name
    their_child = Dependant.objects.create(
        membership=other, kind="child", civility="M", last_name="X", first_name="Y",
        birth_date=date(2015, 1, 1),
    )  # fmt: skip
    assert member.get(url("edit_dependant", membership, their_child.pk)).status_code == 404
    member.post(url("remove_dependant", membership, their_child.pk))
    assert Dependant.objects.filter(pk=their_child.pk).exists()
    product = other.insured_group.base_product
    assert member.get(url("coverage_table", other, product.pk)).status_code == 404
    assert member.post(url("profile", other), PROFILE).status_code == 404


@pytest.mark.django_db
def test_a_correspondent_cannot_use_the_employee_steps(
    client_a: Client, membership: Membership
) -> None:
    assert client_a.get(url("profile", membership)).status_code == 403


@pytest.mark.django_db
def test_a_signed_enrollment_is_no_longer_editable(member: Client, membership: Membership) -> None:
    Membership.objects.filter(pk=membership.pk).update(
        status=MembershipStatus.SIGNED, signed_at=timezone.now()
    )
    response = fill_profile(member, membership, city="Lyon", postal_code="69002")
    assert response["Location"] == url("done", membership)
    assert "Votre adhésion est terminée !" in text(member.get(url("done", membership)))
    membership.employee.refresh_from_db()
    assert membership.employee.city == "Nanterre"


def ready_to_sign(client: Client, membership: Membership) -> None:
    fill_profile(client, membership)
    client.post(url("add_dependant", membership), CHILD)
    client.post(url("dependants", membership))
    client.post(url("coverage", membership), {"option": "base"})
    client.post(
        url("bank", membership),
        {
            "debit_holder": "Cédric Simon",
            "debit_iban": "FR76 3000 6000 0112 3456 7890 189",
            "frequency": "quarterly",
            "debit_day": "15",
            "same_for_benefits": "on",
        },
    )


def last_sms_code() -> str:
    message = [d for d in MemoryBackend.delivered if d.channel == Channel.SMS][-1]
    match = re.search(r"\b(\d{6})\b", message.body_text)
    assert match is not None, message.body_text
    return match.group(1)


@pytest.mark.django_db
def test_the_employee_signs_the_dossier_with_the_sms_code(
    member: Client, membership: Membership
) -> None:
    ready_to_sign(member, membership)
    summary = text(member.get(url("summary", membership)))
    assert "Veuillez relire vos informations saisies" in summary
    assert 'name="offers"' in summary and "checked" not in summary.split('name="offers"')[1][:40]
    assert member.post(url("summary", membership))["Location"] == url("bulletin", membership)
    bulletin = text(member.get(url("bulletin", membership)))
    assert "Ce dossier contient 1 bulletin d'adhésion." in bulletin
    assert member.get(url("bulletin_pdf", membership)).getvalue().startswith(b"%PDF")
    refused = text(member.post(url("bulletin", membership), {"consent1": "on"}))
    assert "Veuillez cocher les cases ci-dessus" in refused
    response = member.post(url("bulletin", membership), {"consent1": "on", "consent2": "on"})
    assert response["Location"] == url("sms", membership)
    response = member.post(url("sms", membership), {"phone": "06 12 34 56 78"})
    assert response["Location"] == url("code", membership)
    assert "06 •• •• 56 78" in text(member.get(url("code", membership)))
    wrong = text(member.post(url("code", membership), {"code": "000000"}))
    assert "Code incorrect" in wrong
    response = member.post(url("code", membership), {"code": last_sms_code()})
    assert response["Location"] == url("done", membership)
    assert "Votre adhésion est terminée !" in text(member.get(url("done", membership)))
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.SIGNED
    assert membership.offers_consent_at is None
    assert DebitMandate.objects.get().signed_at == membership.signed_at
    request = Request.objects.get(membership=membership)
    assert request.state == State.IN_PROGRESS
    assert list(request.events.values_list("kind", flat=True))[-1] == EventKind.SIGNED
    dossier = member.get(url("bulletin_pdf", membership))
    assert dossier["Content-Disposition"].endswith('"dossier-adhesion-signe.pdf"')
    # A second "Signer" (double click) changes nothing; editing is over.
    again = member.post(url("code", membership), {"code": last_sms_code()})
    assert again["Location"] == url("done", membership)
    assert SignatureEnvelope.objects.get(status=EnvelopeStatus.SIGNED)
    assert member.get(url("profile", membership))["Location"] == url("done", membership)


def sign(client: Client, membership: Membership) -> None:
    ready_to_sign(client, membership)
    client.post(url("summary", membership))
    client.get(url("bulletin", membership))
    client.post(url("bulletin", membership), {"consent1": "on", "consent2": "on"})
    client.post(url("sms", membership), {"phone": "06 12 34 56 78"})
    client.post(url("code", membership), {"code": last_sms_code()})
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.SIGNED


@pytest.mark.django_db
def test_staff_close_a_signed_enrollment_from_the_back_office(
    member: Client, membership: Membership, staff_user: User
) -> None:
    sign(member, membership)
    request = Request.objects.get(membership=membership)
    staff = CommitClient()
    staff.force_login(staff_user)
    changelist = reverse("admin:tracking_request_changelist")
    staff.post(changelist, {"action": "close_enrollments", "_selected_action": [request.pk]})
    request.refresh_from_db()
    membership.refresh_from_db()
    assert (request.state, membership.status) == (State.CLOSED, MembershipStatus.ACTIVE)
    assert request.events.latest("pk").kind == EventKind.CLOSED


@pytest.mark.django_db
def test_staff_send_an_enrollment_back_and_the_employee_signs_again(
    member: Client, membership: Membership, staff_user: User
) -> None:
    sign(member, membership)
    request = Request.objects.get(membership=membership)
    staff = CommitClient()
    staff.force_login(staff_user)
    changelist = reverse("admin:tracking_request_changelist")
    form = staff.post(
        changelist, {"action": "send_back_enrollments", "_selected_action": [request.pk]}
    )
    assert "Ce que le salarié doit corriger" in text(form)
    staff.post(
        changelist,
        {
            "action": "send_back_enrollments",
            "_selected_action": [request.pk],
            "apply": "1",
            "motif": "Le numéro de sécurité sociale de Léa est illisible.",
        },
    )
    request.refresh_from_db()
    membership.refresh_from_db()
    assert (request.state, membership.status) == (State.WAITING, MembershipStatus.PRE_ENROLLED)
    assert mail.outbox[-1].subject == "Votre adhésion est à compléter"
    assert "illisible" in mail.outbox[-1].body
    html_body = str(mail.outbox[-1].alternatives[0][0])  # type: ignore[attr-defined]
    assert html_body.count("Besoin d'aide") == 1  # the layout's footer only
    assert mail.outbox[-1].body.count("Besoin d'aide") == 1
    assert member.get(url("resume", membership))["Location"] == url("signature", membership)
    member.post(url("summary", membership))
    member.get(url("bulletin", membership))
    member.post(url("bulletin", membership), {"consent1": "on", "consent2": "on"})
    member.post(url("sms", membership), {"phone": "06 12 34 56 78"})
    member.post(url("code", membership), {"code": last_sms_code()})
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.SIGNED
    statuses = sorted(SignatureEnvelope.objects.values_list("status", flat=True))
    assert EnvelopeStatus.RETURNED in statuses and EnvelopeStatus.SIGNED in statuses


@pytest.mark.django_db
def test_staff_cannot_close_an_enrollment_that_is_not_signed(
    membership: Membership, staff_user: User
) -> None:
    request = Request.objects.get(membership=membership)
    staff = CommitClient()
    staff.force_login(staff_user)
    staff.post(
        reverse("admin:tracking_request_changelist"),
        {"action": "close_enrollments", "_selected_action": [request.pk]},
    )
    request.refresh_from_db()
    assert request.state == State.WAITING


@pytest.mark.django_db
def test_the_employer_sees_the_progress_but_not_the_dependants_names(
    membership: Membership, client_a: Client, company_a: Company
) -> None:
    member = CommitClient()
    assert membership.employee.user is not None
    member.force_login(membership.employee.user)
    requests_url = reverse("tracking:requests", args=[company_a.pk])
    assert "Adhésion en ligne : pas encore commencée" in text(client_a.get(requests_url))
    fill_profile(member, membership)
    member.post(url("add_dependant", membership), CHILD)
    member.post(url("dependants", membership))
    page = text(client_a.get(requests_url))
    assert "Adhésion en ligne : 2/5 étapes — dernière terminée : « Mes bénéficiaires »" in page
    employee_page = text(
        client_a.get(reverse("employer:employee", args=[company_a.pk, membership.employee_id]))
    )
    assert "Léa" not in page and "Léa" not in employee_page
    assert "Enfant Produit(s) : NIS/CHN0010 GA : 02ENSP" in employee_page


def attestation_pdf() -> bytes:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=12)
    document.cell(text="Attestation de couverture collective obligatoire")
    return bytes(document.output())


@pytest.mark.django_db
def test_the_employee_asks_for_a_waiver_and_signs_it_with_the_sms_code(
    member: Client, membership: Membership, company_a: Company
) -> None:
    Company.objects.filter(pk=company_a.pk).update(waivers_enabled=True)
    assert "Demander une dispense d'adhésion" in text(member.get(reverse("journey:space")))
    page = text(member.get(url("waiver", membership)))
    assert "Je reconnais avoir été informé(e) par mon employeur des conséquences" in page
    missing = text(member.post(url("waiver", membership), {"case": "covered_elsewhere"}))
    assert "justificatif" in missing.lower()
    assert not Waiver.objects.exists()
    proof = SimpleUploadedFile("attestation.pdf", attestation_pdf(), "application/pdf")
    response = member.post(url("waiver", membership), {"case": "covered_elsewhere", "proof": proof})
    assert response["Location"] == url("waiver_sign", membership)
    assert member.get(url("waiver_pdf", membership)).getvalue().startswith(b"%PDF")
    refused = text(member.post(url("waiver_sign", membership)))
    assert "Veuillez cocher la case ci-dessus" in refused
    member.post(url("waiver_sign", membership), {"consequences": "on"})
    sent = member.post(url("waiver_sms", membership), {"phone": "06 12 34 56 78"})
    assert sent.status_code == 302, text(sent)[-3000:]
    response = member.post(url("waiver_code", membership), {"code": last_sms_code()})
    assert response["Location"] == url("waiver_done", membership)
    done = text(member.get(url("waiver_done", membership)))
    assert "Votre demande de dispense est enregistrée" in done
    assert "Nous vérifions votre demande de dispense" in done  # the insurer decides
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.WAIVER_REQUESTED
    waiver = Waiver.objects.get()
    assert waiver.status == WaiverStatus.SIGNED and waiver.signed_request_pdf
    assert Request.objects.get(membership=membership, reason=Reason.WAIVER).state == (
        State.IN_PROGRESS
    )
    affiliation = Request.objects.get(membership=membership, reason=Reason.AFFILIATION)
    assert affiliation.state == State.WAITING  # until the insurer decides
    # The enrollment steps are closed now.
    assert member.get(url("profile", membership))["Location"] == url("waiver_done", membership)


def stored_files(media_root: Path) -> list[str]:
    return sorted(str(p.relative_to(media_root)) for p in media_root.rglob("*") if p.is_file())


def made_so_far(media_root: Path) -> tuple[int, int, list[str]]:
    return (
        SignatureEnvelope.objects.count(),
        SignedDocument.objects.count(),
        stored_files(media_root),
    )


@pytest.mark.django_db
def test_showing_the_bulletin_makes_nothing_valider_makes_the_dossier(
    member: Client, membership: Membership, media_root: Path
) -> None:
    ready_to_sign(member, membership)
    assert member.get(url("bulletin", membership))["Location"] == url("summary", membership)
    assert made_so_far(media_root) == (0, 0, [])
    assert member.post(url("summary", membership))["Location"] == url("bulletin", membership)
    made = made_so_far(media_root)
    assert made[:2] == (1, 1) and len(made[2]) == 1
    for _ in range(2):  # a reload
        assert "Ce dossier contient 1 bulletin d'adhésion." in text(
            member.get(url("bulletin", membership))
        )
    assert made_so_far(media_root) == made
    shown = member.get(url("bulletin_pdf", membership)).getvalue()
    assert shown == SignedDocument.objects.get().unsigned_file.read()
    assert made_so_far(media_root) == made


@pytest.mark.django_db
def test_showing_the_waiver_to_sign_makes_nothing_the_request_makes_the_envelope(
    member: Client, membership: Membership, company_a: Company, media_root: Path
) -> None:
    Company.objects.filter(pk=company_a.pk).update(waivers_enabled=True)
    assert member.get(url("waiver_sign", membership))["Location"] == url("waiver", membership)
    proof = SimpleUploadedFile("attestation.pdf", attestation_pdf(), "application/pdf")
    response = member.post(url("waiver", membership), {"case": "covered_elsewhere", "proof": proof})
    assert response["Location"] == url("waiver_sign", membership)
    made = made_so_far(media_root)
    assert made[:2] == (1, 1) and len(made[2]) == 3  # the proof, the request, its envelope copy
    for _ in range(2):  # a reload
        page = text(member.get(url("waiver_sign", membership)))
        assert "Veuillez cocher" not in page and 'name="consequences"' in page
    assert made_so_far(media_root) == made
    assert SignatureEnvelope.objects.get().status == EnvelopeStatus.PREPARED


@pytest.mark.django_db
def test_a_waiver_signed_after_waivers_were_switched_off_says_why_and_signs_nothing(
    member: Client, membership: Membership, company_a: Company, media_root: Path
) -> None:
    Company.objects.filter(pk=company_a.pk).update(waivers_enabled=True)
    proof = SimpleUploadedFile("attestation.pdf", attestation_pdf(), "application/pdf")
    member.post(url("waiver", membership), {"case": "covered_elsewhere", "proof": proof})
    member.post(url("waiver_sign", membership), {"consequences": "on"})
    member.post(url("waiver_sms", membership), {"phone": "06 12 34 56 78"})
    made = made_so_far(media_root)
    Company.objects.filter(pk=company_a.pk).update(waivers_enabled=False)
    response = member.post(url("waiver_code", membership), {"code": last_sms_code()})
    assert response.status_code == 200
    assert (
        "Votre employeur ne propose pas la demande de dispense en ligne : adressez-vous à votre "
        "service des ressources humaines." in text(response)
    )
    assert made_so_far(media_root) == made
    envelope = SignatureEnvelope.objects.get()
    assert (envelope.status, envelope.signed_at) == (EnvelopeStatus.CODE_SENT, None)
    waiver = Waiver.objects.get()
    assert (waiver.status, waiver.signed_request_pdf.name) == (WaiverStatus.REQUESTED, "")
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PRE_ENROLLED
    assert list(Request.objects.values_list("reason", "state")) == [
        (Reason.AFFILIATION, State.WAITING)
    ]


@pytest.mark.django_db
def test_the_waiver_page_does_not_exist_where_waivers_are_disabled(
    member: Client, membership: Membership
) -> None:
    assert member.get(url("waiver", membership)).status_code == 404


@pytest.mark.django_db
def test_five_wrong_codes_lock_the_code_until_a_new_one_is_sent(
    member: Client, membership: Membership
) -> None:
    ready_to_sign(member, membership)
    member.post(url("summary", membership))
    member.get(url("bulletin", membership))
    member.post(url("bulletin", membership), {"consent1": "on", "consent2": "on"})
    member.post(url("sms", membership), {"phone": "06 12 34 56 78"})
    good = last_sms_code()
    wrong = "111111" if good != "111111" else "222222"
    pages = [text(member.post(url("code", membership), {"code": wrong})) for _ in range(5)]
    assert "il vous reste 4 essai" in pages[0]
    locked = text(member.post(url("code", membership), {"code": good}))
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PRE_ENROLLED
    assert "Vous avez saisi 5 codes incorrects : ce code n'est plus valable." in locked
    member.post(url("code", membership), {"resend": "1"})
    member.post(url("code", membership), {"code": last_sms_code()})
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.SIGNED


@pytest.mark.django_db
def test_after_the_60_days_the_steps_say_what_to_do_and_save_nothing(
    member: Client, membership: Membership
) -> None:
    Invitation.objects.filter(membership=membership).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    page = member.get(url("profile", membership))
    assert page.status_code == 410
    assert "Le délai de 60 jours pour finaliser votre adhésion en ligne est dépassé." in text(page)
    assert fill_profile(member, membership).status_code == 410
    membership.refresh_from_db()
    assert membership.journey_step == ""


@pytest.mark.django_db
def test_a_dependant_can_have_their_own_benefits_account(
    member: Client, membership: Membership
) -> None:
    fill_profile(member, membership)
    member.post(url("add_dependant", membership), CHILD)
    member.post(url("dependants", membership))
    member.post(url("coverage", membership), {"option": "base"})
    child = Dependant.objects.get()
    response = member.post(
        url("bank", membership),
        {
            "debit_holder": "Cédric Simon",
            "debit_iban": "FR76 3000 6000 0112 3456 7890 189",
            "frequency": "annual",
            "debit_day": "20",
            "same_for_benefits": "on",
            f"dependant_{child.pk}_own": "on",
            f"dependant_{child.pk}_holder": "Léa Simon",
            f"dependant_{child.pk}_iban": "FR76 3000 6000 0112 3456 7890 189",
        },
    )
    assert response["Location"] == url("signature", membership)
    accounts = {(a.purpose, a.dependant_id, a.holder) for a in BankAccount.objects.all()}
    assert accounts == {
        (AccountPurpose.DEBIT, None, "Cédric Simon"),
        (AccountPurpose.BENEFITS, child.pk, "Léa Simon"),
    }
    summary = text(member.get(url("summary", membership)))
    assert (
        "<h3>Coordonnées bancaires de Léa SIMON</h3>\n  <p>Titulaire du compte : Léa Simon<br>"
        "IBAN : FR76 •••• •••• •••• •••• •••• 189<br>BIC : "
    ) in summary


# --- issue 11: "Mon espace", the signed journey, the BIC, the summary and the documents --------

SIGNED_NOTICE = "Votre adhésion est signée : elle n'est plus modifiable en ligne."


def space_card(client: Client) -> str:
    page = text(client.get(reverse("journey:space")))
    return page[page.index('<section class="card"') : page.index("</section>")]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "end_date", "shown_status", "sentence"),
    [
        (
            MembershipStatus.PRE_ENROLLED,
            None,
            "Adhésion à finaliser",
            "Finalisez votre adhésion : vos garanties prendront effet le",
        ),
        (
            MembershipStatus.SIGNED,
            None,
            "Adhésion en cours de vérification",
            "nos services vérifient vos informations",
        ),
        (MembershipStatus.ACTIVE, None, "Adhésion active", "Adhésion active depuis le 01/01/2025"),
        (
            MembershipStatus.TERMINATED,
            date(2026, 1, 31),
            "Radié(e) le 31/01/2026",
            "Votre adhésion a pris fin le 31/01/2026.",
        ),
        (
            MembershipStatus.WAIVED,
            None,
            "Dispensé(e) d'adhésion",
            "vous ne bénéficiez pas de ses garanties.",
        ),
    ],
)
def test_the_space_words_each_status_and_says_covered_only_when_in_force(
    member: Client,
    membership: Membership,
    status: str,
    end_date: date | None,
    shown_status: str,
    sentence: str,
) -> None:
    Membership.objects.filter(pk=membership.pk).update(
        status=status, end_date=end_date, effective_date=date(2025, 1, 1)
    )
    card = space_card(member)
    assert f'<p class="status-line"><strong>{shown_status}</strong></p>' in card
    assert sentence in card
    assert ("vous êtes couvert(e)." in card) == (status == MembershipStatus.ACTIVE)


@pytest.mark.django_db
def test_a_waived_employee_is_not_told_they_are_covered(
    member: Client, membership: Membership
) -> None:
    Membership.objects.filter(pk=membership.pk).update(status=MembershipStatus.WAIVED)
    card = space_card(member)
    assert "couvert(e)" not in card
    assert "Date d'effet" not in card
    assert "Vous êtes dispensé(e) d'adhésion à ce contrat" in card


@pytest.mark.django_db
def test_a_signed_journey_shows_its_steps_without_links_and_the_notice_once(
    member: Client, membership: Membership
) -> None:
    sign(member, membership)
    done = text(member.get(url("done", membership)))
    steps = done[done.index('<ol class="journey__steps">') : done.index("</ol>")]
    assert "<a " not in steps
    assert steps.count("(terminée)") == 5
    # An old link to a step: back to the done page, the notice said once.
    response = member.get(url("bank", membership), follow=True)
    assert response.redirect_chain == [(url("done", membership), 302)]
    assert text(response).count(SIGNED_NOTICE) == 1


def bank_form(**changes: str) -> dict[str, str]:
    return {
        "debit_holder": "Cédric Simon",
        "debit_iban": "FR76 3000 6000 0112 3456 7890 189",
        "frequency": "monthly",
        "debit_day": "10",
        "same_for_benefits": "on",
        **changes,
    }


def at_bank_step(client: Client, membership: Membership) -> None:
    fill_profile(client, membership)
    client.post(url("dependants", membership))
    option = membership.insured_group.option_products.get()
    client.post(url("coverage", membership), {"option": str(option.pk)})


UNKNOWN_BANK_IBAN = "FR76 9999 9000 1001 2345 6789 071"  # valid, its bank not in the registry


@pytest.mark.django_db
def test_a_mistyped_iban_shows_the_iban_error_alone_and_the_bic_is_not_asked(
    member: Client, membership: Membership
) -> None:
    at_bank_step(member, membership)
    page = text(member.get(url("bank", membership)))
    assert 'name="debit_bic"' not in page
    assert "Laissez vide" not in page
    bad = text(member.post(url("bank", membership), bank_form(debit_iban="FR76 3000 6000 0112")))
    assert "L'IBAN est invalide" in bad
    assert "BIC" not in bad[bad.index('class="form"') :].replace("<strong>BIC</strong>", "")
    assert 'name="debit_bic"' not in bad
    assert not DebitMandate.objects.exists()


@pytest.mark.django_db
def test_the_bic_is_proposed_from_the_iban_and_asked_only_when_it_cannot_be(
    member: Client, membership: Membership
) -> None:
    at_bank_step(member, membership)
    asked = text(member.post(url("bank", membership), bank_form(debit_iban=UNKNOWN_BANK_IBAN)))
    assert "Nous ne retrouvons pas le BIC de la banque de cet IBAN : saisissez-le." in asked
    assert 'name="debit_bic"' in asked
    assert '<label for="id_debit_bic">BIC <span aria-hidden="true">*</span></label>' in asked
    response = member.post(
        url("bank", membership), bank_form(debit_iban=UNKNOWN_BANK_IBAN, debit_bic="AGRIFRPP")
    )
    assert response["Location"] == url("signature", membership)
    assert BankAccount.objects.get().bic == "AGRIFRPP"
    # A known bank: the BIC is found and shown, not asked.
    member.post(url("bank", membership), bank_form(debit_bic=""))
    proposed = BankAccount.objects.get().bic
    assert proposed
    page = text(member.get(url("bank", membership)))
    assert 'name="debit_bic"' not in page
    assert f'<p>{proposed}</p><p class="field__help">Retrouvé à partir de l\'IBAN.</p>' in page


@pytest.mark.django_db
def test_the_summary_shows_the_masked_iban_the_bic_and_the_beneficiaries_nirs(
    member: Client, membership: Membership
) -> None:
    ready_to_sign(member, membership)  # a child attached to the member's NIR, quarterly debits
    summary = text(member.get(url("summary", membership)))
    bic = BankAccount.objects.get().bic
    assert (
        "<h3>Cotisation</h3>\n  <p>Titulaire du compte : Cédric Simon<br>"
        f"IBAN : FR76 •••• •••• •••• •••• •••• 189<br>BIC : {bic}<br>"
        "Fréquence de prélèvement : Trimestrielle<br>Date de prélèvement : 15</p>"
    ) in summary
    assert "3000 6000 0112" not in summary
    assert "RIB identique pour le remboursement de mes prestations" in summary
    nir = PROFILE["nir"]
    spaced = " ".join((nir[0], nir[1:3], nir[3:5], nir[5:7], nir[7:10], nir[10:13], nir[13:]))
    assert f"Numéro de sécurité sociale : {spaced}<br>" in summary  # the member's
    assert f"Rattachée au numéro de sécurité sociale : {spaced}<br>" in summary  # Léa's
    assert "20,00 € par mois, prélevée chaque trimestre (60,00 € par prélèvement)" in summary


@pytest.mark.django_db
def test_the_bulletin_names_the_option_once_and_states_the_chosen_debit_frequency(
    member: Client, membership: Membership
) -> None:
    at_bank_step(member, membership)
    member.post(url("bank", membership), bank_form(frequency="quarterly"))
    member.post(url("summary", membership))
    words = squeezed(pdf_text(member.get(url("bulletin_pdf", membership)).getvalue()))
    assert squeezed("Socle + Renfort — identiques") in words
    assert "optionRenfort" not in words
    assert squeezed("12,50 € par mois, prélevée chaque trimestre sur son compte") in words
    assert squeezed("soit 37,50 € par prélèvement") in words
    assert "chaquemois" not in words
    assert squeezed("fréquence : trimestrielle") in words


@pytest.mark.django_db
def test_the_waiver_request_speaks_in_the_employees_voice(
    member: Client, membership: Membership, company_a: Company
) -> None:
    Company.objects.filter(pk=company_a.pk).update(waivers_enabled=True)
    proof = SimpleUploadedFile("attestation.pdf", attestation_pdf(), "application/pdf")
    member.post(url("waiver", membership), {"case": "covered_elsewhere", "proof": proof})
    words = pdf_text(member.get(url("waiver_pdf", membership)).getvalue())
    flat = squeezed(words)
    assert squeezed("Je bénéficie déjà d'une couverture santé collective") in flat
    assert squeezed("Je joins le justificatif de ma situation : attestation.pdf") in flat
    assert re.search(r"\b[Vv](ous|otre|os)\b", words) is None, words


@pytest.mark.django_db
def test_a_wrong_city_in_the_profile_is_corrected_to_the_postal_codes_only_commune(
    member: Client, membership: Membership
) -> None:
    data = {**PROFILE, "postal_code": "92000", "city": "Lyon"}
    page = text(member.post(url("profile", membership), data))
    assert (
        "Ville corrigée : « Lyon » ne correspond pas au code postal 92000, sa seule commune "
        "« NANTERRE » a été retenue." in page
    )
    assert "Souhaitez-vous continuer ?" in page
    fill_profile(member, membership, postal_code="92000", city="Lyon")
    employee = membership.employee
    employee.refresh_from_db()
    assert (employee.postal_code, employee.city, employee.insee_code) == (
        "92000",
        "NANTERRE",
        "92050",
    )


@pytest.mark.django_db
def test_a_wrong_city_of_a_several_communes_postal_code_blocks_the_profile(
    member: Client, membership: Membership
) -> None:
    page = text(fill_profile(member, membership, postal_code="49000", city="Lyon"))
    assert (
        "La ville ne correspond pas au code postal 49000. Communes possibles : ANGERS, ECOUFLANT."
        in page
    )
    membership.refresh_from_db()
    assert membership.journey_step == ""
