"""The intake applies a declaration a batch of individuals at a time (never the whole
declaration in memory), in the declaration's one transaction, with the outcomes of one batch."""

from __future__ import annotations

import io

import pytest

from portal.dsn import processing
from portal.dsn.models import DsnDeclaration, DsnFile
from portal.dsn.outcomes import OutcomeKind
from portal.dsn.tests.test_intake import (  # noqa: F401 (the fixture)
    DUPONT,
    OTHER,
    employer,
    monthly,
    outcomes,
    person,
    take_in,
)
from portal.enrollment.models import Membership, MembershipStatus

THIRD = "2889975999003"
FOURTH = "1879975999004"
ABSENT = "2849975999005"


def ended(records: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The person's records with an end of contract (S62, rupture conventionnelle)."""
    return [
        *[r for r in records if r[0] <= "S21.G00.40.009"],
        ("S21.G00.62.001", "30062025"),
        ("S21.G00.62.002", "043"),
        *[r for r in records if r[0] > "S21.G00.40.009"],
    ]


@pytest.mark.django_db
@pytest.mark.usefixtures("employer")
@pytest.mark.parametrize("batch", [1, 2, 1000])
def test_a_declaration_larger_than_a_batch_has_the_outcomes_of_one_batch(
    monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    take_in(monthly(person(), person(ABSENT, "LEROY", "Anne", population="NONCADRES")))
    monkeypatch.setattr(processing, "BATCH", batch)
    july = take_in(
        monthly(
            person(OTHER, "MARTIN", "Paul"),
            ended(person()),
            person(THIRD, "PETIT", "Julie", option="ISOLE"),
            person(FOURTH, "ROBERT", "Louis", population="INCONNUE"),
            month="01072025",
        ),
        "juillet.dsn",
    )
    # Affiliations in the file's order, then the ends, then the absent: as in one batch.
    assert [(kind, name) for kind, _, name in outcomes(july)] == [
        (OutcomeKind.AFFILIATION_CREATED, "MARTIN Paul"),
        (OutcomeKind.AFFILIATION_CREATED, "PETIT Julie"),
        (OutcomeKind.REJECTED, "ROBERT Louis"),
        (OutcomeKind.TERMINATION_CREATED, "DUPONT Jean"),
        (OutcomeKind.ANOMALY, "LEROY Anne"),
    ]
    declaration = DsnDeclaration.objects.get(file=july)
    assert (
        declaration.individual_count,
        declaration.affiliation_count,
        declaration.termination_count,
        declaration.rejected_count,
        declaration.anomaly_count,
    ) == (4, 2, 1, 1, 1)
    assert DsnFile.objects.get(pk=july.pk).individual_count == 4
    assert Membership.objects.get(employee__last_name="DUPONT").status == (
        MembershipStatus.TERMINATED
    )
    assert Membership.objects.get(employee__last_name="LEROY").status == (
        MembershipStatus.PRE_ENROLLED
    )


def test_the_intake_reads_a_declaration_in_batches_and_never_holds_it_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(processing, "BATCH", 2)
    people = [person(f"1{80 + n}9975999{n:03d}", "NOM", "Jean") for n in range(1, 6)]
    read = [
        (position, declaration, [len(batch) for batch in batches], len(declaration.individuals))
        for position, _, declaration, batches in processing._declarations(
            io.BytesIO(monthly(*people)), 0
        )
    ]
    assert [(position, sizes, held) for position, _, sizes, held in read] == [(1, [2, 2, 1], 0)]
    assert read[0][1].individual_count == 5


def test_a_declaration_already_applied_is_skipped_with_its_individuals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(processing, "BATCH", 2)
    data = monthly(person(DUPONT), person(OTHER, "MARTIN", "Paul"))
    assert list(processing._declarations(io.BytesIO(data), 1)) == []


@pytest.mark.django_db
@pytest.mark.usefixtures("employer")
@pytest.mark.parametrize("batch", [1, 2, 1000])
def test_the_same_person_twice_in_a_declaration_is_an_anomaly_on_the_second_whatever_the_batch(
    monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    monkeypatch.setattr(processing, "BATCH", batch)
    data = monthly(
        person(),
        person(OTHER, "MARTIN", "Paul"),
        person(THIRD, "PETIT", "Julie", option="ISOLE"),
        person(DUPONT, "DUPONT", "Jean", option="ISOLE"),
    )
    received = take_in(data)
    assert [(kind, code, name) for kind, code, name in outcomes(received)] == [
        (OutcomeKind.AFFILIATION_CREATED, "", "DUPONT Jean"),
        (OutcomeKind.AFFILIATION_CREATED, "", "MARTIN Paul"),
        (OutcomeKind.AFFILIATION_CREATED, "", "PETIT Julie"),
        (OutcomeKind.ANOMALY, "eind03", "DUPONT Jean"),
    ]
    lines = data.decode("latin-1").splitlines()
    first, second = (n for n, line in enumerate(lines, 1) if line == f"S21.G00.30.001,'{DUPONT}'")
    twice = DsnDeclaration.objects.get(file=received).outcomes.get(code="eind03")
    assert (twice.line, twice.rubrique, twice.value) == (second, "S21.G00.30.001", DUPONT)
    assert twice.message == (
        f"Ce salarié (même NIR) est déjà déclaré ligne {first} de cette déclaration : ce "
        "second individu n'est pas intégré, à examiner."
    )
    assert Membership.objects.filter(employee__last_name="DUPONT").count() == 1
    assert DsnDeclaration.objects.get(file=received).anomaly_count == 1
