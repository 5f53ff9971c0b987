"""Annule et remplace (S20.G00.05.002 = 03), annule (04), declarations received twice, and the
intake's invariant: the same files in another order, or again, leave the same state."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import date
from itertools import permutations

import pytest
from django.test import Client

from portal.accounts.models import User
from portal.dsn.models import DeclarationStatus, DsnDeclaration, DsnFile, DsnOutcome
from portal.dsn.outcomes import OutcomeKind
from portal.dsn.tests import dsn_files
from portal.dsn.tests.test_intake import (  # noqa: F401 (the `employer` fixture)
    DUPONT,
    OTHER,
    employer,
    outcomes,
    person,
    take_in,
)
from portal.enrollment.models import Invitation, Membership, MembershipStatus
from portal.terminations.models import Termination
from portal.terminations.services import close_termination
from portal.tracking.models import Reason, Request, State

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("employer")]

Records = list[tuple[str, str]]
JUNE, JULY = "01062025", "01072025"


def martin() -> Records:
    return person(OTHER, "MARTIN", "Paul")


def ended(on: str = "30062025", motif: str = "043") -> Records:
    """DUPONT whose contract ends on `on` (S21.G00.62)."""
    records = person()
    at = [code for code, _ in records].index("S21.G00.40.009") + 1
    return [*records[:at], ("S21.G00.62.001", on), ("S21.G00.62.002", motif), *records[at:]]


def decl(
    *people: Records,
    nature: str = "01",
    kind: str = "01",
    sequence: str = "1",
    month: str = JUNE,
    own_id: str = "",
    replaced: str = "",
) -> Records:
    """One declaration (S20 … S21.G00.15) and its people."""
    header = [
        (code, {"S20.G00.05.004": sequence, "S20.G00.05.005": month}.get(code, value))
        for code, value in dsn_files.declaration(nature=nature, kind=kind)
    ]
    at = [code for code, _ in header].index("S20.G00.05.005") + 1
    if replaced:
        header.insert(at, ("S20.G00.05.006", replaced))
    if own_id:
        last = max(i for i, (code, _) in enumerate(header) if code.startswith("S20.G00.05"))
        header.insert(last + 1, ("S20.G00.96.902", own_id))
    body = list(header)
    for records in people:
        body += records
    return body


def sent(*declarations: Records, software: str = "LOGICIEL") -> bytes:
    body: Records = [r for d in declarations for r in d]
    data = dsn_files.build(body, declarations=len(declarations))
    return data.replace(b"'LOGICIEL'", f"'{software}'".encode())


def declaration(received: DsnFile, position: int = 1) -> DsnDeclaration:
    return DsnDeclaration.objects.get(file=received, position=position)


def state() -> tuple[list[tuple[str, str]], list[tuple[str, date]], list[tuple[str, str, str]]]:
    """What the intake left: the memberships in force, the live terminations and the requests
    not cancelled, by person."""
    memberships = sorted(
        (m.employee.last_name, m.status)
        for m in Membership.objects.exclude(status=MembershipStatus.CANCELLED).select_related(
            "employee"
        )
    )
    terminations = sorted(
        (t.membership.employee.last_name, t.termination_date)
        for t in Termination.objects.filter(undone_at=None).select_related("membership__employee")
    )
    requests = sorted(
        (r.employee.last_name, r.reason, r.state)
        for r in Request.objects.exclude(state=State.CANCELLED).select_related("employee")
    )
    return memberships, terminations, requests


# Monthly DSN replaced (03) ---------------------------------------------------------------------


def test_a_monthly_replacement_keeps_what_it_repeats_and_applies_what_is_new() -> None:
    first = take_in(sent(decl(person())), "juin.dsn")
    replacement = take_in(sent(decl(person(), martin(), kind="03", sequence="2")), "juin-bis.dsn")

    assert outcomes(replacement) == [
        (OutcomeKind.NO_CHANGE, "dsn_replaced", ""),
        (OutcomeKind.NO_CHANGE, "", "DUPONT Jean"),
        (OutcomeKind.AFFILIATION_CREATED, "", "MARTIN Paul"),
    ]
    replaced = declaration(first)
    assert (replaced.status, replaced.superseded_by) == (
        DeclarationStatus.REPLACED,
        declaration(replacement),
    )
    assert declaration(replacement).status == DeclarationStatus.APPLIED
    assert state()[2] == [
        ("DUPONT", Reason.AFFILIATION, State.WAITING),
        ("MARTIN", Reason.AFFILIATION, State.WAITING),
    ]
    assert Request.objects.count() == 2


def test_a_monthly_replacement_withdraws_the_waiting_affiliation_it_no_longer_declares() -> None:
    take_in(sent(decl(person(), martin())), "juin.dsn")
    replacement = take_in(sent(decl(person(), kind="03", sequence="2")), "juin-bis.dsn")

    withdrawn = DsnOutcome.objects.get(declaration__file=replacement, name="MARTIN Paul")
    assert (withdrawn.kind, withdrawn.code, withdrawn.message) == (
        OutcomeKind.AFFILIATION_UNDONE,
        "dsn_affiliation_withdrawn",
        "L'affiliation déclarée par la déclaration remplacée ou annulée n'est plus déclarée : "
        "elle est annulée, le lien d'inscription du salarié ne fonctionne plus.",
    )
    request = Request.objects.get(employee__last_name="MARTIN")
    assert request.state == State.CANCELLED
    assert withdrawn.request_id == request.pk
    membership = Membership.objects.get(employee__last_name="MARTIN")
    assert membership.status == MembershipStatus.CANCELLED
    assert Invitation.objects.get(membership=membership).revoked_at is not None
    assert Request.objects.get(employee__last_name="DUPONT").state == State.WAITING


def test_a_second_replacement_withdraws_what_the_first_kept_from_the_original() -> None:
    take_in(sent(decl(person(), martin())), "juin.dsn")
    take_in(sent(decl(person(), martin(), kind="03", sequence="2")), "juin-bis.dsn")
    second = take_in(sent(decl(person(), kind="03", sequence="3")), "juin-ter.dsn")

    assert [(kind, code, name) for kind, code, name in outcomes(second)] == [
        (OutcomeKind.NO_CHANGE, "dsn_replaced", ""),
        (OutcomeKind.AFFILIATION_UNDONE, "dsn_affiliation_withdrawn", "MARTIN Paul"),
        (OutcomeKind.NO_CHANGE, "", "DUPONT Jean"),
    ]
    assert state()[0] == [("DUPONT", MembershipStatus.PRE_ENROLLED)]
    assert list(
        DsnDeclaration.objects.order_by("pk").values_list(
            "status", "superseded_by__file__original_name"
        )
    ) == [
        (DeclarationStatus.REPLACED, "juin-bis.dsn"),
        (DeclarationStatus.REPLACED, "juin-ter.dsn"),
        (DeclarationStatus.APPLIED, None),
    ]


def test_an_affiliation_no_longer_waiting_is_an_anomaly_for_staff_not_undone() -> None:
    take_in(sent(decl(person(), martin())), "juin.dsn")
    Membership.objects.filter(employee__last_name="MARTIN").update(status=MembershipStatus.ACTIVE)
    Request.objects.filter(employee__last_name="MARTIN").update(state=State.CLOSED)

    replacement = take_in(sent(decl(person(), kind="03", sequence="2")), "juin-bis.dsn")

    anomaly = DsnOutcome.objects.get(declaration__file=replacement, name="MARTIN Paul")
    assert (anomaly.kind, anomaly.code) == (OutcomeKind.ANOMALY, "dsn_affiliation_too_late")
    assert "la demande est « Clôturée »" in anomaly.message
    assert declaration(replacement).anomaly_count == 1
    assert Membership.objects.get(employee__last_name="MARTIN").status == MembershipStatus.ACTIVE


def test_a_monthly_replacement_without_the_end_of_contract_undoes_the_termination() -> None:
    take_in(sent(decl(person())), "juin.dsn")
    take_in(sent(decl(ended(), month=JULY, sequence="2")), "juillet.dsn")
    assert Termination.objects.get().undone_at is None

    replacement = take_in(sent(decl(person(), month=JULY, kind="03", sequence="3")), "bis.dsn")

    assert [(kind, code) for kind, code, _ in outcomes(replacement)] == [
        (OutcomeKind.NO_CHANGE, "dsn_replaced"),
        (OutcomeKind.TERMINATION_UNDONE, "dsn_termination_withdrawn"),
        (OutcomeKind.NO_CHANGE, ""),
    ]
    assert Termination.objects.get().undone_at is not None
    assert Membership.objects.get().status == MembershipStatus.PRE_ENROLLED
    assert state()[2] == [("DUPONT", Reason.AFFILIATION, State.WAITING)]


def test_a_monthly_replacement_with_another_end_date_terminates_at_the_new_date() -> None:
    take_in(sent(decl(person())), "juin.dsn")
    take_in(sent(decl(ended("30062025"), month=JULY, sequence="2")), "juillet.dsn")
    replacement = take_in(
        sent(decl(ended("03072025"), month=JULY, kind="03", sequence="3")), "bis.dsn"
    )

    assert [(kind, code) for kind, code, _ in outcomes(replacement)] == [
        (OutcomeKind.NO_CHANGE, "dsn_replaced"),
        (OutcomeKind.TERMINATION_UNDONE, "dsn_termination_withdrawn"),
        (OutcomeKind.TERMINATION_CREATED, ""),
    ]
    assert state()[1] == [("DUPONT", date(2025, 7, 3))]
    assert Membership.objects.get().end_date == date(2025, 7, 3)


def test_a_monthly_replacement_repeating_the_end_of_contract_keeps_the_one_termination() -> None:
    take_in(sent(decl(person())), "juin.dsn")
    take_in(sent(decl(ended(), month=JULY, sequence="2")), "juillet.dsn")
    replacement = take_in(sent(decl(ended(), month=JULY, kind="03", sequence="3")), "bis.dsn")

    assert [(kind, code) for kind, code, _ in outcomes(replacement)] == [
        (OutcomeKind.NO_CHANGE, "dsn_replaced"),
        (OutcomeKind.NO_CHANGE, "dsn_end_already_applied"),
    ]
    assert Termination.objects.filter(undone_at=None).count() == 1
    assert Request.objects.filter(reason=Reason.TERMINATION).count() == 1


def test_a_termination_already_closed_is_an_anomaly_when_its_declaration_is_replaced() -> None:
    take_in(sent(decl(person())), "juin.dsn")
    take_in(sent(decl(ended(), month=JULY, sequence="2")), "juillet.dsn")
    close_termination(termination_id=Termination.objects.get().pk, by=None)

    replacement = take_in(sent(decl(person(), month=JULY, kind="03", sequence="3")), "bis.dsn")

    anomaly = DsnOutcome.objects.get(declaration__file=replacement, kind=OutcomeKind.ANOMALY)
    assert (anomaly.code, anomaly.name) == ("dsn_termination_too_late", "DUPONT Jean")
    assert anomaly.message.startswith("La résiliation au 30/06/2025 faite par la déclaration")
    assert Termination.objects.get().undone_at is None
    assert Membership.objects.get().status == MembershipStatus.TERMINATED


def test_a_monthly_dsn_cannot_be_cancelled_outright() -> None:
    take_in(sent(decl(person())), "juin.dsn")
    cancel = take_in(sent(decl(kind="04", sequence="2")), "annule.dsn")

    assert outcomes(cancel) == [(OutcomeKind.REJECTED, "dsn_monthly_cannot_be_cancelled", "")]
    assert declaration(cancel).status == DeclarationStatus.REJECTED
    assert Request.objects.get().state == State.WAITING


# Signalements (FCTU) cancelled (04) or replaced (03) by S20.G00.05.006 -------------------------


def fctu(*people: Records, kind: str = "01", own_id: str = "FCTU-1", replaced: str = "") -> bytes:
    sequence = {"01": "5", "03": "6", "04": "7"}[kind]
    return sent(
        decl(*people, nature="07", kind=kind, sequence=sequence, own_id=own_id, replaced=replaced)
    )


def test_an_fctu_cancelled_undoes_its_termination_and_only_it() -> None:
    take_in(sent(decl(person(), martin())), "juin.dsn")
    first = take_in(fctu(ended()), "fctu.dsn")
    assert Termination.objects.filter(undone_at=None).count() == 1

    cancel = take_in(fctu(kind="04", own_id="FCTU-2", replaced="FCTU-1"), "annule.dsn")

    assert [(kind, code) for kind, code, _ in outcomes(cancel)] == [
        (OutcomeKind.NO_CHANGE, "dsn_cancelled"),
        (OutcomeKind.TERMINATION_UNDONE, "dsn_termination_withdrawn"),
    ]
    assert (declaration(first).status, declaration(first).superseded_by) == (
        DeclarationStatus.CANCELLED,
        declaration(cancel),
    )
    assert state()[0] == [
        ("DUPONT", MembershipStatus.PRE_ENROLLED),
        ("MARTIN", MembershipStatus.PRE_ENROLLED),
    ]
    assert Termination.objects.filter(undone_at=None).count() == 0


def test_an_fctu_cancellation_received_first_makes_the_fctu_outdated() -> None:
    take_in(sent(decl(person())), "juin.dsn")
    cancel = take_in(fctu(kind="04", own_id="FCTU-2", replaced="FCTU-1"), "annule.dsn")
    assert outcomes(cancel) == [(OutcomeKind.NO_CHANGE, "dsn_cancelled_not_received", "")]

    late = take_in(fctu(ended()), "fctu.dsn")

    assert outcomes(late) == [(OutcomeKind.NO_CHANGE, "dsn_outdated", "")]
    assert (declaration(late).status, declaration(late).superseded_by) == (
        DeclarationStatus.OUTDATED,
        declaration(cancel),
    )
    assert not Termination.objects.exists()


@pytest.mark.parametrize("order", [("fctu", "bis"), ("bis", "fctu")])
def test_an_fctu_replaced_terminates_at_the_replacements_date_whatever_the_order(
    order: tuple[str, str],
) -> None:
    files = {
        "fctu": fctu(ended("30062025")),
        "bis": fctu(ended("02072025"), kind="03", own_id="FCTU-2", replaced="FCTU-1"),
    }
    take_in(sent(decl(person())), "juin.dsn")
    run(order, files)
    memberships, terminations, _ = state()
    assert memberships == [("DUPONT", MembershipStatus.TERMINATED)]
    assert terminations == [("DUPONT", date(2025, 7, 2))]
    assert (
        Request.objects.filter(reason=Reason.TERMINATION).exclude(state=State.CANCELLED).count()
        == 1
    )


def test_an_fctu_arriving_after_its_replacements_chain_is_outdated() -> None:
    take_in(sent(decl(person())), "juin.dsn")

    def signalement(kind: str, sequence: str, own_id: str, replaced: str = "") -> bytes:
        end = ended(f"0{sequence}072025")
        return sent(
            decl(end, nature="07", kind=kind, sequence=sequence, own_id=own_id, replaced=replaced)
        )

    take_in(signalement("03", "2", "FCTU-2", "FCTU-1"), "fctu-2.dsn")
    take_in(signalement("03", "3", "FCTU-3", "FCTU-2"), "fctu-3.dsn")
    late = take_in(signalement("01", "1", "FCTU-1"), "fctu-1.dsn")

    assert outcomes(late) == [(OutcomeKind.NO_CHANGE, "dsn_outdated", "")]
    assert state()[1] == [("DUPONT", date(2025, 7, 3))]


def test_a_signalement_replacing_without_its_reference_is_rejected() -> None:
    refused = take_in(fctu(ended(), kind="04", own_id="FCTU-2"), "annule.dsn")
    assert outcomes(refused) == [(OutcomeKind.REJECTED, "dsn_replaced_id_missing", "")]
    assert declaration(refused).status == DeclarationStatus.REJECTED


# Duplicates, re-runs and order independence ----------------------------------------------------


def test_the_same_declaration_received_in_another_file_is_recognised_not_applied_twice() -> None:
    first = take_in(sent(decl(ended(), month=JULY, sequence="2")), "juillet.dsn")
    again = take_in(sent(decl(ended(), month=JULY, sequence="2"), software="AUTRE"), "copie.dsn")

    assert again.pk != first.pk
    [duplicate] = DsnOutcome.objects.filter(declaration__file=again)
    assert (duplicate.kind, duplicate.code, duplicate.rubrique, duplicate.value) == (
        OutcomeKind.NO_CHANGE,
        "dsn_duplicate",
        "S20.G00.05.004",
        "2",
    )
    assert "« juillet.dsn » : elle n'est pas intégrée une seconde fois." in duplicate.message
    assert (declaration(again).status, declaration(again).superseded_by) == (
        DeclarationStatus.DUPLICATE,
        declaration(first),
    )
    with declaration(again).crm.open("rb") as handle:
        crm = ET.fromstring(handle.read())
    [retour] = crm.iter("RetourMetier")
    assert (
        retour.findtext("CodeRetourMetier"),
        retour.findtext("RubriqueBlocRetour"),
        retour.findtext("ValeurRubriqueErreur"),
    ) == ("EDEC01", "S20.G00.05.004", "2")


def test_a_monthly_replacement_received_before_the_original_makes_it_outdated() -> None:
    replacement = take_in(sent(decl(person(), kind="03", sequence="2")), "juin-bis.dsn")
    original = take_in(sent(decl(person(), martin())), "juin.dsn")

    assert outcomes(original) == [(OutcomeKind.NO_CHANGE, "dsn_outdated", "")]
    assert declaration(original).superseded_by == declaration(replacement)
    assert state()[0] == [("DUPONT", MembershipStatus.PRE_ENROLLED)]


def monthly_files() -> dict[str, bytes]:
    return {
        "june": sent(decl(person(), martin())),
        "june-bis": sent(decl(person(), kind="03", sequence="2")),
        "fctu": fctu(ended()),
        "july": sent(decl(ended(), month=JULY, sequence="3")),
    }


def run(names: Sequence[str], files: dict[str, bytes]) -> None:
    for name in names:
        take_in(files[name], f"{name}.dsn")


EXPECTED = (
    [("DUPONT", MembershipStatus.TERMINATED)],
    [("DUPONT", date(2025, 6, 30))],
    [("DUPONT", Reason.TERMINATION, State.IN_PROGRESS)],  # its affiliation request cancelled
)
FILES = ("june", "june-bis", "fctu", "july")


def test_the_same_files_again_are_recognised_and_change_nothing() -> None:
    files = monthly_files()
    run(FILES, files)
    assert state() == EXPECTED
    run(FILES[::-1], files)
    assert state() == EXPECTED
    assert DsnFile.objects.count() == 4


@pytest.mark.parametrize(
    "order",
    [
        order
        for order in permutations(FILES)
        # The original before its replacement (the other way, the original is outdated:
        # above). And the end of contract repeated once the person is known: an end received
        # before any affiliation is an anomaly for staff (person unknown), not kept for later.
        if order.index("june") < order.index("june-bis")
        and order.index("june") < max(order.index("fctu"), order.index("july"))
    ],
)
def test_the_files_taken_in_another_order_leave_the_same_state(order: tuple[str, ...]) -> None:
    run(order, monthly_files())
    assert state() == EXPECTED


def test_staff_read_in_the_report_which_declaration_was_replaced_and_what_was_withdrawn(
    staff_user: User, client: Client
) -> None:
    first = take_in(sent(decl(person(), martin())), "juin.dsn")
    replacement = take_in(sent(decl(person(), kind="03", sequence="2")), "juin-bis.dsn")
    client.force_login(staff_user)

    replaced_page = client.get(f"/backoffice/dsn/dsnfile/{first.pk}/change/").content.decode()
    page = client.get(f"/backoffice/dsn/dsnfile/{replacement.pk}/change/").content.decode()

    assert "nature 01 type 01 — Remplacée</h3>" in replaced_page
    assert "nature 01 type 03 — Intégrée</h3>" in page
    assert "Cette déclaration remplace celle reçue le " in page
    assert "dans le fichier « juin.dsn » : seuls les résultats qu&#x27;elle ne reprend pas" in page
    assert "Affiliation annulée" in page
    assert "dsn_affiliation_withdrawn" in page
