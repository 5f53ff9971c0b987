"""The DSN parser: samples, encodings, structure, values, totals, refusals, streaming.

Pure: no database. Files are the two samples (tests/samples/) or built in each test
(dsn_files.py: one envoi, one declaration, one employee unless said otherwise; its line 28 is
the employee's S21.G00.30.001, line 35 the contract, line 40 the affiliation).
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.dsn import parsing
from portal.dsn.errors import DsnRefused, Finding, FindingCode, Severity
from portal.dsn.model import DsnDocument, Individual, Record
from portal.dsn.parsing import (
    DeclarationEnded,
    DeclarationStarted,
    EnvelopeRead,
    EnvoiEnded,
    EnvoiStarted,
    FileEnded,
    events,
    parse,
)
from portal.dsn.tests.dsn_files import ENVOI, build, declaration, envoi, individual, lines

SAMPLES = Path(__file__).parent / "samples"
SYNTHETIC = SAMPLES / "synthetic_mensuelle_P25V01_affiliations_radiations.dsn"
JIKEN = SAMPLES / "jikenlabs_open-neodes_test_fragment_affiliation_ayantdroit.dsn"


def codes(
    findings: list[Finding] | tuple[Finding, ...],
) -> list[tuple[int | None, str | None, str]]:
    return [(f.line, f.rubrique, f.code.value) for f in findings]


def refusal_of(data: bytes) -> DsnRefused:
    with pytest.raises(DsnRefused) as caught:
        parse(data)
    return caught.value


# The samples -----------------------------------------------------------------------------


def test_synthetic_monthly_sample_reads_without_finding_with_every_block_in_place() -> None:
    with SYNTHETIC.open("rb") as handle:
        document = parse(handle)

    assert document.findings == []
    assert document.summary.encoding == "iso-8859-1"
    assert (document.summary.lines, document.summary.records) == (331, 331)
    [envoi_read] = document.envois
    assert envoi_read.is_test is True
    assert (envoi_read.declared_version, envoi_read.checked_version) == ("P25V01", "P25V01")
    assert (envoi_read.rubrique_count, envoi_read.declaration_count) == (331, 1)
    [declaration_read] = envoi_read.declarations
    assert (declaration_read.nature, declaration_read.kind, declaration_read.line) == (
        "01",
        "01",
        18,
    )
    assert declaration_read.month == date(2025, 6, 1)
    assert declaration_read.siret == "99900000300015"
    assert [
        (a.contract_reference, a.organisme, a.technical_id, a.line)
        for a in declaration_read.adhesions
    ] == [("SANTE-COLL-0001", "A99999", "1", 44), ("PREV-COLL-0002", "P9999", "2", 48)]
    assert [(i.nir, i.last_name, i.first_names, i.line) for i in declaration_read.individuals] == [
        ("1859975999001", "DUPONT", "Jean", 52),
        ("2909913999003", "MARTIN", "Zoé", 132),
        ("1959931999004", "DURAND", "Paul", 205),
        ("2889944999005", "PETIT", "Anne-Marie", 269),
    ]


def test_synthetic_sample_new_hire_has_two_affiliations_and_two_dependants() -> None:
    document = parse(SYNTHETIC.read_bytes())
    dupont = document.declarations[0].individuals[0]

    [contract] = dupont.contracts
    assert (contract.start_date, contract.number, contract.line, contract.end) == (
        date(2025, 6, 2),
        "00001",
        65,
        None,
    )
    assert [(a.option, a.population, a.adhesion_id, a.line) for a in contract.affiliations] == [
        ("FAMILLE", "CADRES", "1", 84),
        (None, "CADRES", "2", 97),
    ]
    spouse, child = contract.affiliations[0].dependants
    assert (spouse.kind, spouse.first_names, spouse.birth_date, spouse.nir, spouse.line) == (
        "01",
        "Hélène",
        date(1987, 4, 20),
        "2879975999002",
        88,
    )
    assert (child.kind, child.first_names, child.birth_date, child.nir, child.line) == (
        "02",
        "Lucas",
        date(2015, 9, 10),
        None,
        93,
    )


def test_synthetic_sample_ends_of_contract_carry_motif_date_and_continuity() -> None:
    individuals = parse(SYNTHETIC.read_bytes()).declarations[0].individuals
    ends = [i.contracts[0].end for i in individuals[1:]]

    assert [(e.reason, e.end_date, e.keeps_affiliation, e.line) for e in ends if e] == [
        ("043", date(2025, 6, 30), False, 164),
        ("031", date(2025, 6, 30), True, 239),
        ("099", date(2025, 5, 31), False, 301),
    ]
    assert ends[0] is not None and ends[0].line_of("S21.G00.62.002") == 165


def test_jikenlabs_fragment_is_read_and_every_breach_of_the_norm_reported_with_its_line() -> None:
    document = parse(JIKEN.read_bytes())

    found = codes(document.findings)
    assert (9, "S21.G00.15.005", "value_pattern") in found
    assert (10, "S21.G00.30.001", "value_length") in found
    assert (15, "S21.G00.70.013", "value_pattern") in found
    assert (16, "S21.G00.73.007", "value_length") in found
    assert (17, "S21.G00.73.006", "rubrique_out_of_order") in found
    assert (1, "S10.G00.01", "missing_block") in found
    assert (1, "S10.G00.00.005", "missing_rubrique") in found
    assert (16, "S21.G00.73.003", "missing_rubrique") in found
    assert document.summary.refused is False
    affiliation = document.declarations[0].individuals[0].contracts[0].affiliations[0]
    assert (affiliation.option, affiliation.adhesion_id) == ("OPTION1", "ADH")
    assert [(d.nir, d.last_name) for d in affiliation.dependants] == [
        ("NIR_KID", None),
        (None, "JUNIOR"),
    ]


# Encodings and line ends -----------------------------------------------------------------


def _names(data: bytes) -> tuple[str, list[str | None]]:
    document = parse(data)
    return document.summary.encoding, [i.first_names for i in document.declarations[0].individuals]


def test_latin1_utf8_and_utf8_with_bom_files_give_the_same_names() -> None:
    body = [
        *declaration(),
        *individual(first="Élodie"),
        *individual("2909913999003", "MARTIN", "Zoé", "00002"),
    ]

    assert _names(build(body, encoding="latin-1")) == ("iso-8859-1", ["Élodie", "Zoé"])
    assert _names(build(body, encoding="utf-8")) == ("utf-8", ["Élodie", "Zoé"])
    with_bom = b"\xef\xbb\xbf" + build(body, encoding="utf-8")
    document = parse(with_bom)
    assert document.summary.bom is True
    assert document.findings == []
    assert [i.first_names for i in document.declarations[0].individuals] == ["Élodie", "Zoé"]


def test_a_file_mixing_utf8_and_latin1_lines_reads_both_and_reports_the_first_change() -> None:
    utf8 = "\r\n".join(lines([*ENVOI, *declaration(), *individual(first="Élodie")])).encode()
    latin1 = "\r\n".join(lines(individual("2909913999003", "MARTIN", "Zoé", "00002"))).encode(
        "latin-1"
    )
    data = utf8 + b"\r\n" + latin1 + b"\r\nS90.G00.90.001,'61'\r\nS90.G00.90.002,'1'\r\n"

    document = parse(data)

    assert document.summary.encoding == "mixte"
    assert [i.first_names for i in document.declarations[0].individuals] == ["Élodie", "Zoé"]
    assert codes(document.findings) == [(46, "S21.G00.30.004", "mixed_encodings")]
    assert document.findings[0].severity is Severity.WARNING


def test_utf8_with_broken_accents_is_read_and_each_broken_line_reported() -> None:
    data = build([*declaration(), *individual(first="Pr\ufffdparateur")], encoding="utf-8")

    document = parse(data)

    assert codes(document.findings) == [(30, "S21.G00.30.004", "broken_accents")]
    assert document.findings[0].value == "Pr\ufffdparateur"
    assert document.declarations[0].individuals[0].first_names == "Pr\ufffdparateur"


def test_crlf_lf_blank_lines_and_trailing_blanks_read_alike_with_physical_line_numbers() -> None:
    crlf = parse(build(eol="\r\n"))
    lf = parse(build(eol="\n"))
    text = build(eol="\n").decode("latin-1").split("\n")
    text[27] += "   "  # trailing blanks on the NIR line
    text.insert(10, "")  # a blank line before the declaration
    text.insert(11, "  \t")
    spaced = parse("\n".join(text).encode("latin-1"))

    for document in (crlf, lf, spaced):
        assert document.findings == []
        assert document.declarations[0].individuals[0].nir == "1859975999001"
    assert crlf.declarations[0].individuals[0].line == lf.declarations[0].individuals[0].line == 28
    assert spaced.declarations[0].individuals[0].line == 30
    assert spaced.summary.records == lf.summary.records == 45


def with_total(text: str, records: int) -> bytes:
    """The file with its S90 rubrique count set to `records`."""
    return "\n".join(
        f"S90.G00.90.001,'{records}'" if line.startswith("S90.G00.90.001") else line
        for line in text.split("\n")
    ).encode("latin-1")


def records_of(document: object) -> list[Record]:
    """Every record of a parsed document: envois, declarations, employers, individuals and
    everything below them."""
    found: list[Record] = []

    def walk(record: Record) -> None:
        found.append(record)
        for name in ("employer",):
            child = getattr(record, name, None)
            if isinstance(child, Record):
                walk(child)
        for name in (
            "declarations",
            "adhesions",
            "individuals",
            "contracts",
            "affiliations",
            "dependants",
            "changes",
        ):
            for child in getattr(record, name, ()):
                walk(child)
        end = getattr(record, "end", None)
        if isinstance(end, Record):
            walk(end)

    assert isinstance(document, DsnDocument)
    for envoi_read in document.envois:
        walk(envoi_read)
    return found


def test_every_rubrique_kept_knows_the_physical_line_it_was_read_on() -> None:
    text = build(eol="\n").decode("latin-1").split("\n")
    text.insert(30, "")  # a blank line inside the individual's block
    text.insert(31, "NOT A RECORD")  # a broken line there too
    nir_line = next(i for i, line in enumerate(text) if line.startswith("S21.G00.30.002"))
    text.insert(nir_line + 1, "S21.G00.30.003,''")  # an empty value, not kept
    data = with_total("\n".join(text), 46)

    document = parse(data)
    physical = data.decode("latin-1").split("\n")
    checked = 0
    for record in records_of(document):
        for rubrique, value in record.fields.items():
            line = record.line_of(rubrique)
            assert line is not None
            assert physical[line - 1] == f"{rubrique},'{value}'", (record.code, rubrique, line)
            checked += 1
        assert record.lines == {r: record.line_of(r) for r in record.fields}
        assert record.line_of("S99.G99.99.999") is None
    # The envoi's S10.G00.01/.02 and S90, the declaration's, employer's S21.G00.11: all merged.
    assert checked == 45  # every record but the empty value
    broken = physical.index("NOT A RECORD") + 1
    empty = physical.index("S21.G00.30.003,''") + 1
    assert sorted(codes(document.findings)) == sorted(
        [(broken, None, "line_syntax"), (empty, "S21.G00.30.003", "empty_value")]
    )


def test_a_repeated_merged_block_keeps_the_last_occurrence_with_its_lines() -> None:
    text = build(eol="\n").decode("latin-1").split("\n")
    first = next(i for i, line in enumerate(text) if line.startswith("S10.G00.01"))
    block = [line for line in text if line.startswith("S10.G00.01")]
    again = [
        line.replace("'", "'X", 1) if line.startswith("S10.G00.01.003") else line for line in block
    ]
    text[first + len(block) : first + len(block)] = again
    data = with_total("\n".join(text), 45 + len(block))

    document = parse(data)
    envoi_read = document.envois[0]
    physical = data.decode("latin-1").split("\n")
    for rubrique in (line.split(",")[0] for line in block):
        line = envoi_read.line_of(rubrique)
        assert line is not None and line > first + len(block)
        assert physical[line - 1] == f"{rubrique},'{envoi_read.fields[rubrique]}'"
    assert "block_repeated" in [f.code.value for f in document.findings]


# Structure -------------------------------------------------------------------------------


def test_a_child_block_after_its_parent_closed_is_an_orphan_reported_with_its_line() -> None:
    body = [*declaration(), *individual(), ("S21.G00.71.002", "RUAA"), ("S21.G00.73.003", "02")]

    document = parse(build(body))

    assert codes(document.findings) == [(45, "S21.G00.73", "orphan_block")]
    affiliation = document.declarations[0].individuals[0].contracts[0].affiliations[0]
    assert affiliation.dependants == []


def test_a_contract_without_an_individual_is_an_orphan() -> None:
    body = [*declaration(), ("S21.G00.40.001", "02062025"), *individual()]

    document = parse(build(body))

    assert codes(document.findings) == [(28, "S21.G00.40", "orphan_block")]
    assert len(document.declarations[0].individuals) == 1


def test_a_block_coming_back_after_another_sibling_is_out_of_order() -> None:
    adhesion = declaration()[-4:]
    body = [*declaration(), *individual(), *adhesion]

    document = parse(build(body))

    assert codes(document.findings) == [(44, "S21.G00.15", "block_out_of_order")]


def test_a_second_end_of_contract_under_one_contract_is_a_repeated_block() -> None:
    end = [("S21.G00.62.001", "30062025"), ("S21.G00.62.002", "043")]
    body = [*declaration(), *individual()[:12], *end, *end]

    document = parse(build(body))

    assert codes(document.findings) == [(42, "S21.G00.62", "block_repeated")]


def test_unknown_block_and_unknown_rubrique_are_reported_and_service_rubriques_kept() -> None:
    body = [
        *declaration(),
        *individual()[:7],
        ("S21.G00.30.099", "X"),
        *individual()[7:],
        ("S21.G00.99.001", "Y"),
    ]

    document = parse(build(body))

    assert codes(document.findings) == [
        (35, "S21.G00.30.099", "unknown_rubrique"),
        (45, "S21.G00.99", "unknown_block"),
    ]


def test_envelope_and_service_rubriques_of_the_concentrator_are_kept_unchecked() -> None:
    service_envoi = [("S10.G00.95.001", "DUPONT"), ("S10.G00.95.900", "ENVOI-42")]
    decl = declaration()
    decl.insert(8, ("S20.G00.96.902", "DECL-7"))
    decl.insert(11, ("S21.G00.06.903", "SOCIETE FICTIVE"))
    body = lines([*service_envoi, *decl, *individual()])
    inner = envoi(body)
    inner[10:10] = []  # the service block follows the contact
    lot = [
        "S05.G51.00.001,'V01R02'",
        "S05.G51.00.002,'LOT1'",
        "S06.G51.00.001,'DSNOK'",
        *inner,
        "S96.G51.00.001,'FINSL'",
        "S95.G51.00.001,'LOT1'",
        "S95.G51.00.002,'1'",
    ]

    document = parse("\r\n".join(lot).encode("latin-1"))

    assert document.findings == []
    assert [(r.code, r.line) for r in document.envelope] == [
        ("S05.G51.00", 1),
        ("S06.G51.00", 3),
        ("S96.G51.00", 53),
        ("S95.G51.00", 54),
    ]
    assert document.envelope[0].get("S05.G51.00.002") == "LOT1"
    [envoi_read] = document.envois
    assert envoi_read.envoi_id == "ENVOI-42"
    [declaration_read] = envoi_read.declarations
    assert declaration_read.declaration_id == "DECL-7"
    assert declaration_read.employer is not None
    assert declaration_read.employer.company_name == "SOCIETE FICTIVE"


def test_several_declarations_and_several_envois_in_one_file() -> None:
    two = [
        *declaration(),
        *individual(),
        *declaration(siren="999000011", nic="00027", nature="07"),
        *individual("2909913999003", "MARTIN", "Zoé", "00002"),
    ]
    first = envoi(two, declarations=2)
    second = envoi([*declaration(siren="999000029"), *individual()])

    document = parse("\n".join([*first, *second]).encode("latin-1"))

    assert document.findings == []
    assert [len(e.declarations) for e in document.envois] == [2, 1]
    assert [
        (d.siret, d.nature, [i.last_name for i in d.individuals]) for d in document.declarations
    ] == [
        ("99900000300015", "01", ["DUPONT"]),
        ("99900001100027", "07", ["MARTIN"]),
        ("99900002900015", "01", ["DUPONT"]),
    ]
    assert [e.line for e in document.envois] == [1, 79]


def test_the_events_come_in_file_order_one_individual_at_a_time() -> None:
    body = [*declaration(), *individual(), *individual("2909913999003", "MARTIN", "Zoé", "00002")]

    kinds = [type(event).__name__ for event in events(build(body))]

    assert kinds == [
        "EnvoiStarted",
        "DeclarationStarted",
        "Individual",
        "Individual",
        "DeclarationEnded",
        "EnvoiEnded",
        "FileEnded",
    ]


def test_the_stream_is_read_in_bounded_chunks_never_whole() -> None:
    body = [*declaration()]
    for n in range(20_000):
        body += individual(number=f"{n:05d}")
    data = build(body)

    class Recorder(io.BytesIO):
        sizes: list[int] = []

        def read(self, size: int | None = -1) -> bytes:
            self.sizes.append(-1 if size is None else size)
            return super().read(size)

    stream = Recorder(data)
    count = sum(1 for event in events(stream) if isinstance(event, Individual))

    assert count == 20_000
    assert len(data) > 7 * parsing.CHUNK
    assert set(stream.sizes) == {parsing.CHUNK}


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_broken_lines_and_a_note_far_into_the_file_are_reported_on_their_physical_lines(
    eol: str,
) -> None:
    body = [*declaration()]
    for n in range(12_000):
        body += individual(number=f"{n:05d}")
    text = build(body, eol="\n", encoding="utf-8").decode().split("\n")
    first_names = [i for i, line in enumerate(text) if line.startswith("S21.G00.30.004")]
    early, late = first_names[10], first_names[-10]  # in the first chunk, in a later one
    text[early] = text[early][:-1]  # its closing apostrophe lost
    text.insert(early + 1, "   ")  # then a line of blanks
    text[late + 1] = "S21.G00.30.004,'Pr\ufffdparateur'"  # a broken accent, chunks away
    total = next(i for i, line in enumerate(text) if line.startswith("S90.G00.90.001"))
    records = int(text[total][16:-1]) - 1  # the broken line is not a record
    text[total] = f"S90.G00.90.001,'{records}'"
    data = eol.join(text).encode()
    assert len(data) > 3 * parsing.CHUNK and len(eol.join(text[:late]).encode()) > parsing.CHUNK

    document = parse(data)

    physical = data.decode().split(eol)
    assert physical[early].endswith("'") is False and physical[late + 1].startswith("S21")
    individual_line = max(i for i in range(early) if text[i].startswith("S21.G00.30.001")) + 1
    assert codes(document.findings) == [
        (early + 1, None, "line_syntax"),
        (individual_line, "S21.G00.30.004", "missing_rubrique"),  # the broken line's
        (late + 2, "S21.G00.30.004", "broken_accents"),
    ]
    individuals = document.declarations[0].individuals
    assert len(individuals) == 12_000
    assert individuals[-10].first_names == "Pr\ufffdparateur"
    assert individuals[-10].line_of("S21.G00.30.004") == late + 2
    after = text[late + 2][:14]  # the next rubrique, on the next line
    assert individuals[-10].line_of(after) == late + 3


# Values ----------------------------------------------------------------------------------


def test_a_value_out_of_its_enumeration_is_reported_with_line_rubrique_and_value() -> None:
    body = [
        *declaration(),
        *individual()[:12],
        ("S21.G00.62.001", "30062025"),
        ("S21.G00.62.002", "042"),
        *individual()[12:],
    ]

    [finding] = parse(build(body)).findings

    assert (finding.line, finding.rubrique, finding.value, finding.code) == (
        41,
        "S21.G00.62.002",
        "042",
        FindingCode.VALUE_ENUMERATION,
    )
    assert finding.severity is Severity.ERROR
    assert (
        finding.message == "La valeur ne fait pas partie des codes autorisés par la norme P25V01."
    )


def test_values_off_their_length_pattern_or_calendar_are_reported() -> None:
    decl = declaration()
    decl[4] = ("S20.G00.05.005", "02062025")  # the month declared is always 01MMAAAA
    decl[8] = ("S21.G00.06.001", "99900000")  # SIREN: 9 characters
    person = individual()
    person[3] = ("S21.G00.30.006", "31021985")  # a birth date that may carry 99, not 31/02
    person[7] = ("S21.G00.40.001", "31022025")

    document = parse(build([*decl, *person]))

    assert [(f.line, f.rubrique, f.value, f.code.value) for f in document.findings] == [
        (15, "S20.G00.05.005", "02062025", "value_pattern"),
        (19, "S21.G00.06.001", "99900000", "value_length"),
        (35, "S21.G00.40.001", "31022025", "value_date"),
    ]
    assert document.findings[1].message == (
        "La valeur doit compter de 9 à 9 caractères (elle en compte 8)."
    )


def test_an_apostrophe_inside_a_name_is_kept_and_reported_whether_single_or_doubled() -> None:
    body = [
        *declaration(),
        *individual(last="D'ARC"),
        *individual("2909913999003", "O''NEIL", "Zoé", "00002"),
    ]

    document = parse(build(body))

    assert [i.last_name for i in document.declarations[0].individuals] == ["D'ARC", "O'NEIL"]
    assert codes(document.findings) == [
        (29, "S21.G00.30.002", "apostrophe_in_value"),
        (45, "S21.G00.30.002", "doubled_apostrophe"),
    ]
    assert {f.severity for f in document.findings} == {Severity.WARNING}


def test_a_line_over_256_characters_is_reported_with_its_length() -> None:
    person = individual()
    person.insert(4, ("S21.G00.30.008", "RUE " * 70))

    document = parse(build([*declaration(), *person]))

    assert codes(document.findings) == [
        (32, "S21.G00.30.008", "line_too_long"),
        (32, "S21.G00.30.008", "value_length"),
    ]
    assert document.findings[0].message == "La ligne dépasse 256 caractères (297)."


def test_an_empty_value_and_a_missing_mandatory_rubrique_are_reported() -> None:
    person = individual()
    person[1] = ("S21.G00.30.002", "")  # nom de famille: mandatory, here empty

    document = parse(build([*declaration(), *person]))

    assert codes(document.findings) == [
        (29, "S21.G00.30.002", "empty_value"),
        (28, "S21.G00.30.002", "missing_rubrique"),
    ]


def test_the_norm_of_the_file_decides_which_codes_are_allowed() -> None:
    end = [("S21.G00.62.001", "30062025"), ("S21.G00.62.002", "119")]
    body = [*declaration(), *individual()[:12], *end]
    p25 = build(body)
    p24 = p25.replace(b"'P25V01'", b"'P24V01'")

    assert parse(p25).findings == []
    assert codes(parse(p24).findings) == [(41, "S21.G00.62.002", "value_enumeration")]
    dpae = build([*declaration(nature="10"), *individual()])
    assert codes(parse(dpae).findings) == [(11, "S20.G00.05.001", "value_enumeration")]
    assert parse(dpae.replace(b"'P25V01'", b"'P26V01'")).findings == []


def test_an_unknown_norm_version_is_checked_against_the_nearest_table_and_said_so() -> None:
    older = parse(build().replace(b"'P25V01'", b"'P23V01'"))
    newer = parse(build().replace(b"'P25V01'", b"'P30V01'"))

    assert [
        (e.declared_version, e.checked_version, e.exact_version)
        for e in older.envois + newer.envois
    ] == [("P23V01", "P24V01", False), ("P30V01", "P26V01", False)]
    [finding] = older.findings
    assert (finding.line, finding.rubrique, finding.value, finding.code) == (
        4,
        "S10.G00.00.006",
        "P23V01",
        FindingCode.UNKNOWN_NORM_VERSION,
    )
    assert finding.message == (
        "La norme P23V01 n'est pas connue du portail : le fichier a été "
        "contrôlé avec la norme la plus proche, P24V01."
    )


def test_a_test_send_is_flagged() -> None:
    document = parse(build().replace(b"S10.G00.00.005,'02'", b"S10.G00.00.005,'01'"))

    assert document.envois[0].is_test is True


# Refusals --------------------------------------------------------------------------------


def test_a_wrong_s90_total_refuses_the_file_with_the_counts() -> None:
    refused = refusal_of(build(total=50))

    assert codes(refused.findings) == [(44, "S90.G00.90.001", "total_rubriques")]
    assert refused.findings[0].message == (
        "Le total S90.G00.90.001 annonce 50 rubriques, l'envoi en contient 45."
    )
    assert refused.message.startswith("Le fichier DSN est refusé : Le total S90.G00.90.001")


def test_a_wrong_declaration_count_refuses_the_file() -> None:
    refused = refusal_of(build(declarations=2))

    assert codes(refused.findings) == [(45, "S90.G00.90.002", "total_declarations")]


def test_a_truncated_file_is_refused() -> None:
    whole = build(eol="\n").split(b"\n")
    before_total = b"\n".join(whole[:43])
    mid_line = b"\n".join(whole[:30]) + b"\nS21.G00.30.0"

    assert codes(refusal_of(before_total).findings)[-1] == (43, None, "truncated")
    mid_line_findings = codes(refusal_of(mid_line).findings)
    assert mid_line_findings[0] == (31, None, "line_syntax")
    assert mid_line_findings[-1] == (31, None, "truncated")


def test_an_empty_file_is_refused() -> None:
    for data in (b"", b"\r\n\r\n  \n", b"\xef\xbb\xbf"):
        assert codes(refusal_of(data).findings) == [(None, None, "empty_file")]


def test_a_binary_file_is_refused_at_once() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 100

    refused = refusal_of(png)

    assert [f.code for f in refused.findings][-1] is FindingCode.BINARY_FILE
    assert refused.message == (
        "Le fichier DSN est refusé : Le fichier n'est pas un fichier texte DSN (contenu binaire)."
    )


def test_a_text_file_that_is_not_a_dsn_is_refused_after_its_first_lines() -> None:
    csv = "\n".join(f"Nom;Prénom;{n}" for n in range(1000)).encode()

    refused = refusal_of(csv)

    assert [f.code for f in refused.findings] == [FindingCode.LINE_SYNTAX] * 9 + [
        FindingCode.NOT_A_DSN
    ]


def test_one_huge_line_without_line_end_is_refused_without_reading_it_whole() -> None:
    refused = refusal_of(b"S21.G00.30.002,'" + b"A" * (3 * parsing.CHUNK))

    assert [f.code for f in refused.findings] == [FindingCode.NOT_A_DSN]


ALPHABET = st.sampled_from(
    [
        *(f"{k},'{v}'" for k, v in [*ENVOI, *declaration(), *individual()]),
        "S90.G00.90.001,'3'",
        "S90.G00.90.002,'1'",
        "S21.G00.73.003,'01'",
        "S21.G00.62.002,'999'",
        "S05.G51.00.001,'V01R02'",
        "S95.G51.00.001,'X'",
        "S21.G00.30.002,'D''ARC'",
        "S21.G00.30.002,'",
        "",
        "   ",
        "garbage",
        "S21.G00.99.001,'x'",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_random_bytes_never_raise_anything_but_the_refusal(data: bytes) -> None:
    try:
        document = parse(data)
    except DsnRefused as refused:
        assert any(f.severity is Severity.FATAL for f in refused.findings)
    else:
        assert document.summary.refused is False


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ALPHABET, max_size=80), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_random_dsn_lines_never_raise_anything_but_the_refusal(
    records: list[str], eol: str, latin1: bool
) -> None:
    data = eol.join(records).encode("latin-1" if latin1 else "utf-8")
    try:
        for event in events(data):
            assert isinstance(
                event,
                Finding
                | Individual
                | EnvoiStarted
                | EnvoiEnded
                | DeclarationStarted
                | DeclarationEnded
                | EnvelopeRead
                | FileEnded,
            )
    except DsnRefused as refused:
        assert refused.findings


def test_every_finding_code_has_a_french_message_and_a_severity() -> None:
    for code in FindingCode:
        assert isinstance(code.severity, Severity)
        assert code.message(
            **{
                k: "X"
                for k in (
                    "block",
                    "parent",
                    "name",
                    "missing",
                    "maximum",
                    "minimum",
                    "length",
                    "datatype",
                    "version",
                    "declared",
                    "expected",
                    "actual",
                    "limit",
                )
            }
        )


def test_two_envois_of_different_norms_in_one_chunk_are_each_checked_with_their_own() -> None:
    end = [("S21.G00.62.001", "30062025"), ("S21.G00.62.002", "119")]
    body = [*declaration(), *individual()[:12], *end]
    p25 = envoi(body)
    p24 = [line.replace("'P25V01'", "'P24V01'") for line in p25]

    document = parse("\n".join([*p25, *p24, *p25]).encode("latin-1"))

    assert [e.checked_version for e in document.envois] == ["P25V01", "P24V01", "P25V01"]
    assert codes(document.findings) == [(41 + len(p25), "S21.G00.62.002", "value_enumeration")]
