"""The life events that add or remove a dependant during the contract's life, as data: which
dependants each allows, the proof it needs, the time to declare it and its effective date.

Pure functions over plain values (no ORM, no clock: `today` is passed).

Sources: shared/docs/rules.md §4 — R4.1 (who is a dependant: spouse, C. civ. art. 143; PACS
partner, art. 515-1; concubin, art. 515-8; children), R4.2 (the proofs), R4.4 (a child who no
longer qualifies is radiated at the contractual date). rules.md does not give the dates of
effect of a change during the contract's life: they follow the common practice of French
collective health contracts' notices ("notice d'information"), to confirm with the insurer's
contract [verify]: a birth or an adoption declared within 30 days is covered from its day (the
child is never left without cover), any other addition from the 1st of the month after the
event, or after the request when declared late; a removal at the end of the month of the event,
or of the request when later (contributions already collected are not given back), a death on
its day.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from portal.core.errors import Problem
from portal.enrollment.choices import SPOUSE_KINDS, DependantKind
from portal.member_requests.choices import RequestState
from portal.member_requests.errors import MemberRequestError

EARLIEST_EVENT_DATE = date(1900, 1, 1)
# The notices' usual time to declare a birth, an adoption, a marriage… [verify].
DECLARATION_DAYS = 30


class Direction(StrEnum):
    ADD = "add"
    REMOVE = "remove"


class EffectiveRule(StrEnum):
    """How an event's effective date is found (see the module's docstring)."""

    EVENT_DAY_IF_DECLARED_ON_TIME = "event_day_if_declared_on_time"
    FIRST_OF_NEXT_MONTH = "first_of_next_month"
    END_OF_MONTH = "end_of_month"
    EVENT_DAY = "event_day"


@dataclass(frozen=True)
class LifeEvent:
    """One row of the table: an event, who it adds or removes, the proof it needs."""

    code: str
    label: str
    direction: Direction
    kinds: frozenset[DependantKind]
    proof: str  # what to upload; "" when none is needed
    effective: EffectiveRule
    declaration_days: int = DECLARATION_DAYS

    @property
    def requires_proof(self) -> bool:
        return bool(self.proof)


ALL_KINDS = frozenset(DependantKind)
CHILD = frozenset({DependantKind.CHILD})

LIFE_EVENTS: tuple[LifeEvent, ...] = (
    # Additions (R4.1 for who, R4.2 for the proofs).
    LifeEvent(
        "birth",
        "Naissance",
        Direction.ADD,
        CHILD,
        "l'acte de naissance ou le livret de famille",
        EffectiveRule.EVENT_DAY_IF_DECLARED_ON_TIME,
    ),
    LifeEvent(
        "adoption",
        "Adoption",
        Direction.ADD,
        CHILD,
        "le jugement d'adoption",
        EffectiveRule.EVENT_DAY_IF_DECLARED_ON_TIME,
    ),
    LifeEvent(
        "marriage",
        "Mariage",
        Direction.ADD,
        frozenset({DependantKind.SPOUSE}),
        "l'acte de mariage ou le livret de famille",
        EffectiveRule.FIRST_OF_NEXT_MONTH,
    ),
    LifeEvent(
        "pacs",
        "PACS",
        Direction.ADD,
        frozenset({DependantKind.PACS_PARTNER}),
        "l'attestation d'enregistrement du PACS",
        EffectiveRule.FIRST_OF_NEXT_MONTH,
    ),
    LifeEvent(
        "cohabitation",
        "Concubinage (vie commune)",
        Direction.ADD,
        frozenset({DependantKind.COHABITANT}),
        "l'attestation sur l'honneur de vie commune signée des deux concubins, avec un "
        "justificatif de domicile commun",
        EffectiveRule.FIRST_OF_NEXT_MONTH,
    ),
    LifeEvent(
        "other_cover_lost",
        "Perte d'une autre couverture santé",
        Direction.ADD,
        ALL_KINDS,
        "l'attestation de fin de droits de l'ancienne couverture",
        EffectiveRule.FIRST_OF_NEXT_MONTH,
    ),
    # Removals.
    LifeEvent(
        "divorce",
        "Divorce",
        Direction.REMOVE,
        frozenset({DependantKind.SPOUSE}),
        "le jugement de divorce ou l'acte de mariage portant la mention du divorce",
        EffectiveRule.END_OF_MONTH,
    ),
    LifeEvent(
        "pacs_end",
        "Fin du PACS",
        Direction.REMOVE,
        frozenset({DependantKind.PACS_PARTNER}),
        "l'attestation de dissolution du PACS",
        EffectiveRule.END_OF_MONTH,
    ),
    LifeEvent(
        "separation",
        "Fin de la vie commune",
        Direction.REMOVE,
        frozenset({DependantKind.COHABITANT}),
        "l'attestation sur l'honneur de fin de vie commune",
        EffectiveRule.END_OF_MONTH,
    ),
    LifeEvent(
        "child_not_dependant",
        "Enfant qui n'est plus à charge (âge, fin d'études, emploi)",
        Direction.REMOVE,
        CHILD,
        "",  # the member's word: the child's age, work or studies are the member's to state
        EffectiveRule.END_OF_MONTH,
    ),
    LifeEvent(
        "other_cover",
        "Affiliation à une autre couverture santé",
        Direction.REMOVE,
        ALL_KINDS,
        "l'attestation d'affiliation à l'autre couverture",
        EffectiveRule.END_OF_MONTH,
    ),
    LifeEvent(
        "death",
        "Décès",
        Direction.REMOVE,
        ALL_KINDS,
        "l'acte de décès",
        EffectiveRule.EVENT_DAY,
    ),
)

_BY_CODE: Mapping[str, LifeEvent] = {event.code: event for event in LIFE_EVENTS}

KIND_NAMES: Mapping[DependantKind, str] = {
    DependantKind.SPOUSE: "un conjoint marié",
    DependantKind.PACS_PARTNER: "un partenaire de PACS",
    DependantKind.COHABITANT: "un concubin",
    DependantKind.CHILD: "un enfant",
}


def get_event(code: str) -> LifeEvent | None:
    return _BY_CODE.get(code)


def events_for(direction: Direction, kind: DependantKind | None = None) -> list[LifeEvent]:
    """The events that add (or remove) a dependant, of `kind` when given, in the table's order."""
    return [
        event
        for event in LIFE_EVENTS
        if event.direction == direction and (kind is None or kind in event.kinds)
    ]


def first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def end_of_month(day: date) -> date:
    return first_of_next_month(day) - timedelta(days=1)


def declared_on_time(event: LifeEvent, *, event_date: date, requested_on: date) -> bool:
    return requested_on <= event_date + timedelta(days=event.declaration_days)


def effective_date(
    event: LifeEvent, *, event_date: date, requested_on: date, membership_start: date
) -> date:
    """An addition's first day of cover, or a removal's last one (see the module's docstring);
    never before the membership's own start."""
    match event.effective:
        case EffectiveRule.EVENT_DAY_IF_DECLARED_ON_TIME:
            on_time = declared_on_time(event, event_date=event_date, requested_on=requested_on)
            day = event_date if on_time else first_of_next_month(requested_on)
        case EffectiveRule.FIRST_OF_NEXT_MONTH:
            on_time = declared_on_time(event, event_date=event_date, requested_on=requested_on)
            day = first_of_next_month(event_date if on_time else requested_on)
        case EffectiveRule.END_OF_MONTH:
            day = end_of_month(max(event_date, requested_on))
        case EffectiveRule.EVENT_DAY:
            day = event_date
    return max(day, membership_start)


def check_event(
    code: str,
    *,
    direction: Direction,
    kind: DependantKind | None,
    event_date: date | None,
    today: date,
) -> list[Problem]:
    """The event chosen, its date, and whether it allows this kind of dependant."""
    event = get_event(code)
    if not code:
        return [Problem.of(MemberRequestError.LIFE_EVENT_REQUIRED, "life_event")]
    problems: list[Problem] = []
    if event is None or event.direction != direction:
        problems.append(Problem.of(MemberRequestError.LIFE_EVENT_UNKNOWN, "life_event"))
    elif kind is not None and kind not in event.kinds:
        allowed = " ou ".join(KIND_NAMES[k] for k in DependantKind if k in event.kinds)
        verb = "ajouter" if direction == Direction.ADD else "retirer"
        problems.append(
            Problem.of(
                MemberRequestError.KIND_NOT_ALLOWED,
                "kind" if direction == Direction.ADD else "life_event",
                event=event.label,
                verb=verb,
                allowed=allowed,
            )
        )
    if event_date is None:
        problems.append(Problem.of(MemberRequestError.EVENT_DATE_REQUIRED, "event_date"))
    elif event_date > today:
        problems.append(Problem.of(MemberRequestError.EVENT_DATE_FUTURE, "event_date"))
    elif event_date < EARLIEST_EVENT_DATE:
        problems.append(Problem.of(MemberRequestError.EVENT_DATE_TOO_OLD, "event_date"))
    return problems


def check_addition_dates(
    code: str, *, event_date: date | None, birth_date: date | None
) -> list[Problem]:
    """A birth's date is the child's birth date; an adoption follows the birth."""
    if event_date is None or birth_date is None:
        return []
    if code == "birth" and birth_date != event_date:
        return [
            Problem.of(
                MemberRequestError.BIRTH_NOT_EVENT_DATE, "birth_date", day=f"{event_date:%d/%m/%Y}"
            )
        ]
    if code == "adoption" and event_date < birth_date:
        return [Problem.of(MemberRequestError.ADOPTION_BEFORE_BIRTH, "event_date")]
    return []


def spouse_kind_pending(kind: DependantKind | None, pending: Sequence[DependantKind]) -> bool:
    """Only one spouse-type dependant is covered (R4.1): another is already asked for."""
    return kind in SPOUSE_KINDS and any(other in SPOUSE_KINDS for other in pending)


# --- The state machine: `services._move` refuses any move not listed. ---

TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        (RequestState.SUBMITTED, RequestState.ACCEPTED),  # the insurer accepts
        (RequestState.SUBMITTED, RequestState.REFUSED),  # the insurer refuses, with a reason
        (RequestState.SUBMITTED, RequestState.WITHDRAWN),  # the member cancels it
    }
)


def can_move(from_state: str, to_state: str) -> bool:
    return (from_state, to_state) in TRANSITIONS
