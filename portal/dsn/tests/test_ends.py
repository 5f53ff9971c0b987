"""DSN ends of contract (S21.G00.62) → terminations: each motif class, 62.016, 099, transfers,
FCTU then monthly, re-runs, a refused termination, people unknown or absent.

The inputs are small DSN texts read by `parse()`; every call runs inside a durable transaction,
as the intake's declaration does (the functions open none of their own).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import transaction

from conftest import declare, make_nir
from portal.companies.models import (
    Company,
    Contract,
    ContractKind,
    InsuredGroup,
    Product,
    ProductKind,
)
from portal.core.audit import AuditAction
from portal.core.models import AuditEvent
from portal.dsn import ends, model
from portal.dsn.errors import DsnEndError, end_crm_code
from portal.dsn.outcomes import Outcome, OutcomeKind
from portal.dsn.parsing import parse
from portal.dsn.tests.dsn_files import Record, build, declaration, individual
from portal.enrollment.models import Membership, MembershipStatus
from portal.terminations.models import Termination
from portal.terminations.rules import TerminationMotif
from portal.terminations.services import (
    cancel_termination,
    close_termination,
    terminate_membership,
)
from portal.tracking.models import Reason, Request, Source, State

TODAY = date(2024, 6, 10)
HIRED = "01032024"  # S21.G00.40.001, as the portal's hire date (conftest.declaration)
ENDED = date(2024, 5, 31)
NIR = make_nir()  # the employee declared by conftest.declare
OTHER_NIR = make_nir(order="456")


def person(
    nir: str = NIR,
    *,
    motif: str | None = "043",
    end: str = "31052024",
    keeps: bool = False,
    hired: str = HIRED,
    number: str = "00001",
    last: str = "SIMON",
    first: str = "Cédric",
) -> list[Record]:
    """One S30 with its contract (40.001 = `hired`, 40.009 = `number`), its end (S62) unless
    `motif` is None, and its affiliation."""
    records: list[Record] = []
    for code, value in individual(nir=nir[:13], last=last, first=first, number=number):
        records.append((code, hired if code == "S21.G00.40.001" else value))
        if code == "S21.G00.40.009" and motif is not None:
            records += [("S21.G00.62.001", end), ("S21.G00.62.002", motif)]
            if keeps:
                records.append(("S21.G00.62.016", "01"))
    return records


def read(*people: list[Record], nature: str = "01", kind: str = "01") -> model.Declaration:
    body: list[Record] = [*declaration(nature=nature, kind=kind)]
    for records in people:
        body += records
    [found] = parse(build(body)).declarations
    return found


def apply(declared: model.Declaration, company: Company, *, today: date = TODAY) -> list[Outcome]:
    with transaction.atomic(durable=True):  # the intake's transaction of the declaration
        return ends.apply_contract_ends(
            declared, company=company, by=None, today=today, dsn_file_id=7
        )


def kinds(outcomes: list[Outcome]) -> list[tuple[OutcomeKind, str]]:
    return [(o.kind, o.code) for o in outcomes]


@pytest.fixture
def member(company_a: Company) -> Membership:
    request = declare(company_a, nir=NIR)
    Membership.objects.filter(pk=request.membership_id).update(status=MembershipStatus.ACTIVE)
    membership: Membership = Membership.objects.get(pk=request.membership_id)
    return membership


def still_active(membership: Membership) -> bool:
    membership.refresh_from_db()
    return membership.status == MembershipStatus.ACTIVE and not Termination.objects.exists()


# Motif classes ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "motif"),
    [
        ("043", TerminationMotif.DISMISSAL_OR_MUTUAL_AGREEMENT),
        ("014", TerminationMotif.DISMISSAL_OR_MUTUAL_AGREEMENT),
        ("031", TerminationMotif.END_OF_FIXED_TERM_OR_TRIAL),
        ("034", TerminationMotif.END_OF_FIXED_TERM_OR_TRIAL),
        ("081", TerminationMotif.END_OF_FIXED_TERM_OR_TRIAL),
    ],
)
def test_a_presumed_eligible_motif_terminates_with_portability(
    company_a: Company, member: Membership, code: str, motif: TerminationMotif
) -> None:
    [outcome] = apply(read(person(motif=code)), company_a)

    termination = Termination.objects.get()
    assert (outcome.kind, outcome.code, outcome.request_id) == (
        OutcomeKind.TERMINATION_CREATED,
        "",
        termination.request_id,
    )
    assert (outcome.nir, outcome.name, outcome.rubrique, outcome.value) == (
        NIR[:13],
        "SIMON Cédric",
        "S21.G00.62.002",
        code,
    )
    assert outcome.message == (
        f"Résiliation au 31/05/2024 (motif DSN {code} : {motif.label}), portabilité : oui."
    )
    assert (termination.motif, termination.portability) == (motif, True)
    assert (termination.hire_date, termination.termination_date) == (date(2024, 3, 1), ENDED)
    # A 3-month contract (01/03 → 31/05): 3 months of portability from 01/06.
    assert termination.portability_end == date(2024, 8, 31)
    assert termination.dsn_key == ends.contract_key(NIR, date(2024, 3, 1), "00001")
    member.refresh_from_db()
    assert (member.status, member.end_date) == (MembershipStatus.TERMINATED, ENDED)
    request = termination.request
    assert (request.reason, request.source, request.state) == (
        Reason.TERMINATION,
        Source.DSN,
        State.IN_PROGRESS,
    )
    event = AuditEvent.objects.get(action=AuditAction.MEMBERSHIP_TERMINATED.value)
    assert (event.details["source"], event.details["dsn_file_id"]) == ("dsn", 7)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "motif"),
    [
        ("035", TerminationMotif.RESIGNATION),
        ("037", TerminationMotif.RESIGNATION),
        ("039", TerminationMotif.RETIREMENT),
        ("088", TerminationMotif.DISMISSAL_OR_MUTUAL_AGREEMENT),
        ("999", TerminationMotif.EXCEPTIONAL_OR_AFTER_WAIVER),
    ],
)
def test_a_presumed_not_eligible_motif_terminates_without_portability(
    company_a: Company, member: Membership, code: str, motif: TerminationMotif
) -> None:
    [outcome] = apply(read(person(motif=code)), company_a)

    termination = Termination.objects.get()
    assert outcome.kind == OutcomeKind.TERMINATION_CREATED
    assert outcome.message.endswith("portabilité : non.")
    assert (termination.motif, termination.portability, termination.portability_end) == (
        motif,
        False,
        None,
    )


@pytest.mark.django_db
def test_the_death_of_the_employee_is_the_death_motif_and_a_death_request(
    company_a: Company, member: Membership
) -> None:
    [outcome] = apply(read(person(motif="066")), company_a)

    termination = Termination.objects.get()
    assert outcome.kind == OutcomeKind.TERMINATION_CREATED
    assert (termination.motif, termination.portability) == (TerminationMotif.DEATH, False)
    assert termination.request.reason == Reason.DEATH


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["058", "059", "084", "119"])
def test_a_manual_review_motif_is_an_anomaly_and_nothing_is_terminated(
    company_a: Company, member: Membership, code: str
) -> None:
    [outcome] = apply(read(person(motif=code)), company_a)

    assert kinds([outcome]) == [(OutcomeKind.ANOMALY, "dsn_end_motif_review")]
    assert outcome.message.startswith(f"Le motif de rupture {code} (")
    assert end_crm_code(outcome.code) == "EFCT98"
    assert still_active(member)


# 62.016, transfers, 099 ------------------------------------------------------------------------


@pytest.mark.django_db
def test_maintien_de_l_affiliation_keeps_the_membership(
    company_a: Company, member: Membership
) -> None:
    [outcome] = apply(read(person(motif="031", keeps=True)), company_a)

    assert kinds([outcome]) == [(OutcomeKind.NO_CHANGE, "dsn_end_affiliation_kept")]
    assert (outcome.rubrique, outcome.value) == ("S21.G00.62.016", "01")
    assert end_crm_code(outcome.code) == "IFCT99"
    assert still_active(member)


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["100", "998"])
def test_a_transfer_without_rupture_is_no_change_and_not_terminated(
    company_a: Company, member: Membership, code: str
) -> None:
    [outcome] = apply(read(person(motif=code)), company_a)

    assert kinds([outcome]) == [(OutcomeKind.NO_CHANGE, "dsn_end_transfer")]
    assert outcome.message == DsnEndError.END_TRANSFER.text(motif=code)
    assert still_active(member)


@pytest.mark.django_db
def test_099_undoes_the_termination_of_this_contract_s_earlier_end(
    company_a: Company, member: Membership
) -> None:
    apply(read(person(motif="043"), nature="07"), company_a)
    termination = Termination.objects.get()

    [outcome] = apply(read(person(motif="099")), company_a)

    assert (outcome.kind, outcome.code, outcome.request_id) == (
        OutcomeKind.TERMINATION_UNDONE,
        "",
        termination.request_id,
    )
    member.refresh_from_db()
    assert (member.status, member.end_date) == (MembershipStatus.ACTIVE, None)
    termination.refresh_from_db()
    assert termination.undone_at is not None
    assert termination.request.state == State.CANCELLED
    # The same 099 again: already taken into account.
    [again] = apply(read(person(motif="099")), company_a)
    assert kinds([again]) == [(OutcomeKind.NO_CHANGE, "dsn_end_cancellation_already_applied")]


@pytest.mark.django_db
def test_099_of_another_contract_or_without_an_earlier_end_is_an_anomaly(
    company_a: Company, member: Membership
) -> None:
    apply(read(person(motif="043", number="00001")), company_a)

    [outcome] = apply(read(person(motif="099", number="00002")), company_a)

    assert kinds([outcome]) == [(OutcomeKind.ANOMALY, "dsn_end_cancellation_nothing_to_undo")]
    assert outcome.message == (
        "Annulation de la fin de contrat (motif 099) : aucune résiliation faite depuis la DSN "
        "pour ce contrat de travail (N° 00002, débuté le 01/03/2024) n'a été trouvée."
    )
    assert Termination.objects.get().undone_at is None


@pytest.mark.django_db
def test_099_of_a_closed_termination_is_an_anomaly_for_staff(
    company_a: Company, member: Membership
) -> None:
    apply(read(person(motif="043")), company_a)
    termination = Termination.objects.get()
    close_termination(termination_id=termination.pk, by=None)

    [outcome] = apply(read(person(motif="099")), company_a)

    assert kinds([outcome]) == [(OutcomeKind.ANOMALY, "dsn_end_cancellation_too_late")]
    termination.refresh_from_db()
    assert termination.undone_at is None


# Idempotency -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_fctu_then_the_monthly_dsn_repeating_it_make_one_termination(
    company_a: Company, member: Membership
) -> None:
    [first] = apply(read(person(motif="031"), nature="07"), company_a)
    [second] = apply(read(person(motif="031"), nature="01"), company_a)

    assert first.kind == OutcomeKind.TERMINATION_CREATED
    assert kinds([second]) == [(OutcomeKind.NO_CHANGE, "dsn_end_already_applied")]
    assert second.message == (
        "Cette fin de contrat a déjà été prise en compte (résiliation au 31/05/2024) : "
        "aucun changement."
    )
    assert Termination.objects.count() == 1
    assert Request.objects.filter(reason=Reason.TERMINATION).count() == 1


@pytest.mark.django_db
def test_an_end_whose_termination_staff_cancelled_is_not_terminated_again_by_the_next_dsn(
    company_a: Company, member: Membership
) -> None:
    [first] = apply(read(person(motif="043"), nature="07"), company_a)
    cancelled = Termination.objects.get()
    cancel_termination(termination_id=cancelled.pk, reason="Salarié réintégré", by=None)

    [repeated] = apply(read(person(motif="043")), company_a)

    assert first.kind == OutcomeKind.TERMINATION_CREATED
    assert kinds([repeated]) == [(OutcomeKind.ANOMALY, "dsn_end_cancelled_by_staff")]
    assert repeated.message == (
        "Cette fin de contrat au 31/05/2024 a déjà été déclarée et sa résiliation a été "
        "annulée par nos services : elle n'est pas refaite automatiquement, à examiner."
    )
    assert (repeated.rubrique, repeated.value) == ("S21.G00.62.002", "043")
    assert end_crm_code(repeated.code) == "EFCT98"
    assert still_active_after_cancel(member)
    # A new end of the same contract (another date) is a new termination.
    [later] = apply(read(person(motif="043", end="30062024")), company_a)
    assert later.kind == OutcomeKind.TERMINATION_CREATED
    assert Termination.objects.filter(undone_at=None).get().termination_date == date(2024, 6, 30)


def still_active_after_cancel(membership: Membership) -> bool:
    membership.refresh_from_db()
    return (
        membership.status == MembershipStatus.ACTIVE
        and Termination.objects.filter(undone_at=None).count() == 0
        and Termination.objects.count() == 1
    )


@pytest.mark.django_db
def test_running_the_same_declaration_again_changes_nothing(
    company_a: Company, member: Membership
) -> None:
    declared = read(person(motif="043"), person(OTHER_NIR, motif="059", last="MARTIN"))
    apply(declared, company_a)
    before = (Termination.objects.count(), Request.objects.count(), AuditEvent.objects.count())

    again = apply(declared, company_a)

    assert kinds(again) == [
        (OutcomeKind.NO_CHANGE, "dsn_end_already_applied"),
        (OutcomeKind.ANOMALY, "dsn_end_person_unknown"),
    ]
    after = (Termination.objects.count(), Request.objects.count(), AuditEvent.objects.count())
    assert after == before == (1, 2, before[2])


@pytest.mark.django_db
def test_an_employee_already_terminated_in_the_portal_is_no_change(
    company_a: Company, member: Membership
) -> None:
    terminate_membership(
        company=company_a,
        membership_id=member.pk,
        hire_date=date(2024, 3, 1),
        termination_date=date(2024, 5, 15),
        motif=TerminationMotif.RESIGNATION,
        portability=None,
        by=None,
        today=TODAY,
    )

    [outcome] = apply(read(person(motif="043")), company_a)

    assert kinds([outcome]) == [(OutcomeKind.NO_CHANGE, "dsn_end_already_terminated")]
    assert outcome.message == (
        "Ce salarié est déjà radié dans le portail (au 15/05/2024) : aucun changement."
    )
    assert Termination.objects.get().termination_date == date(2024, 5, 15)


# Refusals and unknown people -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_too_retroactive_end_is_rejected_with_the_rule_s_message_and_nothing_is_saved(
    company_a: Company, member: Membership
) -> None:
    late = TODAY + timedelta(days=120)  # 31/05 is more than 62 days back
    events = AuditEvent.objects.count()

    [outcome] = apply(read(person(motif="043")), company_a, today=late)

    assert (outcome.kind, outcome.code) == (OutcomeKind.REJECTED, "too_retroactive")
    assert outcome.message.startswith(
        "La « Date de résiliation » (31/05/2024) ne peut pas être antérieure au "
    )
    assert end_crm_code(outcome.code) == "EFCT98"
    assert still_active(member)
    assert not Request.objects.filter(reason=Reason.TERMINATION).exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_an_unknown_person_is_an_anomaly(company_a: Company, member: Membership) -> None:
    [outcome] = apply(read(person(OTHER_NIR, motif="043", last="MARTIN")), company_a)

    assert kinds([outcome]) == [(OutcomeKind.ANOMALY, "dsn_end_person_unknown")]
    assert (outcome.nir, outcome.name) == (OTHER_NIR[:13], "MARTIN Cédric")
    assert still_active(member)


@pytest.mark.django_db
def test_a_person_of_another_company_is_unknown_here(
    company_a: Company, company_b: Company, member: Membership
) -> None:
    [outcome] = apply(read(person(motif="043")), company_b)

    assert kinds([outcome]) == [(OutcomeKind.ANOMALY, "dsn_end_person_unknown")]
    assert still_active(member)


@pytest.mark.django_db
def test_an_end_of_the_employment_contract_ends_every_contract_of_the_employee(
    company_a: Company,
) -> None:
    contract = Contract.objects.create(
        company=company_a,
        number="P0001",
        kind=ContractKind.PROVIDENT,
        start_date=date(2024, 1, 1),
        beneficiary_designation=True,
    )
    product = Product.objects.create(code="PRV/01", label="Prévoyance", kind=ProductKind.BASE)
    provident = InsuredGroup.objects.create(
        contract=contract, code="PREV01", label="Cadres", base_product=product
    )
    health = InsuredGroup.objects.get(contract__company=company_a, contract__kind="health")
    declare(company_a, nir=NIR, insured_group_ids=[health.pk, provident.pk])
    Membership.objects.update(status=MembershipStatus.ACTIVE)

    outcomes = apply(read(person(motif="043")), company_a)

    assert [o.kind for o in outcomes] == [OutcomeKind.TERMINATION_CREATED] * 2
    assert sorted(Termination.objects.values_list("membership__contract__kind", flat=True)) == [
        "health",
        "provident",
    ]
    assert set(Membership.objects.values_list("status", flat=True)) == {MembershipStatus.TERMINATED}


# Absent from the monthly DSN -------------------------------------------------------------------


@pytest.mark.django_db
def test_an_affiliated_employee_absent_from_the_monthly_dsn_is_an_anomaly_never_terminated(
    company_a: Company, member: Membership
) -> None:
    declared = read(person(OTHER_NIR, motif=None, last="MARTIN"))

    outcomes = ends.absent_affiliated(declared, company=company_a)

    assert kinds(outcomes) == [(OutcomeKind.ANOMALY, "dsn_end_absent_from_monthly")]
    assert (outcomes[0].nir, outcomes[0].name) == (NIR, "SIMON Cédric")
    assert still_active(member)


@pytest.mark.django_db
def test_an_employee_present_in_the_monthly_dsn_or_an_fctu_raises_no_absence(
    company_a: Company, member: Membership
) -> None:
    assert ends.absent_affiliated(read(person(motif=None)), company=company_a) == []
    fctu = read(person(OTHER_NIR, motif="043"), nature="07")
    assert ends.absent_affiliated(fctu, company=company_a) == []
