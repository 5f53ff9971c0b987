"""Database side of the postal code list: loading and looking up."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from portal.core.addresses import POSTAL_CODES_FILE, PostalRow, match_commune, read_postal_codes
from portal.core.models import PostalCode


@transaction.atomic
def load_postal_codes(path: Path = POSTAL_CODES_FILE) -> int:
    """Replace the postal code table with the rows of `path`; returns the row count."""
    PostalCode.objects.all().delete()
    rows = [
        PostalCode(
            postal_code=r.postal_code,
            insee_code=r.insee_code,
            commune=r.commune,
            routing_label=r.routing_label,
        )
        for r in read_postal_codes(path)
    ]
    PostalCode.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def communes_for(postal_code: str) -> list[PostalRow]:
    """The communes served by a postal code (empty for unknown or CEDEX codes)."""
    return [
        PostalRow(p.postal_code, p.insee_code, p.commune, p.routing_label)
        for p in PostalCode.objects.filter(postal_code=postal_code)
    ]


def find_commune(postal_code: str, city: str) -> PostalRow | None:
    """The official commune for this postal code and city, or None when they do not match."""
    return match_commune(city, communes_for(postal_code))
