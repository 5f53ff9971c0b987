"""The life events as tables: who each allows, the proof it needs, the effective date."""

from __future__ import annotations

from datetime import date

import pytest

from portal.enrollment.choices import DependantKind
from portal.member_requests import rules
from portal.member_requests.choices import RequestState
from portal.member_requests.rules import Direction

SPOUSE, PACS, COHABITANT, CHILD = (
    DependantKind.SPOUSE,
    DependantKind.PACS_PARTNER,
    DependantKind.COHABITANT,
    DependantKind.CHILD,
)
TODAY = date(2026, 6, 15)


@pytest.mark.parametrize(
    ("code", "direction", "kinds", "proof"),
    [
        ("birth", Direction.ADD, {CHILD}, "l'acte de naissance ou le livret de famille"),
        ("adoption", Direction.ADD, {CHILD}, "le jugement d'adoption"),
        ("marriage", Direction.ADD, {SPOUSE}, "l'acte de mariage ou le livret de famille"),
        ("pacs", Direction.ADD, {PACS}, "l'attestation d'enregistrement du PACS"),
        (
            "cohabitation",
            Direction.ADD,
            {COHABITANT},
            "l'attestation sur l'honneur de vie commune signée des deux concubins, avec un "
            "justificatif de domicile commun",
        ),
        (
            "other_cover_lost",
            Direction.ADD,
            {SPOUSE, PACS, COHABITANT, CHILD},
            "l'attestation de fin de droits de l'ancienne couverture",
        ),
        (
            "divorce",
            Direction.REMOVE,
            {SPOUSE},
            "le jugement de divorce ou l'acte de mariage portant la mention du divorce",
        ),
        ("pacs_end", Direction.REMOVE, {PACS}, "l'attestation de dissolution du PACS"),
        (
            "separation",
            Direction.REMOVE,
            {COHABITANT},
            "l'attestation sur l'honneur de fin de vie commune",
        ),
        ("child_not_dependant", Direction.REMOVE, {CHILD}, ""),
        (
            "other_cover",
            Direction.REMOVE,
            {SPOUSE, PACS, COHABITANT, CHILD},
            "l'attestation d'affiliation à l'autre couverture",
        ),
        ("death", Direction.REMOVE, {SPOUSE, PACS, COHABITANT, CHILD}, "l'acte de décès"),
    ],
)
def test_each_event_allows_its_dependants_with_its_proof(
    code: str, direction: Direction, kinds: set[DependantKind], proof: str
) -> None:
    event = rules.get_event(code)
    assert event is not None
    assert (event.direction, set(event.kinds), event.proof) == (direction, kinds, proof)
    assert event.requires_proof is bool(proof)


@pytest.mark.parametrize(
    ("code", "event_date", "requested_on", "effective"),
    [
        # Birth / adoption: the day itself when declared within 30 days.
        ("birth", date(2026, 6, 2), date(2026, 6, 15), date(2026, 6, 2)),
        ("birth", date(2026, 5, 16), date(2026, 6, 15), date(2026, 5, 16)),  # day 30
        ("birth", date(2026, 5, 15), date(2026, 6, 15), date(2026, 7, 1)),  # day 31: late
        ("adoption", date(2026, 6, 10), date(2026, 6, 15), date(2026, 6, 10)),
        ("adoption", date(2026, 1, 10), date(2026, 6, 15), date(2026, 7, 1)),
        # Marriage, PACS, cohabitation, other cover lost: 1st of the month after the event…
        ("marriage", date(2026, 6, 6), date(2026, 6, 15), date(2026, 7, 1)),
        ("pacs", date(2026, 5, 31), date(2026, 6, 15), date(2026, 6, 1)),
        ("cohabitation", date(2026, 12, 20), date(2026, 12, 28), date(2027, 1, 1)),
        ("other_cover_lost", date(2026, 5, 31), date(2026, 6, 1), date(2026, 6, 1)),
        # … or after the request when declared late.
        ("marriage", date(2026, 3, 1), date(2026, 6, 15), date(2026, 7, 1)),
        # Removals: end of the month of the event, or of the request when later; death: its day.
        ("divorce", date(2026, 6, 3), date(2026, 6, 15), date(2026, 6, 30)),
        ("divorce", date(2026, 2, 3), date(2026, 6, 15), date(2026, 6, 30)),
        ("pacs_end", date(2026, 2, 10), date(2026, 2, 10), date(2026, 2, 28)),
        ("child_not_dependant", date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 31)),
        ("death", date(2026, 6, 3), date(2026, 6, 15), date(2026, 6, 3)),
    ],
)
def test_effective_date_follows_the_events_rule(
    code: str, event_date: date, requested_on: date, effective: date
) -> None:
    event = rules.get_event(code)
    assert event is not None
    assert (
        rules.effective_date(
            event,
            event_date=event_date,
            requested_on=requested_on,
            membership_start=date(2024, 3, 1),
        )
        == effective
    )


def test_effective_date_is_never_before_the_membership_starts() -> None:
    event = rules.get_event("birth")
    assert event is not None
    assert rules.effective_date(
        event,
        event_date=date(2026, 6, 2),
        requested_on=date(2026, 6, 15),
        membership_start=date(2026, 6, 10),
    ) == date(2026, 6, 10)


@pytest.mark.parametrize(
    ("code", "direction", "kind", "event_date", "codes"),
    [
        ("birth", Direction.ADD, CHILD, date(2026, 6, 2), []),
        ("", Direction.ADD, CHILD, date(2026, 6, 2), ["life_event_required"]),
        ("unknown", Direction.ADD, CHILD, date(2026, 6, 2), ["life_event_unknown"]),
        ("divorce", Direction.ADD, SPOUSE, date(2026, 6, 2), ["life_event_unknown"]),
        ("birth", Direction.ADD, SPOUSE, date(2026, 6, 2), ["kind_not_allowed"]),
        ("marriage", Direction.ADD, PACS, date(2026, 6, 2), ["kind_not_allowed"]),
        ("divorce", Direction.REMOVE, CHILD, date(2026, 6, 2), ["kind_not_allowed"]),
        ("birth", Direction.ADD, CHILD, None, ["event_date_required"]),
        ("birth", Direction.ADD, CHILD, date(2026, 6, 16), ["event_date_future"]),
        ("birth", Direction.ADD, CHILD, date(1899, 12, 31), ["event_date_too_old"]),
        ("death", Direction.REMOVE, CHILD, date(2026, 6, 15), []),
    ],
)
def test_check_event_names_each_problem(
    code: str,
    direction: Direction,
    kind: DependantKind,
    event_date: date | None,
    codes: list[str],
) -> None:
    problems = rules.check_event(
        code, direction=direction, kind=kind, event_date=event_date, today=TODAY
    )
    assert [p.code for p in problems] == codes


def test_kind_not_allowed_says_which_dependants_the_event_allows() -> None:
    [problem] = rules.check_event(
        "marriage", direction=Direction.ADD, kind=CHILD, event_date=TODAY, today=TODAY
    )
    assert (problem.field, problem.message) == (
        "kind",
        "L'événement « Mariage » permet d'ajouter un conjoint marié seulement : choisissez "
        "l'événement qui correspond à votre situation.",
    )


@pytest.mark.parametrize(
    ("code", "event_date", "birth_date", "codes"),
    [
        ("birth", date(2026, 6, 2), date(2026, 6, 2), []),
        ("birth", date(2026, 6, 2), date(2026, 6, 1), ["birth_not_event_date"]),
        ("adoption", date(2026, 6, 2), date(2020, 1, 1), []),
        ("adoption", date(2019, 6, 2), date(2020, 1, 1), ["adoption_before_birth"]),
        ("marriage", date(2026, 6, 2), date(1990, 1, 1), []),
    ],
)
def test_addition_dates(code: str, event_date: date, birth_date: date, codes: list[str]) -> None:
    problems = rules.check_addition_dates(code, event_date=event_date, birth_date=birth_date)
    assert [p.code for p in problems] == codes


@pytest.mark.parametrize(
    ("from_state", "to_state", "allowed"),
    [
        (RequestState.SUBMITTED, RequestState.ACCEPTED, True),
        (RequestState.SUBMITTED, RequestState.REFUSED, True),
        (RequestState.SUBMITTED, RequestState.WITHDRAWN, True),
        (RequestState.ACCEPTED, RequestState.REFUSED, False),
        (RequestState.REFUSED, RequestState.ACCEPTED, False),
        (RequestState.WITHDRAWN, RequestState.SUBMITTED, False),
        (RequestState.ACCEPTED, RequestState.WITHDRAWN, False),
    ],
)
def test_transition_table(from_state: str, to_state: str, allowed: bool) -> None:
    assert rules.can_move(from_state, to_state) is allowed


@pytest.mark.parametrize(
    ("day", "first_next", "last"),
    [
        (date(2026, 1, 31), date(2026, 2, 1), date(2026, 1, 31)),
        (date(2026, 2, 1), date(2026, 3, 1), date(2026, 2, 28)),
        (date(2028, 2, 10), date(2028, 3, 1), date(2028, 2, 29)),
        (date(2026, 12, 5), date(2027, 1, 1), date(2026, 12, 31)),
    ],
)
def test_month_arithmetic(day: date, first_next: date, last: date) -> None:
    assert (rules.first_of_next_month(day), rules.end_of_month(day)) == (first_next, last)
