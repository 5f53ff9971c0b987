"""Card events: a card made when a membership is put "en gestion", remade when its dependants,
its cover or its end change, renewed each year; the member or staff download it.

A card is a row (`MembershipCard`) holding exactly what it prints; its PDF is rendered from the
row on download (`portal.cards.pdf`), never stored: the row is the one truth, the PDF is
deterministic from it (same bytes each time), and there is no file to keep in step with a
remade version or to delete at the end of the retention period.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from portal.accounts.models import User
from portal.cards import rules
from portal.cards.errors import CardError
from portal.cards.models import MembershipCard
from portal.companies.models import Scheme
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError
from portal.core.transactions import within_business_event
from portal.enrollment.choices import DependantKind
from portal.enrollment.effects import MembershipChange
from portal.enrollment.models import Membership, MembershipStatus
from portal.enrollment.rules import SPOUSE_TYPES

ROLE_MEMBER = "Adhérent"
ROLE_SPOUSE = "Conjoint"
ROLE_CHILD = "Enfant"


def _membership(membership_id: int) -> Membership:
    return (
        Membership.objects.select_for_update(of=("self",))
        .select_related("employee", "contract", "insured_group__base_product", "option")
        .get(pk=membership_id)
    )


def _current(membership_id: int) -> MembershipCard | None:
    return (
        MembershipCard.objects.select_for_update()
        .filter(membership_id=membership_id, superseded_at=None)
        .first()
    )


def card_lines(membership: Membership, *, day: date) -> dict[str, Any]:
    """What the card prints, from the membership as it is: the people covered on `day` (the
    card's first day; a child past the contract's age limit is not covered, rules.md R4.1),
    and those who join later (a life event's addition); not those whose removal is decided."""
    employee = membership.employee
    contract = membership.contract
    people = [
        {
            "role": ROLE_MEMBER,
            "name": employee.full_name,
            "birth_date": employee.birth_date.isoformat(),
        }
    ]
    for dependant in membership.dependants.all():
        if dependant.cover_end is not None:
            # Removed by a life event: off the card remade when the insurer accepted it (a
            # card is for the year, their cover ends before it does).
            continue
        if dependant.kind == DependantKind.CHILD and not rules.child_covered(
            birth_date=dependant.birth_date,
            studying=dependant.studying,
            disabled=dependant.disabled,
            day=day,
            max_age=contract.child_max_age,
            max_age_extended=contract.child_max_age_extended,
        ):
            continue
        people.append(
            {
                "role": ROLE_SPOUSE if dependant.kind in SPOUSE_TYPES else ROLE_CHILD,
                "name": dependant.full_name,
                "birth_date": dependant.birth_date.isoformat(),
            }
        )
    products = [membership.insured_group.base_product.label]
    if membership.option is not None:
        products.append(membership.option.label)
    brand = settings.PORTAL_BRAND
    scheme = Scheme.ALSACE_MOSELLE if employee.alsace_moselle else Scheme.GENERAL
    return {
        "insurer_name": brand["insurer_name"],
        "amc_number": brand["amc_number"],
        "member_number": membership.member_number,
        "contract_number": contract.number,
        "scheme": scheme.label,
        "products": products,
        "people": people,
        "advisers_phone": brand["member_help_phone"],
        "health_professionals_phone": brand["health_professionals_phone"],
    }


def _issue(
    membership: Membership,
    current: MembershipCard | None,
    *,
    ends_at: date | None,
    year: int | None,
    now: datetime,
    by: User | None,
    why: str,
) -> MembershipCard:
    """A new version: the current one (if any) superseded now."""
    if year is None:
        year = rules.card_year(
            effective_date=membership.effective_date, today=timezone.localdate(now)
        )
        if current is not None:  # already renewed for next year: the new version is too
            year = max(year, current.valid_until.year)
    valid_from, valid_until = rules.card_period(effective_date=membership.effective_date, year=year)
    if current is not None:
        current.superseded_at = now
        current.save(update_fields=["superseded_at"])
    last = MembershipCard.objects.filter(membership=membership).aggregate(v=Max("version"))["v"]
    card = MembershipCard.objects.create(
        membership=membership,
        version=(last or 0) + 1,
        valid_from=valid_from,
        valid_until=valid_until,
        ends_at=ends_at,
        issued_at=now,
        lines=card_lines(membership, day=valid_from),
    )
    audit.record(
        AuditAction.CARD_ISSUED,
        by=by,
        target=card,
        company_id=membership.contract.company_id,
        membership=membership.pk,
        version=card.version,
        why=why,
    )
    return card


@within_business_event
def refresh_card(
    *, membership_id: int, what: MembershipChange, cover_until: date | None
) -> MembershipCard | None:
    """The membership changed (the enrollment listener): an active health membership gets a
    new card; a terminated one a card ending with its cover (its end date, or the end of
    portability). One step of the changing event."""
    membership = _membership(membership_id)
    if not membership.contract.is_health:
        return None  # the tiers payant card is the health contract's
    current = _current(membership_id)
    now = timezone.now()
    if membership.status == MembershipStatus.ACTIVE:
        return _issue(membership, current, ends_at=None, year=None, now=now, by=None, why=what)
    if membership.status == MembershipStatus.TERMINATED and current is not None:
        ends_at = cover_until or membership.end_date
        return _issue(membership, current, ends_at=ends_at, year=None, now=now, by=None, why=what)
    return None  # "active" is left only for "terminated" (the transition table)


def renewable(year: int) -> list[int]:
    """The memberships whose current card ends before 31 December of `year` while their cover
    goes on into it: active ones, and terminated ones still in cover (portability)."""
    first_day = date(year, 1, 1)
    return list(
        MembershipCard.objects.filter(
            superseded_at=None,
            valid_until__lt=date(year, 12, 31),
            membership__status__in=[MembershipStatus.ACTIVE, MembershipStatus.TERMINATED],
        )
        .exclude(ends_at__lt=first_day)
        .order_by("membership_id")
        .values_list("membership_id", flat=True)
    )


@transaction.atomic(durable=True)
def renew_card(*, membership_id: int, year: int, by: User | None = None) -> MembershipCard | None:
    """The yearly renewal of one member's card for `year` (None: already renewed)."""
    membership = _membership(membership_id)
    current = _current(membership_id)
    if current is None or current.valid_until >= date(year, 12, 31):
        return None  # renewed already (or by a change since): idempotent
    if membership.status not in (MembershipStatus.ACTIVE, MembershipStatus.TERMINATED):
        raise BusinessError(CardError.CARD_NOT_ACTIVE)
    if current.ends_at is not None and current.ends_at < date(year, 1, 1):
        return None
    return _issue(
        membership,
        current,
        ends_at=current.ends_at,
        year=year,
        now=timezone.now(),
        by=by,
        why="renewal",
    )


@transaction.atomic(durable=True)
def record_download(*, card: MembershipCard, by: User, request: HttpRequest | None) -> None:
    """The member or staff downloaded a card (it shows names and birth dates): audited."""
    audit.record(
        AuditAction.CARD_DOWNLOADED,
        by=by,
        target=card,
        company_id=card.membership.contract.company_id,
        request=request,
        version=card.version,
    )
