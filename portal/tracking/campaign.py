"""ISSUE 17.1 "Vision de leur avancée": where each employee of an enrollment campaign stands —
invited, link opened and at which step, signed, "Mis en gestion", waived, link expired — per
insured group of a company (the employer's home and "Mes demandes"), and per company for staff.

One aggregate query over the memberships (grouped by group, status, step and two EXISTS: the
account activated, a link still valid), then plain Python: the figures, the bars' segments of a
server-rendered SVG and the table beside it for screen readers. Cancelled declarations and
terminated memberships are not part of a campaign.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone

from portal.companies.models import Company, InsuredGroup
from portal.enrollment.models import Invitation, JourneyStep, Membership, MembershipStatus
from portal.tracking.models import Reason, Request, State


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    color: str  # each ≥ 3:1 against white (WCAG 1.4.11), told apart by the legend and table


# In the order of the journey: the bars read left to right.
STAGES = [
    Stage("invited", "Invité, lien non ouvert", "#5f6b7a"),
    Stage("profile", "En cours : Mon profil", "#1f5f9e"),
    Stage("dependants", "En cours : Mes bénéficiaires", "#2a74bd"),
    Stage("coverage", "En cours : Mes garanties", "#3f86c9"),
    Stage("bank", "En cours : Mes coordonnées bancaires", "#1a6f8a"),
    Stage("signature", "En cours : Signature", "#0f5a6e"),
    Stage("expired", "Lien expiré", "#b3261e"),
    Stage("signed", "Signé", "#2e7d32"),
    Stage("active", "Mis en gestion", "#1b5e20"),
    Stage("waived", "Dispensé ou dispense demandée", "#6a3d9a"),
]
STAGE_KEYS = [stage.key for stage in STAGES]
# The step the employee is at: the one after the last they completed.
_NEXT_STEP = {
    "": "profile",
    JourneyStep.PROFILE: "dependants",
    JourneyStep.DEPENDANTS: "coverage",
    JourneyStep.COVERAGE: "bank",
    JourneyStep.BANK: "signature",
    JourneyStep.SIGNATURE: "signature",
}
_EXCLUDED = [MembershipStatus.CANCELLED, MembershipStatus.TERMINATED]


def stage_of(status: str, step: str, *, opened: bool, link_valid: bool) -> str:
    """Where one membership stands (a table: tests/test_campaign.py)."""
    if status == MembershipStatus.SIGNED:
        return "signed"
    if status == MembershipStatus.ACTIVE:
        return "active"
    if status in (MembershipStatus.WAIVED, MembershipStatus.WAIVER_REQUESTED):
        return "waived"
    if not link_valid:
        return "expired"
    if not opened:
        return "invited"
    return _NEXT_STEP.get(step, "profile")


@dataclass(frozen=True)
class Segment:
    stage: Stage
    count: int
    x: float  # in % of the bar
    width: float


@dataclass
class Bar:
    label: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STAGE_KEYS, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def cells(self) -> list[int]:
        return [self.counts[key] for key in STAGE_KEYS]

    @property
    def segments(self) -> list[Segment]:
        total, x, found = self.total, 0.0, []
        for stage in STAGES:
            count = self.counts[stage.key]
            if count and total:
                width = 100 * count / total
                found.append(Segment(stage, count, round(x, 3), round(width, 3)))
                x += width
        return found


@dataclass(frozen=True)
class Campaign:
    bars: list[Bar]
    total: Bar
    to_chase: int  # affiliations waiting for the employee (the list's filter gives exactly them)
    as_of: datetime

    @property
    def empty(self) -> bool:
        return self.total.total == 0

    @property
    def rows(self) -> list[StageRow]:
        """The table beside the chart: a row per stage, a column per bar, then the total."""
        return [
            StageRow(
                stage, [bar.counts[stage.key] for bar in self.bars], self.total.counts[stage.key]
            )
            for stage in STAGES
        ]


@dataclass(frozen=True)
class StageRow:
    stage: Stage
    cells: list[int]
    total: int


def _counted(
    memberships: QuerySet[Membership], key: str, now: datetime
) -> QuerySet[Membership, dict[str, Any]]:
    employee = OuterRef("employee_id")
    rows: QuerySet[Membership, dict[str, Any]] = (
        memberships.exclude(status__in=_EXCLUDED)
        .annotate(
            opened=Exists(
                Invitation.objects.filter(membership__employee_id=employee, used_at__isnull=False)
            ),
            link_valid=Exists(
                Invitation.objects.filter(
                    membership__employee_id=employee, revoked_at=None, expires_at__gt=now
                )
            ),
        )
        .values(key, "status", "journey_step", "opened", "link_valid")
        .annotate(n=Count("id"))
        .order_by()
    )
    return rows


def _fill(bars: dict[int, Bar], total: Bar, rows: Iterable[dict[str, Any]], key: str) -> None:
    for row in rows:
        stage = stage_of(
            row["status"], row["journey_step"], opened=row["opened"], link_valid=row["link_valid"]
        )
        if row[key] in bars:
            bars[row[key]].counts[stage] += row["n"]
        total.counts[stage] += row["n"]


def _waiting_affiliations() -> QuerySet[Request]:
    return Request.objects.filter(state=State.WAITING, reason=Reason.AFFILIATION)


# The figures of a company's campaign are kept this long: the home and "Mes demandes" read them
# from the cache (one aggregate over every membership costs 90–150 ms at 100,000 employees).
CACHE_SECONDS = 120
_ROW = ["insured_group_id", "status", "journey_step", "opened", "link_valid", "n"]  # as cached


def company_campaign(company: Company, *, now: datetime | None = None) -> Campaign:
    """One bar per insured group of the company (contract kind, code, label), and its total;
    the figures as of at most `CACHE_SECONDS` ago (the page says when)."""
    groups = InsuredGroup.objects.filter(contract__company=company).select_related("contract")
    bars = {
        group.pk: Bar(f"{group.contract.get_kind_display()} — {group.code} {group.label}")
        for group in groups.order_by("contract__kind", "code", "pk")
    }
    key = f"campaign:{company.pk}"
    figures = cache.get(key) if now is None else None
    if figures is None:
        now = now or timezone.now()
        rows = _counted(
            Membership.objects.filter(contract__company=company), "insured_group_id", now
        )
        figures = {
            "rows": [[row[name] for name in _ROW] for row in rows],
            "chase": _waiting_affiliations().filter(company=company).count(),
            "at": now.isoformat(),
        }
        cache.set(key, figures, CACHE_SECONDS)
    total = Bar("Ensemble de l'entreprise")
    _fill(bars, total, (dict(zip(_ROW, row, strict=True)) for row in figures["rows"]), _ROW[0])
    bars_shown = [bar for bar in bars.values() if bar.total]
    return Campaign(bars_shown, total, figures["chase"], datetime.fromisoformat(figures["at"]))


STAFF_COMPANIES = 25


def staff_campaign(*, now: datetime | None = None) -> tuple[Campaign, list[tuple[Company, int]]]:
    """Across companies: the total, and one bar per company for the `STAFF_COMPANIES` with the
    most affiliations waiting for their employees (with that count)."""
    now = now or timezone.now()
    chase_by_company = list(
        _waiting_affiliations()
        .values("company_id")
        .annotate(n=Count("id"))
        .order_by("-n", "company_id")[:STAFF_COMPANIES]
    )
    companies = Company.objects.in_bulk([row["company_id"] for row in chase_by_company])
    bars = {
        row["company_id"]: Bar(companies[row["company_id"]].legal_name) for row in chase_by_company
    }
    total = Bar("Toutes les entreprises")
    rows = _counted(Membership.objects.all(), "contract__company_id", now)
    _fill(bars, total, rows, "contract__company_id")
    chase = _waiting_affiliations().count()
    ranked = [(companies[row["company_id"]], row["n"]) for row in chase_by_company]
    return Campaign(list(bars.values()), total, chase, now), ranked


def chase_url(company: Company) -> str:
    """ "Mes demandes" filtered to exactly the affiliations waiting for the employee."""
    return reverse("tracking:requests", args=[company.pk]) + "?etat=waiting&motif=affiliation"


def campaign_context(company: Company) -> dict[str, Any]:
    """What `tracking/_campaign.html` shows for one company."""
    return {
        "campaign": company_campaign(company),
        "chase_url": chase_url(company),
        "stages": STAGES,
    }
