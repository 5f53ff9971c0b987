"""A DSN line outside the norm's character set: the form's code and message, nobody declared."""

from __future__ import annotations

import pytest

from portal.dsn.models import DsnOutcome
from portal.dsn.outcomes import OutcomeKind
from portal.dsn.tests.test_intake import employer, monthly, person, take_in  # noqa: F401
from portal.enrollment.models import Employee

NAME = (
    "Le champ « {} » ne peut contenir que des lettres, des espaces, des traits d'union et des "
    "apostrophes."
)
ADDRESS = (
    "Le champ « {} » ne peut contenir que des lettres, des chiffres, des espaces, des traits "
    "d'union, des apostrophes et des points."
)


@pytest.mark.django_db
@pytest.mark.usefixtures("employer")
@pytest.mark.parametrize(
    ("last", "first", "extra", "code", "rubrique", "message"),
    [
        ("DUP<ONT>", "Jean", [], "name_invalid", "S21.G00.30.002", NAME.format("Nom")),
        ("DUPONT", "Je\x07an", [], "name_invalid", "S21.G00.30.004", NAME.format("Prénom")),
        (
            "DUPONT",
            "Jean",
            [
                ("S21.G00.30.008", "1 RUE <B>HAUTE</B>"),
                ("S21.G00.30.009", "92000"),
                ("S21.G00.30.010", "NANTERRE"),
            ],
            "address_characters_invalid",
            "S21.G00.30.008",
            ADDRESS.format("Libellé de la voie"),
        ),
    ],
)
def test_a_dsn_line_outside_the_character_set_is_rejected_with_the_forms_message(
    last: str, first: str, extra: list[tuple[str, str]], code: str, rubrique: str, message: str
) -> None:
    # A valid e-mail whatever the name (the fixture makes it from the name).
    records = [
        (rubrique, "jean.dupont@example.org" if rubrique == "S21.G00.30.018" else value)
        for rubrique, value in person(last=last, first=first)
    ]
    # The address rubriques in the individual's block, after the birth date (30.006).
    at = [rubrique for rubrique, _ in records].index("S21.G00.30.006") + 1
    records[at:at] = extra
    received = take_in(monthly(records))
    rejected = DsnOutcome.objects.get(declaration__file=received, code=code)
    assert (rejected.kind, rejected.rubrique, rejected.message) == (
        OutcomeKind.REJECTED,
        rubrique,
        message,
    )
    assert not Employee.objects.exists()
