"""The pain.008.001.02 file of a debit run (rules.md R6.8), written and validated by sepaxml."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import cache
from pathlib import Path

import sepaxml
import xmlschema
from django.conf import settings
from sepaxml import SepaDD
from sepaxml.validation import ValidationError

from portal.billing.models import DebitLine
from portal.billing.rules import Period

SCHEMA = "pain.008.001.02"  # the version the banks still take everywhere (R6.8)


def remittance(period: Period) -> str:
    return f"Cotisation mutuelle {period.label}"


@cache
def _schema() -> xmlschema.XMLSchema:
    """sepaxml's own copy of the XSD, built once per process (building it is what costs a
    second on each file when sepaxml validates by itself)."""
    return xmlschema.XMLSchema(Path(sepaxml.__file__).parent / "schemas" / f"{SCHEMA}.xsd")


def debit_file(due_date: date, lines: Iterable[DebitLine]) -> bytes:
    """The direct-debit initiation for `lines`, one payment information block per sequence
    type; raises `sepaxml.validation.ValidationError` if the XML breaks the schema."""
    document = SepaDD(
        {
            "name": settings.SEPA_CREDITOR_NAME,
            "IBAN": settings.SEPA_CREDITOR_IBAN,
            "BIC": settings.SEPA_CREDITOR_BIC,
            "batch": True,
            "creditor_id": settings.SEPA_CREDITOR_ID,
            "currency": "EUR",
            "instrument": "CORE",
        },
        schema=SCHEMA,
        clean=True,
    )
    for line in lines:
        payment = {
            "name": line.debtor_name,
            "IBAN": line.iban,
            "amount": line.amount_cents,
            "type": line.sequence,
            "collection_date": due_date,
            "mandate_id": line.mandate_reference,
            "mandate_date": line.mandate_signed_on,
            "description": remittance(Period(line.period_start, line.period_end)),
            "endtoend_id": line.end_to_end_id,
        }
        if line.bic:
            payment["BIC"] = line.bic
        document.add_payment(payment)
    xml: bytes = document.export(validate=False)
    try:
        _schema().validate(xml.decode())
    except xmlschema.XMLSchemaValidationError as error:
        raise ValidationError(f"The SEPA file breaks {SCHEMA}: {error.reason}") from error
    return xml
