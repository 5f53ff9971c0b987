""" "Mes coordonnées bancaires" in the member's space, once the enrollment is signed: a new
debit account makes a new SEPA mandate, signed with an SMS code like the enrollment, and the
old one is revoked; the benefits accounts change without a signature (rules.md §6).

The signature itself belongs to `signatures`, above this app: it registers the content and
the documents below (`mandate_change_content`, `mandate_change_documents`) and calls
`apply_mandate_change` as the effect of signing, in the signature's transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.accounts.models import User
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError
from portal.core.transactions import within_business_event
from portal.documents.rendering import render_pdf
from portal.enrollment import banking
from portal.enrollment.bank_details import AccountInput, check_account, store_account
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
from portal.notifications.services import send_email

# Signed and not ended: before the signature the journey's own step changes the bank details.
OPEN_STATUSES = (MembershipStatus.SIGNED, MembershipStatus.ACTIVE)
MANDATE_DOCUMENT_KIND = "debit_mandate"
# The box ticked before the code is sent: the SEPA authorisation (R6.1), kept as evidence.
MANDATE_CONSENT = (
    "J'ai lu le mandat de prélèvement SEPA ci-dessus et j'autorise {creditor} à prélever mes "
    "cotisations sur ce nouveau compte ; l'ancien mandat sera révoqué à la signature."
)
MANDATE_CONSENT_VERSION = "2026-12"


def is_open_for_changes(membership: Membership) -> bool:
    """Whether the member changes their bank details here (signed, or in force)."""
    return membership.status in OPEN_STATUSES


def mandate_consent() -> str:
    return MANDATE_CONSENT.format(creditor=settings.PORTAL_BRAND["insurer_name"])


def _lock(membership_id: int) -> Membership:
    """The membership locked for a change of its bank details; refused unless open."""
    locked = Membership.objects.select_for_update(of=("self",)).select_related(
        "contract", "employee"
    )
    found = locked.get(pk=membership_id)
    if not is_open_for_changes(found):
        raise BusinessError(EnrollmentError.MANDATE_CHANGE_NOT_OPEN)
    return found


def _next_reference(membership: Membership) -> str:
    """A RUM never used (R6.2): the membership's mandates and proposals counted, plus one."""
    sequence = membership.mandates.count() + membership.mandate_changes.count() + 1
    while True:
        reference = banking.new_mandate_reference(
            prefix=settings.SEPA_MANDATE_PREFIX,
            member_number=membership.member_number,
            sequence=sequence,
        )
        taken = (
            DebitMandate.objects.filter(reference=reference).exists()
            or MandateChange.objects.filter(reference=reference).exists()
        )
        if not taken:
            return reference
        sequence += 1


def pending_change(membership: Membership) -> MandateChange | None:
    """The new account waiting for its signature, with the mandate it replaces."""
    return (
        MandateChange.objects.filter(membership=membership, status=MandateChangeStatus.PENDING)
        .select_related("replaces")
        .first()
    )


@transaction.atomic(durable=True)
def start_mandate_change(
    *, membership: Membership, account: AccountInput, by: User | None
) -> MandateChange:
    """ "Modifier" the debit account: the new account, checked as in the journey, waits with
    its new mandate (its RUM reserved) for the SMS signature; nothing is in force before.
    A proposal still waiting is abandoned (one at a time)."""
    locked = _lock(membership.pk)
    live = locked.live_mandate()
    if live is None or live.signed_at is None:
        raise BusinessError(EnrollmentError.NO_LIVE_MANDATE)
    iban, problems = check_account("debit", account)
    if problems:
        raise BusinessError.of(problems)
    assert iban is not None
    if iban == live.account.iban:
        raise BusinessError(EnrollmentError.SAME_DEBIT_ACCOUNT, field="debit_iban")
    now = timezone.now()
    abandoned = list(
        MandateChange.objects.filter(
            membership=locked, status=MandateChangeStatus.PENDING
        ).values_list("reference", flat=True)
    )
    MandateChange.objects.filter(membership=locked, status=MandateChangeStatus.PENDING).update(
        status=MandateChangeStatus.ABANDONED, decided_at=now
    )
    bic = banking.normalise_bic(account.bic) if account.bic.strip() else banking.bic_for_iban(iban)
    change = MandateChange.objects.create(
        membership=locked,
        replaces=live,
        reference=_next_reference(locked),
        holder=" ".join(account.holder.split()),
        iban=iban,
        bic=bic or "",
        created_at=now,
        created_by=by if by is not None and by.pk else None,
    )
    audit.record(
        AuditAction.MANDATE_CHANGE_STARTED,
        by=by,
        target=locked,
        company_id=locked.contract.company_id,
        mandate=change.reference,
        replaces=live.reference,
        abandoned=abandoned,
    )
    return change


def mandate_change_content(membership: Membership) -> dict[str, Any]:
    """What the new mandate to sign shows, as plain JSON values (registered with
    `signatures`): another account proposed in another tab changes it."""
    change = pending_change(membership)
    if change is None:
        return {"change": None}
    employee = membership.employee
    return {
        "change": change.pk,
        "reference": change.reference,
        "creditor_identifier": settings.SEPA_CREDITOR_ID,
        "holder": change.holder,
        "iban": change.iban,
        "bic": change.bic,
        "frequency": change.replaces.frequency,
        "debit_day": change.replaces.debit_day,
        "replaces": change.replaces.reference,
        "debtor": [employee.full_name, *employee.address_lines()],
    }


def mandate_pdf(change: MandateChange) -> bytes:
    """The new SEPA mandate (R6.1): RUM, ICS, creditor, debtor, IBAN, BIC, recurrent."""
    membership = change.membership
    context = {
        "membership": membership,
        "employee": membership.employee,
        "reference": change.reference,
        "creditor_identifier": settings.SEPA_CREDITOR_ID,
        "holder": change.holder,
        "iban": banking.format_iban(change.iban),
        "bic": change.bic,
        "frequency": change.replaces.get_frequency_display(),
        "debit_day": change.replaces.debit_day,
        "replaces": change.replaces.reference,
        "consent": mandate_consent(),
        "today": timezone.localdate(),
    }
    return render_pdf("enrollment/mandate.html", context, title="Mandat de prélèvement SEPA")


def mandate_change_documents(membership: Membership) -> list[tuple[str, str, bytes]]:
    """The new mandate to sign (registered with `signatures`)."""
    change = pending_change(membership)
    if change is None:
        raise BusinessError(EnrollmentError.NO_PENDING_MANDATE_CHANGE)
    return [("Mandat de prélèvement SEPA", MANDATE_DOCUMENT_KIND, mandate_pdf(change))]


@within_business_event
def record_revocation(*, mandate_id: int, by: User | None, now: datetime) -> DebitMandate:
    """The mandate is revoked (R6.4): no debit from now on, including in a run prepared but
    not yet sent to the bank. A step of the debtor's revocation or of a new mandate's
    signature."""
    mandate = (
        DebitMandate.objects.select_for_update(of=("self",))
        .select_related("membership__contract")
        .get(pk=mandate_id)
    )
    if mandate.revoked_at is not None:
        raise BusinessError(EnrollmentError.MANDATE_ALREADY_REVOKED)
    mandate.revoked_at = now
    mandate.save(update_fields=["revoked_at"])
    audit.record(
        AuditAction.MANDATE_REVOKED,
        by=by,
        target=mandate.membership,
        company_id=mandate.membership.contract.company_id,
        mandate=mandate.reference,
    )
    return mandate


@within_business_event
def apply_mandate_change(
    *, membership_id: int, signed_at: datetime, by: User | None, envelope_id: int | None = None
) -> DebitMandate:
    """The member signed their new mandate by SMS code: it is in force (its first debit is a
    FRST), the old one revoked, the old debit account kept as replaced, and the member told
    by e-mail. The effect of signing a mandate envelope: it commits with the signature or not
    at all (refused when the membership ended or the proposal is gone meanwhile)."""
    locked = _lock(membership_id)
    change = (
        MandateChange.objects.select_for_update()
        .filter(membership=locked, status=MandateChangeStatus.PENDING)
        .first()
    )
    if change is None:
        raise BusinessError(EnrollmentError.NO_PENDING_MANDATE_CHANGE)
    now = timezone.now()
    # Revoked first: the one-live-mandate constraint holds at every statement.
    old = record_revocation(mandate_id=change.replaces_id, by=by, now=now)
    BankAccount.objects.filter(pk=old.account_id, purpose=AccountPurpose.DEBIT).update(
        replaced_at=now
    )
    account = BankAccount.objects.create(
        membership=locked,
        purpose=AccountPurpose.DEBIT,
        holder=change.holder,
        iban=change.iban,
        bic=change.bic,
        created_at=now,
    )
    mandate = DebitMandate.objects.create(
        membership=locked,
        account=account,
        reference=change.reference,
        creditor_identifier=settings.SEPA_CREDITOR_ID,
        frequency=old.frequency,
        debit_day=old.debit_day,
        created_at=change.created_at,
        signed_at=signed_at,
    )
    change.status = MandateChangeStatus.SIGNED
    change.mandate = mandate
    change.decided_at = now
    change.save(update_fields=["status", "mandate", "decided_at"])
    employee = locked.employee
    audit.record(
        AuditAction.MANDATE_CHANGED,
        by=by if by is not None else employee.user,
        target=locked,
        company_id=locked.contract.company_id,
        mandate=mandate.reference,
        revoked=old.reference,
        envelope=envelope_id,
    )
    if employee.email:
        send_email(
            to=employee.email,
            template="mandate_changed",
            context={
                "employee": employee,
                "membership": locked,
                "mandate": mandate,
                "revoked": old,
                "iban": banking.mask_iban(mandate.account.iban),
                "creditor_id": mandate.creditor_identifier,
            },
        )
    return mandate


@transaction.atomic(durable=True)
def change_benefits_account(
    *,
    membership: Membership,
    dependant: Dependant | None,
    account: AccountInput,
    by: User | None,
) -> BankAccount:
    """ "Modifier" the account the benefits (remboursement des prestations) are paid to: the
    member's own, or one dependant's. Checked as in the journey; no signature needed."""
    locked = _lock(membership.pk)
    if dependant is not None and not locked.dependants.filter(pk=dependant.pk).exists():
        raise BusinessError(EnrollmentError.DEPENDANT_UNKNOWN)
    _, problems = check_account("benefits", account)
    if problems:
        raise BusinessError.of(problems)
    stored = store_account(
        locked, AccountPurpose.BENEFITS, account, dependant.pk if dependant else None
    )
    audit.record(
        AuditAction.BENEFITS_ACCOUNT_CHANGED,
        by=by,
        target=locked,
        company_id=locked.contract.company_id,
        dependant=dependant.pk if dependant else None,
    )
    return stored
