""" "Mes coordonnées bancaires": the accounts for the debits and the benefits, and the SEPA
direct-debit mandate signed with the enrollment (rules.md §6)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from portal.accounts.models import User
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.charset import is_identity_text, to_norm_text
from portal.core.errors import BusinessError, Problem
from portal.enrollment import banking, rules
from portal.enrollment.errors import EnrollmentError
from portal.enrollment.journey import current_costs, lock_for_change, mark_done
from portal.enrollment.models import (
    DEBIT_DAYS,
    AccountPurpose,
    BankAccount,
    DebitFrequency,
    DebitMandate,
    JourneyStep,
    Membership,
)


@dataclass
class AccountInput:
    """An account as typed: "Titulaire du compte", "IBAN", "BIC"."""

    holder: str
    iban: str
    bic: str


@dataclass
class BankDetails:
    """ "Mes coordonnées bancaires": the debit account and its schedule, the benefits account
    (None: "RIB identique pour le remboursement de mes prestations"), and a dependant's own
    benefits account where given."""

    debit: AccountInput
    frequency: str
    debit_day: int
    benefits: AccountInput | None
    dependants: dict[int, AccountInput]


def needs_bank_details(membership: Membership) -> bool:
    """Only when the employee pays something by direct debit (guide: "Uniquement si une
    partie des cotisations est prélevée sur un compte bancaire")."""
    return rules.needs_bank_details(current_costs(membership))


def check_account(prefix: str, account: AccountInput) -> tuple[str | None, list[Problem]]:
    """The normalised IBAN and the account's problems, on fields named `<prefix>_<field>`."""
    problems = []
    holder = to_norm_text(account.holder)
    if not holder:
        problems.append(
            Problem.of(EnrollmentError.REQUIRED, f"{prefix}_holder", label="Titulaire du compte")
        )
    elif not is_identity_text(holder):
        problems.append(Problem.of(EnrollmentError.HOLDER_INVALID, f"{prefix}_holder"))
    iban, iban_problems = banking.check_iban(account.iban)
    problems += [p.on(f"{prefix}_iban") for p in iban_problems]
    if iban is None:
        # The BIC follows from the IBAN: nothing to say about it until the IBAN is right.
        return None, problems
    if account.bic.strip():
        problems += [p.on(f"{prefix}_bic") for p in banking.check_bic(account.bic, iban=iban)]
    elif banking.bic_for_iban(iban) is None:
        # Proposed from the IBAN; asked only when the bank is not in the registry.
        problems.append(Problem.of(EnrollmentError.BIC_UNKNOWN, f"{prefix}_bic"))
    return iban, problems


def check_bank_details(membership: Membership, details: BankDetails) -> list[Problem]:
    problems = check_account("debit", details.debit)[1]
    if details.frequency not in DebitFrequency.values:
        problems.append(Problem.of(EnrollmentError.FREQUENCY_INVALID, "frequency"))
    if details.debit_day not in DEBIT_DAYS:
        problems.append(Problem.of(EnrollmentError.DEBIT_DAY_INVALID, "debit_day"))
    if details.benefits is not None:
        problems += check_account("benefits", details.benefits)[1]
    known = set(membership.dependants.values_list("pk", flat=True))
    for dependant_id, account in details.dependants.items():
        if dependant_id not in known:
            raise BusinessError(EnrollmentError.DEPENDANT_UNKNOWN)
        problems += check_account(f"dependant_{dependant_id}", account)[1]
    return problems


def store_account(
    membership: Membership, purpose: str, account: AccountInput, dependant_id: int | None = None
) -> BankAccount:
    """The account saved (created or replacing the one of the same use), as checked."""
    iban = banking.normalise_iban(account.iban)
    bic = banking.normalise_bic(account.bic) if account.bic.strip() else banking.bic_for_iban(iban)
    stored, _ = BankAccount.objects.update_or_create(
        membership=membership,
        purpose=purpose,
        dependant_id=dependant_id,  # type: ignore[misc]  # None: the member's own account
        replaced_at=None,  # a debit account replaced with its mandate stays as it was
        defaults={"holder": to_norm_text(account.holder), "iban": iban, "bic": bic or ""},
    )
    return stored


@transaction.atomic(durable=True)
def save_bank_details(*, membership: Membership, details: BankDetails, by: User) -> Membership:
    """ "Mes coordonnées bancaires" → "Suivant": the accounts and the SEPA mandate to sign."""
    locked = lock_for_change(membership)
    if not locked.step_done(JourneyStep.COVERAGE):
        raise BusinessError(EnrollmentError.COVERAGE_FIRST)
    problems = check_bank_details(locked, details)
    if problems:
        raise BusinessError.of(problems)
    debit = store_account(locked, AccountPurpose.DEBIT, details.debit)
    if details.benefits is None:
        BankAccount.objects.filter(
            membership=locked, purpose=AccountPurpose.BENEFITS, dependant=None
        ).delete()
    else:
        store_account(locked, AccountPurpose.BENEFITS, details.benefits)
    BankAccount.objects.filter(membership=locked, dependant__isnull=False).exclude(
        dependant_id__in=list(details.dependants)
    ).delete()
    for dependant_id, account in details.dependants.items():
        store_account(locked, AccountPurpose.BENEFITS, account, dependant_id)
    mandate = locked.live_mandate()
    if mandate is None:
        mandate = DebitMandate(
            membership=locked,
            reference=banking.new_mandate_reference(
                prefix=settings.SEPA_MANDATE_PREFIX,
                member_number=locked.member_number,
                sequence=1,
            ),
            creditor_identifier=settings.SEPA_CREDITOR_ID,
        )
    mandate.account = debit
    mandate.frequency = details.frequency
    mandate.debit_day = details.debit_day
    mandate.save()
    mark_done(locked, JourneyStep.BANK)
    audit.record(
        AuditAction.BANK_DETAILS_SAVED,
        by=by,
        target=locked,
        company_id=locked.contract.company_id,
        mandate=mandate.reference,
        dependants_accounts=len(details.dependants),
    )
    return locked


@transaction.atomic(durable=True)
def skip_bank_details(*, membership: Membership, by: User) -> Membership:
    """Nothing is debited from the employee: the step is done without an account (and an
    earlier, now useless mandate is dropped before it is ever signed)."""
    locked = lock_for_change(membership)
    if not locked.step_done(JourneyStep.COVERAGE):
        raise BusinessError(EnrollmentError.COVERAGE_FIRST)
    if needs_bank_details(locked):
        raise BusinessError(EnrollmentError.BANK_DETAILS_NEEDED)
    DebitMandate.objects.filter(membership=locked).delete()
    BankAccount.objects.filter(membership=locked).delete()
    mark_done(locked, JourneyStep.BANK)
    audit.record(
        AuditAction.BANK_DETAILS_SKIPPED,
        by=by,
        target=locked,
        company_id=locked.contract.company_id,
    )
    return locked
