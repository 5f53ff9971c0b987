"""The pain.008.001.02 file: valid against the schema, exactly the due lines."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest
from sepaxml.validation import ValidationError

from portal.accounts.models import User
from portal.billing.models import DebitRun
from portal.billing.sepa import debit_file
from portal.billing.services import download_run_file
from portal.billing.tests.conftest import MakeMember, prepare

pytestmark = pytest.mark.django_db

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}


def parsed(xml: str) -> ET.Element:
    return ET.fromstring(xml.encode())


def test_file_holds_exactly_the_due_lines(make_member: MakeMember, staff_user: User) -> None:
    first = make_member(frequency="monthly", debit_day=20, last_name="Simon")
    quarterly = make_member(frequency="quarterly", debit_day=20, last_name="Durand")
    make_member(frequency="monthly", debit_day=5, last_name="Autre")  # another day
    prepare(date(2026, 12, 20), date(2026, 12, 1))
    january = prepare(date(2027, 1, 20), date(2027, 1, 1))
    newcomer = make_member(frequency="monthly", debit_day=20, last_name="Martin")
    january = prepare(date(2027, 1, 20), date(2027, 1, 2))

    run = download_run_file(run_id=january.pk, by=staff_user)

    root = parsed(run.file_xml)
    header = root.find("p:CstmrDrctDbtInitn/p:GrpHdr", NS)
    assert header is not None
    assert header.findtext("p:NbOfTxs", namespaces=NS) == "3"
    assert header.findtext("p:CtrlSum", namespaces=NS) == "648.00"  # 108 + 324 + 216
    transactions = {
        tx.findtext("p:DrctDbtTx/p:MndtRltdInf/p:MndtId", namespaces=NS): (
            tx.findtext("p:InstdAmt", namespaces=NS),
            tx.find("p:InstdAmt", NS).get("Ccy"),  # type: ignore[union-attr]
            tx.findtext("p:DrctDbtTx/p:MndtRltdInf/p:DtOfSgntr", namespaces=NS),
            tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS),
            tx.findtext("p:RmtInf/p:Ustrd", namespaces=NS),
            tx.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=NS),
        )
        for tx in root.iterfind(".//p:DrctDbtTxInf", NS)
    }
    iban = "FR7630006000011234567890189"
    assert transactions == {
        f"ADH-{first.member_number}-1": (
            "108.00", "EUR", "2026-12-01", f"COT-{first.member_number}-20270120",
            "Cotisation mutuelle janvier 2027", iban,
        ),
        f"ADH-{quarterly.member_number}-1": (
            "324.00", "EUR", "2026-12-01", f"COT-{quarterly.member_number}-20270120",
            "Cotisation mutuelle janvier a mars 2027", iban,
        ),
        # Signed on 1 December, first debited in January: December is caught up.
        f"ADH-{newcomer.member_number}-1": (
            "216.00", "EUR", "2026-12-01", f"COT-{newcomer.member_number}-20270120",
            "Cotisation mutuelle decembre 2026 a janvier 2027", iban,
        ),
    }  # fmt: skip
    blocks = {
        block.findtext("p:PmtTpInf/p:SeqTp", namespaces=NS): (
            block.findtext("p:NbOfTxs", namespaces=NS),
            block.findtext("p:CtrlSum", namespaces=NS),
            block.findtext("p:ReqdColltnDt", namespaces=NS),
            block.findtext("p:PmtTpInf/p:LclInstrm/p:Cd", namespaces=NS),
            block.findtext(".//p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id", namespaces=NS),
            block.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS),
        )
        for block in root.iterfind(".//p:PmtInf", NS)
    }
    assert blocks == {
        "RCUR": ("2", "432.00", "2027-01-20", "CORE", "FR69ZZZ651190", iban),
        "FRST": ("1", "216.00", "2027-01-20", "CORE", "FR69ZZZ651190", iban),
    }
    assert run.file_name == "prelevements-2027-01-20.xml"


def test_downloading_again_gives_the_same_file(make_member: MakeMember, staff_user: User) -> None:
    make_member(debit_day=20)
    run = prepare(date(2026, 12, 20), date(2026, 12, 1))
    first = download_run_file(run_id=run.pk, by=staff_user).file_xml

    again = download_run_file(run_id=run.pk, by=staff_user).file_xml

    assert again == first
    stored = DebitRun.objects.values_list("file_xml", flat=True).get()
    assert stored == first  # read back in clear by the encrypted field


def test_file_is_kept_encrypted_in_the_database(make_member: MakeMember, staff_user: User) -> None:
    from django.db import connection

    make_member(debit_day=20)
    run = prepare(date(2026, 12, 20), date(2026, 12, 1))
    download_run_file(run_id=run.pk, by=staff_user)

    with connection.cursor() as cursor:
        cursor.execute("SELECT file_xml FROM billing_debitrun")
        (raw,) = cursor.fetchone()
    assert "FR7630006000011234567890189" not in raw
    assert "CstmrDrctDbtInitn" not in raw


def test_schema_validation_is_on(make_member: MakeMember, settings: object) -> None:
    make_member(debit_day=20)
    run = prepare(date(2026, 12, 20), date(2026, 12, 1))
    # A creditor BIC of the wrong shape breaks the pain.008 schema: sepaxml refuses the file.
    settings.SEPA_CREDITOR_BIC = "NOT A BIC"  # type: ignore[attr-defined]

    with pytest.raises(ValidationError):
        debit_file(run.due_date, run.lines.all())


def test_a_line_that_breaks_the_schema_fails_the_preparation_and_tells_no_one(
    make_member: MakeMember, settings: object
) -> None:
    from portal.billing.models import DebitLine
    from portal.notifications.models import OutboundMessage

    make_member(debit_day=20)
    settings.SEPA_CREDITOR_ID = ""  # type: ignore[attr-defined]

    with pytest.raises(ValidationError):
        prepare(date(2026, 12, 20), date(2026, 12, 1))

    assert not DebitRun.objects.exists()
    assert not DebitLine.objects.exists()
    assert not OutboundMessage.objects.filter(template="debit_notice").exists()
