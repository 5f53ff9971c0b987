"""A new debit account makes a new SEPA mandate (the old one revoked); benefits accounts."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import TestCase

from conftest import declare, make_nir
from portal.companies.models import Company
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError
from portal.core.models import AuditEvent
from portal.enrollment import mandates
from portal.enrollment.bank_details import AccountInput
from portal.enrollment.errors import EnrollmentError
from portal.enrollment.models import (
    AccountPurpose,
    BankAccount,
    DebitMandate,
    Dependant,
    MandateChange,
    MandateChangeStatus,
    Membership,
    MembershipStatus,
)
from portal.enrollment.services import move_membership

PARIS = ZoneInfo("Europe/Paris")
OLD_IBAN = "FR7630006000011234567890189"
NEW_IBAN = "FR1420041010050500013M02606"  # La Banque Postale, BIC found from the IBAN
SIGNED_AT = datetime(2026, 12, 1, 10, 0, tzinfo=PARIS)
NEW_ACCOUNT = AccountInput(holder="Cédric Simon", iban="FR14 2004 1010 0505 0001 3M02 606", bic="")


def make_active_member(
    company: Company, *, email: str = "cedric.simon@example.org", order: str = "123"
) -> Membership:
    """An active member with a signed mandate on OLD_IBAN and a child."""
    declared = declare(company, email=email, nir=make_nir(order=order), employee_number=order)
    membership: Membership = declared.membership
    account = BankAccount.objects.create(
        membership=membership,
        purpose=AccountPurpose.DEBIT,
        holder="CEDRIC SIMON",
        iban=OLD_IBAN,
        bic="AGRIFRPPXXX",
    )
    DebitMandate.objects.create(
        membership=membership,
        account=account,
        reference=f"ADH-{membership.member_number}-001",
        creditor_identifier="FR69ZZZ651190",
        frequency="quarterly",
        debit_day=15,
        signed_at=SIGNED_AT,
    )
    Dependant.objects.create(
        membership=membership,
        kind="child",
        civility="MME",
        last_name="SIMON",
        first_name="Léa",
        birth_date=date(2015, 6, 1),
    )
    with transaction.atomic():
        move_membership(membership.pk, MembershipStatus.SIGNED, by=None, signed_at=SIGNED_AT)
        move_membership(membership.pk, MembershipStatus.ACTIVE, by=None)
    membership.refresh_from_db()
    return membership


@pytest.fixture
def member(company_a: Company) -> Membership:
    return make_active_member(company_a)


def apply(membership: Membership) -> DebitMandate:
    """The signing effect, as `verify_code` runs it (in the signature's transaction)."""
    with TestCase.captureOnCommitCallbacks(execute=True), transaction.atomic():
        return mandates.apply_mandate_change(
            membership_id=membership.pk, signed_at=SIGNED_AT.replace(month=12, day=3), by=None
        )


@pytest.mark.django_db
def test_a_new_iban_waits_for_its_signature_with_a_new_rum_and_changes_nothing(
    member: Membership,
) -> None:
    user = member.employee.user
    change = mandates.start_mandate_change(membership=member, account=NEW_ACCOUNT, by=user)

    assert change.status == MandateChangeStatus.PENDING
    assert change.reference == f"ADH-{member.member_number}-002"
    assert (change.iban, change.bic, change.holder) == (NEW_IBAN, "PSSTFRPP", "Cédric Simon")
    live = member.live_mandate()
    assert live is not None and live.account.iban == OLD_IBAN and live.revoked_at is None
    assert DebitMandate.objects.count() == 1
    event = AuditEvent.objects.get(action=AuditAction.MANDATE_CHANGE_STARTED)
    assert event.details["replaces"] == live.reference
    assert NEW_IBAN not in str(event.details)


@pytest.mark.django_db
def test_a_wrong_iban_is_refused_with_the_journeys_message_and_nothing_saved(
    member: Membership,
) -> None:
    wrong = AccountInput(holder="Cédric Simon", iban="FR7630006000011234567890188", bic="")

    with pytest.raises(BusinessError) as refused:
        mandates.start_mandate_change(membership=member, account=wrong, by=None)

    assert refused.value.code == "iban_checksum"
    assert refused.value.field == "debit_iban"
    assert refused.value.message == EnrollmentError.IBAN_CHECKSUM.message
    assert not MandateChange.objects.exists()


@pytest.mark.django_db
def test_the_account_already_debited_is_not_a_change(member: Membership) -> None:
    same = AccountInput(holder="Cédric Simon", iban=OLD_IBAN, bic="")

    with pytest.raises(BusinessError) as refused:
        mandates.start_mandate_change(membership=member, account=same, by=None)

    assert refused.value.code == "same_debit_account"
    assert not MandateChange.objects.exists()


@pytest.mark.django_db
def test_a_pre_enrolled_member_changes_the_bank_details_in_the_journey_instead(
    company_a: Company,
) -> None:
    membership: Membership = declare(company_a).membership

    with pytest.raises(BusinessError) as refused:
        mandates.start_mandate_change(membership=membership, account=NEW_ACCOUNT, by=None)

    assert refused.value.code == "mandate_change_not_open"


@pytest.mark.django_db
def test_a_second_proposal_abandons_the_first_and_never_reuses_its_rum(
    member: Membership,
) -> None:
    first = mandates.start_mandate_change(membership=member, account=NEW_ACCOUNT, by=None)
    second = mandates.start_mandate_change(membership=member, account=NEW_ACCOUNT, by=None)

    first.refresh_from_db()
    assert first.status == MandateChangeStatus.ABANDONED and first.decided_at is not None
    assert second.reference == f"ADH-{member.member_number}-003"
    assert mandates.pending_change(member) == second


@pytest.mark.django_db
def test_signing_puts_the_new_mandate_in_force_and_revokes_the_old_one(
    member: Membership,
) -> None:
    old = member.live_mandate()
    assert old is not None
    change = mandates.start_mandate_change(membership=member, account=NEW_ACCOUNT, by=None)

    new = apply(member)

    old.refresh_from_db()
    change.refresh_from_db()
    assert old.revoked_at is not None
    assert member.live_mandate() == new
    assert (new.reference, new.frequency, new.debit_day) == (change.reference, "quarterly", 15)
    assert new.signed_at == SIGNED_AT.replace(month=12, day=3)
    assert (new.account.iban, new.account.replaced_at) == (NEW_IBAN, None)
    assert old.account.iban == OLD_IBAN
    old.account.refresh_from_db()
    assert old.account.replaced_at is not None
    assert (change.status, change.mandate) == (MandateChangeStatus.SIGNED, new)
    actions = list(
        AuditEvent.objects.filter(
            action__in=[AuditAction.MANDATE_REVOKED, AuditAction.MANDATE_CHANGED]
        )
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [AuditAction.MANDATE_REVOKED, AuditAction.MANDATE_CHANGED]
    subject = "Votre nouveau mandat de prélèvement SEPA est signé"
    (message,) = [m for m in mail.outbox if m.subject == subject]
    assert message.to == ["cedric.simon@example.org"]
    assert new.reference in message.body and "FR14 •••• " in message.body
    assert old.reference in message.body and NEW_IBAN not in message.body


@pytest.mark.django_db
def test_signing_without_a_pending_change_is_refused(member: Membership) -> None:
    with pytest.raises(BusinessError) as refused:
        apply(member)

    assert refused.value.code == "no_pending_mandate_change"
    assert DebitMandate.objects.get().revoked_at is None


@pytest.mark.django_db
def test_the_database_keeps_one_live_mandate_per_membership(member: Membership) -> None:
    old = member.live_mandate()
    assert old is not None

    with pytest.raises(IntegrityError), transaction.atomic():
        DebitMandate.objects.create(
            membership=member,
            account=old.account,
            reference="ADH-SECOND-LIVE",
            creditor_identifier="FR69ZZZ651190",
            frequency="monthly",
            debit_day=5,
        )


@pytest.mark.django_db
def test_a_revoked_mandate_cannot_be_revoked_twice(member: Membership) -> None:
    old = member.live_mandate()
    assert old is not None
    with transaction.atomic():
        mandates.record_revocation(mandate_id=old.pk, by=None, now=SIGNED_AT)

    with pytest.raises(BusinessError) as refused, transaction.atomic():
        mandates.record_revocation(mandate_id=old.pk, by=None, now=SIGNED_AT)

    assert refused.value.code == "mandate_already_revoked"
    assert member.live_mandate() is None


@pytest.mark.django_db
def test_a_dependant_gets_their_own_benefits_account_without_a_signature(
    member: Membership,
) -> None:
    child = member.dependants.get()

    stored = mandates.change_benefits_account(
        membership=member, dependant=child, account=NEW_ACCOUNT, by=member.employee.user
    )

    assert (stored.purpose, stored.dependant, stored.iban) == ("benefits", child, NEW_IBAN)
    assert stored.bic == "PSSTFRPP"
    event = AuditEvent.objects.get(action=AuditAction.BENEFITS_ACCOUNT_CHANGED)
    assert event.details["dependant"] == child.pk
    assert DebitMandate.objects.get().account.iban == OLD_IBAN  # the debits unchanged


@pytest.mark.django_db
def test_the_members_benefits_account_is_replaced_in_place(member: Membership) -> None:
    mandates.change_benefits_account(
        membership=member, dependant=None, account=NEW_ACCOUNT, by=None
    )
    other = AccountInput(holder="Cédric Simon", iban=OLD_IBAN, bic="")
    mandates.change_benefits_account(membership=member, dependant=None, account=other, by=None)

    (benefits,) = BankAccount.objects.filter(purpose="benefits")
    assert (benefits.dependant, benefits.iban) == (None, OLD_IBAN)


@pytest.mark.django_db
def test_a_wrong_benefits_account_or_another_members_dependant_is_refused(
    member: Membership, company_a: Company
) -> None:
    other = make_active_member(company_a, email="autre@example.org", order="124")
    wrong = AccountInput(holder="<b>Simon</b>", iban=NEW_IBAN, bic="")

    with pytest.raises(BusinessError) as refused:
        mandates.change_benefits_account(membership=member, dependant=None, account=wrong, by=None)
    with pytest.raises(BusinessError) as unknown:
        mandates.change_benefits_account(
            membership=member, dependant=other.dependants.get(), account=NEW_ACCOUNT, by=None
        )

    assert (refused.value.code, refused.value.field) == ("holder_invalid", "benefits_holder")
    assert unknown.value.code == "dependant_unknown"
    assert not BankAccount.objects.filter(purpose="benefits").exists()
