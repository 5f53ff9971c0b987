""" "Mes coordonnées bancaires" through HTTP: who may open it, the IBAN changed with a new
mandate signed by SMS code (old one revoked, evidence kept, first debit FRST), benefits."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from conftest import declare, text
from portal.accounts.models import User
from portal.billing.models import DebitRun
from portal.billing.services import due_debits
from portal.companies.models import Beneficiary, Company, ProductRate, Scheme
from portal.enrollment.models import BankAccount, DebitMandate, Membership
from portal.enrollment.tests.test_mandates import NEW_IBAN, OLD_IBAN, make_active_member
from portal.journey.tests.test_journey import last_sms_code
from portal.signatures.models import EnvelopeStatus, EvidenceKind, Purpose, SignatureEnvelope
from portal.signatures.services import evidence_file, verify_evidence_seal

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def member(company_a: Company) -> Membership:
    return make_active_member(company_a)


@pytest.fixture
def logged_in(client: Client, member: Membership) -> Client:
    user = member.employee.user
    assert user is not None
    client.force_login(user)
    return client


def pages(membership: Membership) -> list[str]:
    """Every page of the capability that names a membership."""
    child = membership.dependants.get()
    names = [
        "space_bank_debit",
        "space_bank_mandate",
        "space_bank_mandate_pdf",
        "space_bank_sms",
        "space_bank_code",
        "space_bank_done",
        "space_bank_benefits",
    ]
    urls = [reverse(f"journey:{name}", args=[membership.pk]) for name in names]
    return [
        *urls,
        reverse("journey:space_bank_dependant_benefits", args=[membership.pk, child.pk]),
    ]


@pytest.mark.django_db
def test_a_logged_out_visitor_is_sent_to_the_login_page(client: Client, member: Membership) -> None:
    for url in [reverse("journey:space_bank"), *pages(member)]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "?next=" in response["Location"], url


@pytest.mark.django_db
def test_another_member_gets_a_404_on_every_page_of_a_membership(
    client: Client, member: Membership, company_a: Company
) -> None:
    other = make_active_member(company_a, email="autre@example.org", order="124")
    assert other.employee.user is not None
    client.force_login(other.employee.user)
    for url in pages(member):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"debit_iban": NEW_IBAN}).status_code in {404, 405}, url
    overview = text(client.get(reverse("journey:space_bank")))
    assert other.member_number in overview and member.member_number not in overview


@pytest.mark.django_db
def test_hr_is_refused_every_page(
    client: Client, member: Membership, correspondent_a: User
) -> None:
    client.force_login(correspondent_a)
    for url in [reverse("journey:space_bank"), *pages(member)]:
        assert client.get(url).status_code == 403, url


@pytest.mark.django_db
def test_staff_outside_a_remote_assistance_never_see_a_page(
    client: Client, member: Membership, staff_user: User
) -> None:
    client.force_login(staff_user)
    assert client.get(reverse("journey:space_bank")).status_code == 403
    for url in pages(member):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("backoffice:assistance"), url


@pytest.mark.django_db
def test_the_overview_shows_the_masked_iban_the_rum_and_the_benefits_per_beneficiary(
    logged_in: Client, member: Membership
) -> None:
    page = text(logged_in.get(reverse("journey:space_bank")))

    assert "FR76 •••• •••• •••• •••• •••• 189" in page
    assert OLD_IBAN not in page and "FR76 3000" not in page
    assert f"ADH-{member.member_number}-001" in page and "01/12/2026" in page
    assert "Léa SIMON" in page and "le compte de Cédric SIMON" in page
    assert reverse("journey:space_bank_debit", args=[member.pk]) in page


@pytest.mark.django_db
def test_a_get_writes_nothing(logged_in: Client, member: Membership) -> None:
    for url in [reverse("journey:space_bank"), *pages(member)]:
        logged_in.get(url)

    assert not SignatureEnvelope.objects.exists()
    assert not member.mandate_changes.exists()
    assert DebitMandate.objects.get().revoked_at is None


@pytest.mark.django_db
def test_the_member_changes_the_iban_with_an_sms_code_and_the_old_mandate_is_revoked(
    logged_in: Client, member: Membership
) -> None:
    old = member.live_mandate()
    assert old is not None
    debit = reverse("journey:space_bank_debit", args=[member.pk])
    refused = text(logged_in.post(debit, {"debit_holder": "Cédric Simon", "debit_iban": "FR76"}))
    assert "L'IBAN est invalide" in refused and not SignatureEnvelope.objects.exists()

    response = logged_in.post(
        debit, {"debit_holder": "Cédric Simon", "debit_iban": "FR14 2004 1010 0505 0001 3M02 606"}
    )
    mandate_page = reverse("journey:space_bank_mandate", args=[member.pk])
    assert response["Location"] == mandate_page
    page = text(logged_in.get(mandate_page))
    new_reference = f"ADH-{member.member_number}-002"
    assert new_reference in page and old.reference in page and "FR14 ••••" in page
    pdf = logged_in.get(reverse("journey:space_bank_mandate_pdf", args=[member.pk]))
    assert pdf["Content-Disposition"].endswith('"mandat-sepa.pdf"')
    assert "Veuillez cocher" in text(logged_in.post(mandate_page, {}))
    sms = reverse("journey:space_bank_sms", args=[member.pk])
    assert logged_in.post(mandate_page, {"consent": "on"})["Location"] == sms
    code = reverse("journey:space_bank_code", args=[member.pk])
    assert logged_in.post(sms, {"phone": "06 12 34 56 78"})["Location"] == code
    assert DebitMandate.objects.get(pk=old.pk).revoked_at is None  # nothing before the code
    assert "Code incorrect" in text(logged_in.post(code, {"code": "000000"}))

    response = logged_in.post(code, {"code": last_sms_code()})

    done = reverse("journey:space_bank_done", args=[member.pk])
    assert response["Location"] == done
    assert "Votre nouveau mandat est signé !" in text(logged_in.get(done))
    old.refresh_from_db()
    new = member.live_mandate()
    assert old.revoked_at is not None
    assert new is not None and new.reference == new_reference and new.account.iban == NEW_IBAN
    envelope = SignatureEnvelope.objects.get(purpose=Purpose.MANDATE)
    assert envelope.status == EnvelopeStatus.SIGNED and new.signed_at == envelope.signed_at
    kinds = list(envelope.evidence_events.order_by("at", "pk").values_list("kind", flat=True))
    assert kinds == [
        EvidenceKind.DOCUMENTS_PREPARED,
        EvidenceKind.CONSENT_TICKED,
        EvidenceKind.CODE_SENT,
        EvidenceKind.CODE_FAILED,
        EvidenceKind.CODE_VERIFIED,
        EvidenceKind.SIGNED,
    ]
    evidence = evidence_file(envelope)
    assert verify_evidence_seal(evidence)
    record = json.loads(evidence)["record"]
    assert record["envelope"]["purpose"] == "mandate"
    assert record["documents"][0]["kind"] == "debit_mandate"
    assert record["documents"][0]["signed_sha256"]
    signed = logged_in.get(reverse("journey:space_bank_mandate_pdf", args=[member.pk]))
    assert signed["Content-Disposition"].endswith('"mandat-sepa-signe.pdf"')
    # A second "Signer" (double click) signs nothing more.
    again = logged_in.post(code, {"code": last_sms_code()})
    assert again["Location"] == reverse("journey:space_bank_sms", args=[member.pk])
    assert DebitMandate.objects.count() == 2


@pytest.mark.django_db
def test_the_new_mandates_first_debit_is_a_frst_on_the_new_account(
    logged_in: Client, member: Membership
) -> None:
    debit = reverse("journey:space_bank_debit", args=[member.pk])
    logged_in.post(debit, {"debit_holder": "Cédric Simon", "debit_iban": NEW_IBAN})
    logged_in.post(reverse("journey:space_bank_mandate", args=[member.pk]), {"consent": "on"})
    logged_in.post(reverse("journey:space_bank_sms", args=[member.pk]), {"phone": "0612345678"})
    logged_in.post(reverse("journey:space_bank_code", args=[member.pk]), {"code": last_sms_code()})
    new = member.live_mandate()
    assert new is not None and new.signed_at is not None
    for beneficiary in Beneficiary.values:
        for scheme in Scheme.values:
            ProductRate.objects.create(
                product=member.insured_group.base_product,
                beneficiary=beneficiary,
                scheme=scheme,
                monthly_amount=Decimal("20.00"),
            )
    DebitMandate.objects.filter(pk=new.pk).update(signed_at=datetime(2026, 12, 3, tzinfo=PARIS))

    run = DebitRun.objects.create(due_date=date(2027, 1, 15))
    (due,) = due_debits(date(2027, 1, 15), run)

    assert (due.mandate, due.sequence) == (new, "FRST")
    assert due.mandate.account.iban == NEW_IBAN
    # Nothing debited yet: from the month of the signature to the end of the quarter.
    assert (due.period.start, due.period.end) == (date(2026, 12, 1), date(2027, 3, 31))
    assert due.amount_cents == 4 * 2000  # the child's base


@pytest.mark.django_db
def test_the_member_gives_a_dependant_their_own_benefits_account(
    logged_in: Client, member: Membership
) -> None:
    child = member.dependants.get()
    url = reverse("journey:space_bank_dependant_benefits", args=[member.pk, child.pk])
    refused = text(logged_in.post(url, {"benefits_holder": "", "benefits_iban": NEW_IBAN}))
    assert "Le champ « Titulaire du compte » est obligatoire." in refused

    response = logged_in.post(url, {"benefits_holder": "Léa Simon", "benefits_iban": NEW_IBAN})

    assert response["Location"] == reverse("journey:space_bank")
    account = BankAccount.objects.get(dependant=child)
    assert (account.purpose, account.iban, account.holder) == ("benefits", NEW_IBAN, "Léa Simon")
    assert "Léa Simon, FR14 ••••" in text(logged_in.get(reverse("journey:space_bank")))


@pytest.mark.django_db
def test_a_member_without_a_signed_enrollment_is_sent_back_to_the_overview(
    client: Client, company_a: Company
) -> None:
    membership: Membership = declare(company_a).membership
    assert membership.employee.user is not None
    client.force_login(membership.employee.user)

    response = client.get(reverse("journey:space_bank_benefits", args=[membership.pk]))

    assert response["Location"] == reverse("journey:space_bank")
    assert not BankAccount.objects.filter(membership=membership).exists()
