"""The DSN intake: a file received once, read, its declarations applied one by one (one
transaction each, resumable), each affiliation mapped by the contracts' DSN parameters."""

from __future__ import annotations

import signal
from collections.abc import Sequence
from datetime import date, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from portal.accounts.models import User
from portal.companies.models import (
    AccountManager,
    Company,
    Contract,
    ContractKind,
    InsuredGroup,
    Product,
    ProductKind,
)
from portal.core.crypto import digest
from portal.core.models import JobLease
from portal.core.tests.workers import DATABASE_QUEUE, shared_database
from portal.dsn import processing, services
from portal.dsn.mapping import nir15
from portal.dsn.models import (
    ContractOption,
    ContractPopulation,
    DeclarationStatus,
    DsnDeclaration,
    DsnFile,
    DsnFileStatus,
    DsnOutcome,
)
from portal.dsn.outcomes import OutcomeKind
from portal.dsn.tasks import process_dsn_file
from portal.dsn.tests import dsn_files
from portal.enrollment.dossiers import Dossier
from portal.enrollment.models import (
    Dependant,
    Employee,
    Invitation,
    Membership,
    MembershipStatus,
)
from portal.notifications.models import Channel, OutboundMessage
from portal.tracking.models import Reason, Request, Source

SAMPLES = Path(__file__).parent / "samples"  # copies of ../shared/dsn/samples (NOTICE)
SYNTHETIC = SAMPLES / "synthetic_mensuelle_P25V01_affiliations_radiations.dsn"
JIKEN = SAMPLES / "jikenlabs_open-neodes_test_fragment_affiliation_ayantdroit.dsn"
TODAY = date(2025, 7, 5)  # the week after the June 2025 DSN of the samples
DUPONT = "1859975999001"
OTHER = "1869975999002"


@pytest.fixture
def employer(manager: AccountManager, base_product: Product) -> Company:
    """The samples' establishment (SIREN 999000003, NIC 00015) with the samples' contracts
    parameterised: health SANTE-COLL-0001/A99999, provident PREV-COLL-0002/P9999."""
    company = Company.objects.create(
        legal_name="SOCIETE FICTIVE SAS",
        siret="99900000300015",
        address_street="1 RUE DE L EXEMPLE",
        postal_code="75010",
        city="PARIS",
        account_manager=manager,
    )
    family = Product.objects.create(code="OPT/FAM", label="Famille", kind=ProductKind.OPTION)
    health = Contract.objects.create(
        company=company,
        number="S0001",
        kind=ContractKind.HEALTH,
        start_date=date(2024, 1, 1),
        dsn_reference="SANTE-COLL-0001",
        dsn_organisme="A99999",
    )
    provident = Contract.objects.create(
        company=company,
        number="P0001",
        kind=ContractKind.PROVIDENT,
        start_date=date(2024, 1, 1),
        dsn_reference="PREV-COLL-0002",
        dsn_organisme="P9999",
    )
    for contract in (health, provident):
        managers = InsuredGroup.objects.create(
            contract=contract,
            code=f"{contract.number}-C",
            label="Cadres",
            base_product=base_product,
        )
        staff = InsuredGroup.objects.create(
            contract=contract,
            code=f"{contract.number}-NC",
            label="Non-cadres",
            base_product=base_product,
        )
        ContractPopulation.objects.create(contract=contract, code="CADRES", insured_group=managers)
        ContractPopulation.objects.create(contract=contract, code="NONCADRES", insured_group=staff)
    health.insured_groups.get(code="S0001-C").option_products.add(family)
    ContractOption.objects.create(contract=health, code="FAMILLE", product=family)
    for code in ("ISOLE", "DUO"):
        ContractOption.objects.create(contract=health, code=code, product=None)
    return company


def person(
    nir: str = DUPONT,
    last: str = "DUPONT",
    first: str = "Jean",
    *,
    option: str = "FAMILLE",
    population: str = "CADRES",
    hired: str = "02062025",
    extra: Sequence[tuple[str, str]] = (),
) -> list[tuple[str, str]]:
    """One employee (born in March of the NIR's year), hired on 2 June 2025, with an e-mail,
    on the health contract."""
    return [
        ("S21.G00.30.001", nir),
        ("S21.G00.30.002", last),
        ("S21.G00.30.004", first),
        ("S21.G00.30.005", "01" if nir[0] == "1" else "02"),
        ("S21.G00.30.006", f"150319{nir[1:3]}"),
        ("S21.G00.30.013", "01"),
        ("S21.G00.30.014", "75"),
        ("S21.G00.30.015", "FR"),
        ("S21.G00.30.018", f"{first.lower()}.{last.lower()}@example.org"),
        ("S21.G00.40.001", hired),
        ("S21.G00.40.002", "04"),
        ("S21.G00.40.003", "01"),
        ("S21.G00.40.007", "01"),
        ("S21.G00.40.009", "00001"),
        ("S21.G00.70.004", option),
        ("S21.G00.70.005", population),
        ("S21.G00.70.012", "1"),
        ("S21.G00.70.013", "1"),
        *extra,
    ]


def monthly(*people: list[tuple[str, str]], siren: str = "999000003", month: str = "") -> bytes:
    body: list[tuple[str, str]] = dsn_files.declaration(siren=siren)
    if month:
        body = [(k, month if k == "S20.G00.05.005" else v) for k, v in body]
    for records in people or (person(),):
        body += records
    return dsn_files.build(body)


def take_in(
    data: bytes,
    name: str = "dsn.txt",
    *,
    by: User | None = None,
    capture: Any = None,
    **options: Any,
) -> DsnFile:
    """Receive a file (the worker is stopped: nothing queued runs) and process it now."""
    received, _ = services.receive_file(name, data, by)
    return processing.process(received.pk, today=TODAY, **options)


def outcomes(received: DsnFile) -> list[tuple[str, str, str]]:
    return [
        (o.kind, o.code, o.name)
        for o in DsnOutcome.objects.filter(declaration__file=received).order_by(
            "declaration__position", "position"
        )
    ]


def real(sample: Path) -> bytes:
    """The sample as a real envoi (the synthetic one is a test send, S10.G00.00.005='01')."""
    return sample.read_bytes().replace(b"S10.G00.00.005,'01'", b"S10.G00.00.005,'02'")


@pytest.mark.django_db
def test_the_synthetic_sample_as_sent_is_a_test_envoi_recorded_and_never_integrated(
    employer: Company,
) -> None:
    received = take_in(SYNTHETIC.read_bytes(), SYNTHETIC.name)
    assert (received.status, received.test, received.declared_version) == (
        DsnFileStatus.DONE,
        True,
        "P25V01",
    )
    declaration = received.declarations.get()
    assert (declaration.status, declaration.siret, declaration.individual_count) == (
        DeclarationStatus.TEST,
        "99900000300015",
        4,
    )
    assert outcomes(received) == []
    assert not Employee.objects.exists()
    assert not Request.objects.exists()


@pytest.mark.django_db
def test_the_synthetic_sample_affiliates_the_new_hire_with_dependants_and_rejects_by_the_rules(
    employer: Company,
) -> None:
    received = take_in(real(SYNTHETIC), SYNTHETIC.name)
    assert (received.status, received.declarations_total, received.declarations_done) == (
        DsnFileStatus.DONE,
        1,
        1,
    )
    # DUPONT (hired 2 June) joins both contracts; DURAND and PETIT, hired in January 2025
    # and 2020, are over the 62 days the form allows too. Then the ends of contract: MARTIN's
    # (unknown in the portal), DURAND's keeping the affiliation (62.016), PETIT's 099 with no
    # earlier termination to undo.
    found = outcomes(received)
    assert found[0] == (OutcomeKind.AFFILIATION_CREATED, "", "DUPONT Jean")
    assert [(kind, code, name) for kind, code, name in found[1:]] == [
        (OutcomeKind.REJECTED, "too_retroactive", "DURAND Paul"),
        (OutcomeKind.REJECTED, "effective_before_contract", "PETIT Anne-Marie"),
        (OutcomeKind.ANOMALY, "dsn_end_person_unknown", "MARTIN Zoé"),
        (OutcomeKind.NO_CHANGE, "dsn_end_affiliation_kept", "DURAND Paul"),
        (OutcomeKind.ANOMALY, "dsn_end_cancellation_nothing_to_undo", "PETIT Anne-Marie"),
    ]
    rejected = DsnOutcome.objects.filter(kind=OutcomeKind.REJECTED).order_by("position")
    assert [(o.code, o.rubrique, o.line) for o in rejected] == [
        ("too_retroactive", "S21.G00.70.014", 205),
        ("effective_before_contract", "S21.G00.70.014", 269),
    ]
    assert rejected[0].message == (
        "La « Date d'effet du contrat » (01/01/2025) ne peut pas être antérieure au 04/05/2025 : "
        "la rétroactivité est limitée à 62 jours avant aujourd'hui. Vérifiez l'année ; pour une "
        "date plus ancienne, contactez votre service relation entreprise."
    )
    employee = Employee.objects.get()
    assert (employee.last_name, employee.nir, employee.street_number, employee.postal_code) == (
        "DUPONT",
        nir15(DUPONT),
        "2",
        "75011",
    )
    memberships = Membership.objects.filter(employee=employee).order_by("contract__kind")
    assert [(m.contract.number, m.insured_group.code) for m in memberships] == [
        ("S0001", "S0001-C"),
        ("P0001", "P0001-C"),
    ]
    request = Request.objects.get(reason=Reason.AFFILIATION, employee=employee)
    assert request.source == Source.DSN
    stored = DsnOutcome.objects.get(kind=OutcomeKind.AFFILIATION_CREATED)
    assert stored.request_id == request.pk
    assert stored.nir == DUPONT and stored.nir_digest == digest(nir15(DUPONT))
    health = memberships.get(contract__kind=ContractKind.HEALTH)
    assert [
        (d.kind, d.last_name, d.first_name, d.birth_date)
        for d in Dependant.objects.filter(membership=health)
    ] == [
        ("spouse", "DUPONT", "Hélène", date(1987, 4, 20)),
        ("child", "DUPONT", "Lucas", date(2015, 9, 10)),
    ]
    # No e-mail in the DSN: the two letters of the invitation, and the 60-day link.
    letters = OutboundMessage.objects.filter(channel=Channel.LETTER)
    assert sorted(letters.values_list("template", flat=True)) == ["letter_login", "letter_password"]
    assert Invitation.objects.filter(membership__employee=employee).count() >= 1
    assert (received.affiliation_count, received.rejected_count, received.individual_count) == (
        1,
        2,
        4,
    )


@pytest.mark.django_db
def test_a_person_declared_gets_the_invitation_email_and_a_dsn_request(employer: Company) -> None:
    received = take_in(monthly())
    (stored,) = DsnOutcome.objects.filter(declaration__file=received)
    assert (stored.kind, stored.name, stored.option, stored.population) == (
        OutcomeKind.AFFILIATION_CREATED,
        "DUPONT Jean",
        "FAMILLE",
        "CADRES",
    )
    assert stored.request_id is not None
    request = Request.objects.get(pk=stored.request_id)
    assert (request.reason, request.source, request.company_id) == (
        Reason.AFFILIATION,
        Source.DSN,
        employer.pk,
    )
    assert OutboundMessage.objects.filter(
        channel=Channel.EMAIL, recipient="jean.dupont@example.org"
    ).exists()
    membership = Membership.objects.get()
    assert (membership.contract.number, membership.effective_date) == ("S0001", date(2025, 6, 2))
    invitation = Invitation.objects.get(membership=membership)
    assert (invitation.expires_at - invitation.sent_at).days == 60


@pytest.mark.django_db
def test_the_affiliation_start_date_is_the_effective_date_when_given(employer: Company) -> None:
    take_in(monthly(person(extra=[("S21.G00.70.014", "15062025")])))
    assert Membership.objects.get().effective_date == date(2025, 6, 15)


@pytest.mark.django_db
def test_the_same_file_twice_is_the_file_received_and_not_applied_again(employer: Company) -> None:
    data = monthly()
    first = take_in(data)
    again, new = services.receive_file("copie.dsn", data, None)
    processing.process(again.pk, today=TODAY)
    assert (again.pk, new) == (first.pk, False)
    assert DsnFile.objects.count() == 1
    assert Employee.objects.count() == 1
    assert DsnOutcome.objects.count() == 1


@pytest.mark.django_db
def test_a_repeated_monthly_declaration_is_no_change(employer: Company) -> None:
    take_in(monthly())
    july = take_in(monthly(month="01072025"), "juillet.dsn")
    assert outcomes(july) == [(OutcomeKind.NO_CHANGE, "", "DUPONT Jean")]
    assert Employee.objects.count() == 1
    assert Request.objects.count() == 1


@pytest.mark.django_db
def test_a_changed_option_or_population_is_a_change_reported_not_applied(
    employer: Company,
) -> None:
    take_in(monthly())
    july = take_in(monthly(person(option="ISOLE"), month="01072025"), "juillet.dsn")
    (change,) = DsnOutcome.objects.filter(declaration__file=july)
    assert (change.kind, change.code, change.rubrique, change.value) == (
        OutcomeKind.CHANGE,
        "iaff03",
        "S21.G00.70.004",
        "ISOLE",
    )
    assert change.message == (
        "Le code option passe de FAMILLE à ISOLE : changement à examiner, non appliqué."
    )
    august = take_in(
        monthly(person(option="ISOLE", population="NONCADRES"), month="01082025"), "aout.dsn"
    )
    assert outcomes(august) == [(OutcomeKind.CHANGE, "iaff06", "DUPONT Jean")]
    assert Membership.objects.get().insured_group.code == "S0001-C"  # not applied
    assert (july.change_count, DsnFile.objects.get(pk=august.pk).change_count) == (1, 1)


@pytest.mark.django_db
def test_a_person_already_declared_by_the_form_is_no_change(employer: Company) -> None:
    from conftest import declare

    declare(
        employer,
        nir=nir15(DUPONT),
        birth_date=date(1985, 3, 15),
        insured_group_ids=[InsuredGroup.objects.get(code="S0001-C").pk],
    )
    received = take_in(monthly())
    assert outcomes(received) == [(OutcomeKind.NO_CHANGE, "", "DUPONT Jean")]
    assert Request.objects.count() == 1


@pytest.mark.django_db
def test_a_test_envoi_is_recorded_and_never_integrated(employer: Company) -> None:
    data = monthly().replace(b"S10.G00.00.005,'02'", b"S10.G00.00.005,'01'")
    received = take_in(data)
    assert received.test is True
    assert received.declarations.get().status == DeclarationStatus.TEST
    assert not Employee.objects.exists()


@pytest.mark.django_db
def test_an_unknown_siret_rejects_the_declaration(employer: Company) -> None:
    received = take_in(monthly(siren="123456789"))
    declaration = received.declarations.get()
    assert (declaration.status, declaration.company_id, declaration.rejected_count) == (
        DeclarationStatus.REJECTED,
        None,
        1,
    )
    (rejected,) = DsnOutcome.objects.filter(declaration=declaration)
    assert (rejected.code, rejected.rubrique, rejected.value) == (
        "eetb01",
        "S21.G00.11.001",
        "12345678900015",
    )
    assert rejected.message == (
        "L'établissement de SIRET 12345678900015 n'est pas une entreprise cliente du portail : "
        "la déclaration n'est pas intégrée."
    )
    assert not Employee.objects.exists()


@pytest.mark.django_db
def test_the_open_neodes_fragment_of_an_unknown_establishment_is_rejected(
    employer: Company,
) -> None:
    received = take_in(JIKEN.read_bytes(), JIKEN.name)
    assert received.status == DsnFileStatus.DONE
    assert outcomes(received) == [(OutcomeKind.REJECTED, "eetb01", "")]


@pytest.mark.django_db
def test_an_unknown_contract_reference_or_organisme_is_a_business_return(
    employer: Company,
) -> None:
    data = monthly().replace(b"'SANTE-COLL-0001'", b"'SANTE-XXX'")
    received = take_in(data)
    (rejected,) = DsnOutcome.objects.filter(declaration__file=received)
    assert (rejected.kind, rejected.code, rejected.rubrique, rejected.value) == (
        OutcomeKind.REJECTED,
        "eadh02",
        "S21.G00.15.001",
        "SANTE-XXX",
    )
    lines = data.decode("latin-1").splitlines()
    assert rejected.line is not None
    assert lines[rejected.line - 1] == "S21.G00.15.001,'SANTE-XXX'"
    assert rejected.message == (
        "La référence contrat SANTE-XXX (S21.G00.15.001) ne correspond à aucun contrat de "
        "l'entreprise."
    )
    other = take_in(monthly().replace(b"'A99999'", b"'B11111'"), "autre.dsn")
    assert outcomes(other) == [(OutcomeKind.REJECTED, "eadh03", "")]
    assert not Employee.objects.exists()


@pytest.mark.django_db
def test_a_delegataire_other_than_the_contracts_is_the_business_return_eadh04(
    employer: Company,
) -> None:
    Contract.objects.filter(dsn_reference="SANTE-COLL-0001").update(dsn_delegataire="D12345")

    def with_delegataire(code: str) -> bytes:
        body: list[tuple[str, str]] = []
        for key, value in dsn_files.declaration(siren="999000003"):
            body.append((key, value))
            if (key, value) == ("S21.G00.15.002", "A99999"):
                body.append(("S21.G00.15.003", code))
        return dsn_files.build(body + person())

    wrong = with_delegataire("D99999")
    received = take_in(wrong)
    (rejected,) = DsnOutcome.objects.filter(declaration__file=received)
    assert (rejected.kind, rejected.code, rejected.rubrique, rejected.value) == (
        OutcomeKind.REJECTED,
        "eadh04",
        "S21.G00.15.003",
        "D99999",
    )
    lines = wrong.decode("latin-1").splitlines()
    assert rejected.line is not None
    assert lines[rejected.line - 1] == "S21.G00.15.003,'D99999'"
    assert rejected.message == (
        "Le code délégataire D99999 (S21.G00.15.003) ne correspond pas au contrat SANTE-COLL-0001."
    )
    missing = take_in(monthly(), "sans-delegataire.dsn")
    assert outcomes(missing) == [(OutcomeKind.REJECTED, "eadh04", "")]
    assert not Employee.objects.exists()
    right = take_in(with_delegataire("D12345"), "bon-delegataire.dsn")
    assert [kind for kind, _, _ in outcomes(right)] == [OutcomeKind.AFFILIATION_CREATED]
    assert Employee.objects.count() == 1


@pytest.mark.django_db
def test_an_unknown_option_or_population_rejects_the_affiliation(employer: Company) -> None:
    received = take_in(
        monthly(
            person(option="PREMIUM"),
            person("2909913999003", "MARTIN", "Zoe", option="ISOLE", population="STAGIAIRES"),
        )
    )
    found = DsnOutcome.objects.filter(declaration__file=received).order_by("position")
    assert [(o.kind, o.code, o.rubrique, o.value, o.name) for o in found] == [
        (OutcomeKind.REJECTED, "eaff03", "S21.G00.70.004", "PREMIUM", "DUPONT Jean"),
        (OutcomeKind.REJECTED, "eaff06", "S21.G00.70.005", "STAGIAIRES", "MARTIN Zoe"),
    ]
    assert found[1].message == (
        "Le code population STAGIAIRES (S21.G00.70.005) n'est pas prévu par le contrat "
        "SANTE-COLL-0001."
    )
    assert not Employee.objects.exists()


@pytest.mark.django_db
def test_an_affiliation_ended_without_end_of_contract_is_an_anomaly_for_staff(
    employer: Company,
) -> None:
    received = take_in(monthly(person(extra=[("S21.G00.70.015", "30062025")])))
    (anomaly,) = DsnOutcome.objects.filter(declaration__file=received)
    assert (anomaly.kind, anomaly.code, anomaly.value) == (
        OutcomeKind.ANOMALY,
        "iaff15",
        "30062025",
    )
    assert received.anomaly_count == 1
    assert not Employee.objects.exists()


@pytest.mark.django_db
def test_a_rule_refusal_is_rejected_with_the_forms_code_and_message(employer: Company) -> None:
    received = take_in(monthly(person(first="J3an")))
    (rejected,) = DsnOutcome.objects.filter(declaration__file=received)
    assert (rejected.kind, rejected.code, rejected.rubrique) == (
        OutcomeKind.REJECTED,
        "name_invalid",
        "S21.G00.30.004",
    )
    assert rejected.message == (
        "Le champ « Prénom » ne peut contenir que des lettres, des espaces, des traits d'union "
        "et des apostrophes."
    )


@pytest.mark.django_db
def test_a_stopped_intake_resumes_at_its_next_declaration_without_doubling(
    employer: Company,
) -> None:
    body: list[Any] = []
    people = [
        ("1859975999001", "DUPONT", "Jean"),
        ("2909913999003", "MARTIN", "Zoe"),
        ("1959931999004", "DURAND", "Paul"),
    ]
    for nir, last, first in people:
        body += [*dsn_files.declaration(), *person(nir, last, first)]
    data = dsn_files.build(body, declarations=3)
    received, _ = services.receive_file("trois.dsn", data, None)
    processing.process(received.pk, max_declarations=2, today=TODAY)  # the worker stops
    received.refresh_from_db()
    assert (received.status, received.declarations_done, received.declarations_total) == (
        DsnFileStatus.APPLYING,
        2,
        3,
    )
    assert Employee.objects.count() == 2
    processing.process(received.pk, today=TODAY)  # a new worker resumes
    processing.process(received.pk, today=TODAY)  # and again: nothing changes
    received.refresh_from_db()
    assert (received.status, received.affiliation_count) == (DsnFileStatus.DONE, 3)
    assert Employee.objects.count() == 3
    assert DsnDeclaration.objects.filter(file=received).count() == 3
    assert Request.objects.filter(source=Source.DSN).count() == 3


@pytest.mark.django_db
def test_a_broken_file_is_refused_with_its_french_message(employer: Company) -> None:
    received = take_in(dsn_files.build(total=5))
    assert received.status == DsnFileStatus.REFUSED
    assert received.refusal.startswith("Le fichier DSN est refusé : Le total S90.G00.90.001")
    assert not received.declarations.exists()


@pytest.mark.django_db
def test_the_command_takes_in_files_and_prints_their_status_and_counts(
    employer: Company, tmp_path: Path
) -> None:
    path = tmp_path / "juin.dsn"
    hired = timezone.localdate().replace(day=1)  # the command applies the file today
    path.write_bytes(monthly(person(hired=f"{hired:%d%m%Y}")))
    out = StringIO()
    call_command("import_dsn", str(path), str(path), stdout=out)
    assert out.getvalue().splitlines() == [
        "juin.dsn : Terminé",
        "  1/1 déclaration(s), 1 individu(s) : 1 affiliation(s), 0 résiliation(s), "
        "0 changement(s), 0 anomalie(s), 0 rejet(s)",
        "juin.dsn : Terminé (déjà reçu : non intégré une seconde fois)",
        "  1/1 déclaration(s), 1 individu(s) : 1 affiliation(s), 0 résiliation(s), "
        "0 changement(s), 0 anomalie(s), 0 rejet(s)",
    ]


@pytest.mark.django_db
def test_staff_upload_a_file_in_the_back_office_and_read_its_report(
    employer: Company, staff_user: User, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(staff_user)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("juin.dsn", monthly(person(option="PREMIUM")))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/backoffice/dsn/dsnfile/add/", {"upload": upload})
    received = DsnFile.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/backoffice/dsn/dsnfile/{received.pk}/change/"
    assert received.status == DsnFileStatus.DONE  # the immediate worker of the tests
    page = client.get(response["Location"]).content.decode()
    assert "Déclaration 1 — SIRET 99900000300015" in page
    assert "eaff03" in page
    assert "Le code option PREMIUM (S21.G00.70.004) n&#x27;est pas prévu" in page
    assert DUPONT not in page  # the NIR is masked


@pytest.mark.django_db
def test_the_report_masks_the_nir_of_an_affiliation(
    employer: Company, staff_user: User, client: Client
) -> None:
    received = take_in(monthly())
    client.force_login(staff_user)
    page = client.get(f"/backoffice/dsn/dsnfile/{received.pk}/change/").content.decode()
    assert "Affiliation créée" in page
    assert "1 85 ** ** *** *** " + nir15(DUPONT)[13:] in page
    assert DUPONT not in page


@pytest.mark.django_db
def test_staff_edit_the_contracts_dsn_parameters(
    employer: Company, staff_user: User, client: Client
) -> None:
    client.force_login(staff_user)
    health = Contract.objects.get(number="S0001")
    response = client.get(f"/backoffice/dsn/dsncontract/{health.pk}/change/")
    assert response.status_code == 200
    assert "Référence contrat DSN (S21.G00.15.001)" in response.content.decode()
    populations = list(health.dsn_populations.order_by("pk"))
    options = list(health.dsn_options.order_by("pk"))
    group = InsuredGroup.objects.get(code="S0001-NC")
    data: dict[str, Any] = {
        "dsn_reference": "SANTE-2026",
        "dsn_organisme": "A99999",
        "dsn_delegataire": "",
        "dsn_populations-TOTAL_FORMS": str(len(populations) + 1),
        "dsn_populations-INITIAL_FORMS": str(len(populations)),
        "dsn_options-TOTAL_FORMS": str(len(options)),
        "dsn_options-INITIAL_FORMS": str(len(options)),
        f"dsn_populations-{len(populations)}-code": "APPRENTIS",
        f"dsn_populations-{len(populations)}-insured_group": str(group.pk),
    }
    for index, population in enumerate(populations):
        data[f"dsn_populations-{index}-id"] = str(population.pk)
        data[f"dsn_populations-{index}-code"] = population.code
        data[f"dsn_populations-{index}-insured_group"] = str(population.insured_group_id)
    for index, option in enumerate(options):
        data[f"dsn_options-{index}-id"] = str(option.pk)
        data[f"dsn_options-{index}-code"] = option.code
        data[f"dsn_options-{index}-product"] = str(option.product_id or "")
    response = client.post(f"/backoffice/dsn/dsncontract/{health.pk}/change/", data)
    assert response.status_code == 302
    health.refresh_from_db()
    assert health.dsn_reference == "SANTE-2026"
    assert health.dsn_populations.get(code="APPRENTIS").insured_group == group


@pytest.mark.django_db
def test_a_population_mapped_to_another_contracts_group_is_refused(employer: Company) -> None:
    health = Contract.objects.get(number="S0001")
    provident_group = InsuredGroup.objects.get(code="P0001-C")
    mapping = ContractPopulation(contract=health, code="X", insured_group=provident_group)
    with pytest.raises(ValidationError) as refused:
        mapping.full_clean()
    assert refused.value.message_dict == {
        "insured_group": ["Ce groupe d'assurés n'appartient pas à ce contrat."]
    }


@pytest.mark.django_db
def test_the_dsn_dependants_are_prefilled_in_the_employees_mes_beneficiaires(
    employer: Company, client: Client
) -> None:
    spouse = [
        ("S21.G00.73.003", "01"),
        ("S21.G00.73.005", "20041987"),
        ("S21.G00.73.006", "DUPONT"),
        ("S21.G00.73.007", "2870475999002"),
        ("S21.G00.73.009", "Hélène Marie"),
    ]
    child = [
        ("S21.G00.73.003", "02"),
        ("S21.G00.73.005", "10092015"),
        ("S21.G00.73.006", "DUPONT"),
        ("S21.G00.73.009", "Lucas"),
    ]
    take_in(monthly(person(extra=[*spouse, *child])))
    membership = Membership.objects.get()
    assert [
        (d.kind, d.civility, d.last_name, d.first_name, d.birth_date, d.nir)
        for d in membership.dependants.all()
    ] == [
        ("spouse", "MME", "DUPONT", "Hélène", date(1987, 4, 20), nir15("2870475999002")),
        ("child", "", "DUPONT", "Lucas", date(2015, 9, 10), ""),
    ]
    user = membership.employee.user
    assert user is not None
    membership.journey_step = "profile"  # the employee has filled in "Mon profil"
    membership.save(update_fields=["journey_step"])
    client.force_login(user)
    page = client.get(reverse("journey:dependants", args=[membership.pk])).content.decode()
    assert "Hélène DUPONT" in page and "Lucas DUPONT" in page


@pytest.mark.django_db
def test_a_person_declared_by_the_form_in_another_group_is_a_population_change(
    employer: Company,
) -> None:
    from conftest import declare

    declare(
        employer,
        nir=nir15(DUPONT),
        birth_date=date(1985, 3, 15),
        insured_group_ids=[InsuredGroup.objects.get(code="S0001-NC").pk],
    )
    received = take_in(monthly())
    (change,) = DsnOutcome.objects.filter(declaration__file=received)
    assert (change.kind, change.code, change.message) == (
        OutcomeKind.CHANGE,
        "iaff06",
        "Le code population passe de NONCADRES à CADRES : changement à examiner, non appliqué.",
    )
    assert Membership.objects.get().insured_group.code == "S0001-NC"


@pytest.mark.django_db
def test_the_next_monthly_dsn_ending_the_contract_terminates_through_the_intake(
    employer: Company,
) -> None:
    take_in(monthly())
    ended = [
        *[r for r in person() if r[0] <= "S21.G00.40.009"],
        ("S21.G00.62.001", "30062025"),
        ("S21.G00.62.002", "043"),
        *[r for r in person() if r[0] > "S21.G00.40.009"],
    ]
    july = take_in(monthly(ended, month="01072025"), "juillet.dsn")
    assert [kind for kind, _, _ in outcomes(july)] == [OutcomeKind.TERMINATION_CREATED]
    declaration = DsnDeclaration.objects.get(file=july)
    assert (declaration.termination_count, declaration.affiliation_count) == (1, 0)
    membership = Membership.objects.get()
    assert (membership.status, membership.end_date) == (
        MembershipStatus.TERMINATED,
        date(2025, 6, 30),
    )
    assert set(Request.objects.values_list("reason", "source")) == {
        (Reason.AFFILIATION, Source.DSN),
        (Reason.TERMINATION, Source.DSN),
    }
    # The same file again: recognised, nothing applied twice.
    again = take_in(monthly(ended, month="01072025"), "juillet.dsn")
    assert again.pk == july.pk
    assert Request.objects.filter(reason=Reason.TERMINATION).count() == 1


@pytest.mark.django_db
def test_an_affiliated_employee_absent_from_the_monthly_dsn_is_an_anomaly_not_a_termination(
    employer: Company,
) -> None:
    take_in(monthly())
    july = take_in(monthly(person(OTHER, "MARTIN", "Paul"), month="01072025"), "juillet.dsn")
    kinds = [kind for kind, _, _ in outcomes(july)]
    assert sorted(kinds) == [OutcomeKind.AFFILIATION_CREATED, OutcomeKind.ANOMALY]
    assert Membership.objects.get(employee__last_name="DUPONT").status == (
        MembershipStatus.PRE_ENROLLED
    )


@pytest.mark.django_db
def test_an_employee_of_the_health_contract_declared_in_the_provident_one_joins_it(
    employer: Company,
) -> None:
    from conftest import declare

    declare(
        employer,
        nir=nir15(DUPONT),
        birth_date=date(1985, 3, 15),
        hire_date=date(2025, 6, 2),
        effective_date=date(2025, 6, 2),
        insured_group_ids=[InsuredGroup.objects.get(code="S0001-C").pk],
    )
    received = take_in(with_provident([*person(), *provident_affiliation()]))
    assert sorted(kind for kind, _, _ in outcomes(received)) == [
        OutcomeKind.AFFILIATION_CREATED,
        OutcomeKind.NO_CHANGE,
    ]
    memberships = Membership.objects.order_by("pk").values_list("contract__number", "status")
    assert list(memberships) == [
        ("S0001", MembershipStatus.PRE_ENROLLED),
        ("P0001", MembershipStatus.PRE_ENROLLED),
    ]
    assert Employee.objects.count() == 1
    sources = Request.objects.order_by("pk").values_list("membership__contract__number", "source")
    assert list(sources) == [("S0001", Source.FORM), ("P0001", Source.DSN)]
    # Still to enroll in both: one dossier, led by the health membership.
    provident = Membership.objects.get(contract__number="P0001")
    assert Dossier.of(provident).lead.contract.number == "S0001"


@pytest.mark.django_db
def test_an_affiliation_ended_without_end_of_contract_terminates_that_contract_only(
    employer: Company,
) -> None:
    take_in(with_provident([*person(), *provident_affiliation()]))
    assert Membership.objects.filter(status=MembershipStatus.PRE_ENROLLED).count() == 2
    health_ends = [*person(extra=[("S21.G00.70.015", "30062025")]), *provident_affiliation()]
    july = take_in(with_provident(health_ends, month="01072025"), "juillet.dsn")
    assert [(kind, code) for kind, code, _ in outcomes(july)] == [
        (OutcomeKind.TERMINATION_CREATED, "iaff16"),
        (OutcomeKind.NO_CHANGE, ""),
    ]
    statuses = Membership.objects.order_by("contract__kind").values_list(
        "contract__number", "status", "end_date"
    )
    assert list(statuses) == [
        ("S0001", MembershipStatus.TERMINATED, date(2025, 6, 30)),
        ("P0001", MembershipStatus.PRE_ENROLLED, None),
    ]
    termination = Request.objects.get(reason=Reason.TERMINATION)
    assert termination.source == Source.DSN
    # The August DSN repeating the end: nothing more.
    august = take_in(with_provident(health_ends, month="01082025"), "aout.dsn")
    assert [(kind, code) for kind, code, _ in outcomes(august)] == [
        (OutcomeKind.NO_CHANGE, "iaff17"),
        (OutcomeKind.NO_CHANGE, ""),
    ]
    assert Request.objects.filter(reason=Reason.TERMINATION).count() == 1


PROVIDENT_ADHESION = [
    ("S21.G00.15.001", "PREV-COLL-0002"),
    ("S21.G00.15.002", "P9999"),
    ("S21.G00.15.004", "01"),
    ("S21.G00.15.005", "2"),
]


def with_provident(records: list[tuple[str, str]], *, month: str = "") -> bytes:
    """A monthly DSN declaring the provident contract too (a second S15, n° 2)."""
    body = [*dsn_files.declaration(), *PROVIDENT_ADHESION]
    if month:
        body = [(k, month if k == "S20.G00.05.005" else v) for k, v in body]
    return dsn_files.build([*body, *records])


def provident_affiliation() -> list[tuple[str, str]]:
    """The person's S70 on the provident contract (S15 n° 2 of `with_provident`)."""
    return [
        ("S21.G00.70.005", "CADRES"),
        ("S21.G00.70.012", "2"),
        ("S21.G00.70.013", "2"),
    ]


DECLARATIONS = 30
PEOPLE = 10  # per declaration


def many_declarations() -> bytes:
    """DECLARATIONS monthly declarations of this month, PEOPLE new employees each, hired 10
    days ago (within the retroactivity limit of the worker's today)."""
    hired = timezone.localdate() - timedelta(days=10)
    month = f"01{hired:%m%Y}"
    body: list[Any] = []
    for d in range(DECLARATIONS):
        body += [(k, month if k == "S20.G00.05.005" else v) for k, v in dsn_files.declaration()]
        for i in range(PEOPLE):
            letters = "".join(chr(65 + n) for n in (d // 26, d % 26, i))
            nir = f"1859975{900 + d:03d}{i + 1:03d}"
            body += person(nir, f"NOM{letters}", "Jean", hired=f"{hired:%d%m%Y}")
    return dsn_files.build(body, declarations=DECLARATIONS)


@pytest.mark.django_db(transaction=True)
def test_a_dsn_file_whose_worker_is_killed_is_resumed_by_another_worker_exactly_once(
    employer: Company, tmp_path: Path, settings: Any
) -> None:
    settings.TASKS = DATABASE_QUEUE  # queued for the workers below
    received, _ = services.receive_file("mensuelle.dsn", many_declarations(), None)
    with shared_database(tmp_path) as shared:
        shared.start_worker()
        shared.start_worker()
        shared.wait_for(
            lambda: shared.value(DsnFile, "declarations_done", id=received.pk) > 0,
            "the first declaration",
        )
        runner = shared.holding("dsn.dsnfile", received.pk)
        runner.send_signal(signal.SIGKILL)
        runner.wait()
        assert shared.value(DsnFile, "status", id=received.pk) == DsnFileStatus.APPLYING
        assert shared.value(DsnFile, "declarations_done", id=received.pk) < DECLARATIONS
        shared.wait_for(
            lambda: (
                shared.value(DsnFile, "status", id=received.pk) == DsnFileStatus.DONE
                and shared.value(JobLease, "owner", job="dsn.dsnfile", object_id=received.pk) == ""
            ),
            "the intake to be resumed and finished",
        )
        shared.runs_ended(process_dsn_file)
    received.refresh_from_db()
    everyone = DECLARATIONS * PEOPLE
    assert (received.declarations_done, received.affiliation_count) == (DECLARATIONS, everyone)
    positions = DsnDeclaration.objects.filter(file=received).values_list("position", flat=True)
    assert sorted(positions) == list(range(1, DECLARATIONS + 1))
    assert Employee.objects.filter(company=employer).count() == everyone
    assert Request.objects.filter(company=employer, source=Source.DSN).count() == everyone
    lease = JobLease.objects.get(job="dsn.dsnfile", object_id=received.pk)
    assert (lease.owner, lease.interruptions) == ("", 1)
    results = DBTaskResult.objects.filter(task_path=process_dsn_file.module_path)
    # The lost run failed once; the other runs succeeded: usually one, a second when a lease
    # renewal came late on a busy machine and the file was queued again (harmless: it finds the
    # file done; the counts above are exact). A copy not yet taken when the file ended (READY)
    # is not a run.
    outcomes = sorted(results.exclude(status="READY").values_list("status", "exception_class_path"))
    assert outcomes[0] == ("FAILED", "portal.core.jobs.WorkerLost")
    assert outcomes[1:] and set(outcomes[1:]) == {("SUCCESSFUL", "")}


@pytest.mark.django_db
def test_the_dsn_file_page_says_an_intake_whose_worker_stopped_is_interrupted(
    employer: Company, staff_user: User, client: Client, settings: Any
) -> None:
    settings.TASKS = DATABASE_QUEUE  # queued, never run
    received, _ = services.receive_file("mensuelle.dsn", monthly(), None)
    DsnFile.objects.filter(pk=received.pk).update(
        status=DsnFileStatus.APPLYING, declarations_done=1, declarations_total=3
    )
    JobLease.objects.create(
        job="dsn.dsnfile",
        object_id=received.pk,
        owner="w:1:dead",
        lease_until=timezone.now() - timedelta(minutes=5),
    )
    client.force_login(staff_user)
    page = client.get(reverse("admin:dsn_dsnfile_change", args=[received.pk])).content.decode()
    assert (
        "1 / 3 déclaration(s) — traitement interrompu : il reprendra automatiquement à la "
        "déclaration suivante"
    ) in page
