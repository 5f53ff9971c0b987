"""Dependants during the contract's life: a dependant joins or leaves the cover of a membership
already signed, after a life event the insurer accepted (portal/member_requests).

Each function is one step of the insurer's decision (its business event): it runs inside the
caller's transaction, checks the dependant with the journey's own rules (the same errors as
"Mes bénéficiaires" before signing), records the cover dates, and tells the listeners (the
card, through `membership_changed`) in the same transaction. The prices follow from the cover
dates (`journey.current_costs(on=…)`), the SEPA debits from the prices.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from portal.accounts.models import User
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError, Problem
from portal.core.transactions import within_business_event
from portal.enrollment import rules
from portal.enrollment.effects import MembershipChange, membership_changed
from portal.enrollment.errors import EnrollmentError
from portal.enrollment.journey import facts_of
from portal.enrollment.models import Dependant, Membership, MembershipStatus
from portal.enrollment.rules import DependantFacts

# Signed (the insurer still to put it "en gestion") or in force: the journey no longer edits
# its dependants, life events do.
IN_FORCE = (MembershipStatus.SIGNED, MembershipStatus.ACTIVE)


def in_force(membership: Membership) -> bool:
    """Whether the membership's dependants change through life events (health, signed or
    active)."""
    return membership.contract.is_health and membership.status in IN_FORCE


def covered_dependants(membership: Membership, *, on: date) -> list[Dependant]:
    """The membership's dependants whose cover runs on `on` or starts later (their cover has
    not ended before `on`)."""
    return [
        dependant
        for dependant in membership.dependants.all()
        if dependant.cover_end is None or dependant.cover_end >= on
    ]


def check_dependant_in_force(
    membership: Membership,
    facts: DependantFacts,
    *,
    cover_start: date,
    others: Sequence[DependantFacts] = (),
    today: date,
) -> list[Problem]:
    """The journey's rules for one dependant joining on `cover_start`, among the dependants
    still covered then (a divorced spouse whose cover has ended does not block a new one) and
    `others` (e.g. additions the insurer has not decided yet)."""
    contract = membership.contract
    covered = [facts_of(d) for d in covered_dependants(membership, on=cover_start)]
    return rules.check_dependant(
        facts,
        others=[*covered, *others],
        member_nir=membership.employee.nir,
        child_max_age=contract.child_max_age,
        child_max_age_extended=contract.child_max_age_extended,
        today=today,
    )


def _lock(membership_id: int) -> Membership:
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("employee", "contract")
        .get(pk=membership_id)
    )
    if not membership.contract.is_health:
        raise BusinessError(EnrollmentError.DEPENDANTS_HEALTH_ONLY)
    if membership.status not in IN_FORCE:
        raise BusinessError(EnrollmentError.MEMBERSHIP_NOT_IN_FORCE)
    return membership


@within_business_event
def add_dependant_in_force(
    *,
    membership: Membership,
    facts: DependantFacts,
    cover_start: date,
    by: User | None,
    today: date,
) -> Dependant:
    """A dependant joins a signed or active health membership from `cover_start` (the life
    event's effective date). Refused with every problem the journey's rules find."""
    locked = _lock(membership.pk)
    problems = check_dependant_in_force(locked, facts, cover_start=cover_start, today=today)
    if problems:
        raise BusinessError.of(problems)
    f = rules.normalise_dependant(facts)
    assert f.kind is not None and f.birth_date is not None  # checked
    dependant = Dependant.objects.create(
        membership=locked,
        kind=str(f.kind),
        civility=f.civility,
        last_name=f.last_name.upper(),
        first_name=f.first_name,
        birth_date=f.birth_date,
        twin_rank=f.twin_rank or 1,
        nir=f.nir,
        parent_nir=rules.attachment_nir(f, member_nir=locked.employee.nir),
        fund_code=f.fund_code,
        alsace_moselle=f.alsace_moselle,
        studying=f.studying_or_apprentice,
        disabled=f.disabled,
        same_address=True,
        cover_start=cover_start,
    )
    audit.record(
        AuditAction.DEPENDANT_SAVED,
        by=by,
        target=locked,
        company_id=locked.contract.company_id,
        dependant=dependant.pk,
        kind=dependant.kind,
        new=True,
        cover_start=cover_start.isoformat(),
    )
    membership_changed(locked.pk, MembershipChange.DEPENDANTS)
    return dependant


@within_business_event
def end_dependant_cover(
    *, membership: Membership, dependant_id: int, cover_end: date, by: User | None
) -> Dependant:
    """A dependant leaves a signed or active health membership: covered until `cover_end`
    included (the life event's effective date). The row stays, as the cover's history."""
    locked = _lock(membership.pk)
    dependant = (
        Dependant.objects.select_for_update()
        .filter(pk=dependant_id, membership=locked, cover_end=None)
        .first()
    )
    if dependant is None:
        raise BusinessError(EnrollmentError.DEPENDANT_UNKNOWN)
    if dependant.cover_start is not None and cover_end < dependant.cover_start:
        raise BusinessError(
            EnrollmentError.DEPENDANT_COVER_DATES,
            end=f"{cover_end:%d/%m/%Y}",
            start=f"{dependant.cover_start:%d/%m/%Y}",
        )
    dependant.cover_end = cover_end
    dependant.save(update_fields=["cover_end"])
    audit.record(
        AuditAction.DEPENDANT_REMOVED,
        by=by,
        target=locked,
        company_id=locked.contract.company_id,
        dependant=dependant.pk,
        cover_end=cover_end.isoformat(),
    )
    membership_changed(locked.pk, MembershipChange.DEPENDANTS)
    return dependant
