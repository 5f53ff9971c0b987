"""Keyset pagination (issue 18, item 2): every row once, in order, forwards and back, whatever
the ties; a cursor that does not parse is the first page; counts stop at the cap."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.urls import reverse

from conftest import declare, make_nir, text
from portal.companies.models import Company
from portal.core import keyset
from portal.core.keyset import capped_count, decode, encode, keyset_page
from portal.tracking.models import Request

ORDER = ("-created_at", "search_name", "-id")
SAME_MOMENT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def requests(company_a: Company) -> list[int]:
    """23 requests: 13 made at the same moment (one file), 10 one by one."""
    for i in range(23):
        declare(
            company_a,
            last_name=f"Nom{chr(65 + (i * 7) % 23)}",
            email=f"e{i}@example.org",
            nir=make_nir(order=f"{i + 100}"),
            employee_number=f"K{i}",
        )
    ids = list(Request.objects.order_by("pk").values_list("pk", flat=True))
    Request.objects.filter(pk__in=ids[:13]).update(created_at=SAME_MOMENT)
    return ids


def expected(company: Company) -> list[int]:
    return list(
        Request.objects.filter(company=company).order_by(*ORDER).values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_following_next_then_previous_walks_every_row_once_in_order(
    company_a: Company, requests: list[int]
) -> None:
    queryset = Request.objects.filter(company=company_a)
    walked: list[list[int]] = []
    page = keyset_page(queryset, ORDER, size=5)
    while True:
        walked.append([r.pk for r in page.object_list])
        assert (page.count, page.count_capped, page.num_pages) == (23, False, 5)
        assert page.number == len(walked)
        if not page.has_next:
            break
        page = keyset_page(
            queryset, ORDER, size=5, after=page.next_cursor, number=str(page.number + 1)
        )
    assert [pk for chunk in walked for pk in chunk] == expected(company_a)
    assert [len(chunk) for chunk in walked] == [5, 5, 5, 5, 3]
    # Back from the last page to the first, through "Page précédente".
    back = [walked[-1]]
    while page.has_previous:
        page = keyset_page(
            queryset, ORDER, size=5, before=page.previous_cursor, number=str(page.number - 1)
        )
        back.append([r.pk for r in page.object_list])
    assert back[::-1] == walked
    assert page.number == 1 and page.previous_query() == ""


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "%%%",
        "bm90IGpzb24",
        encode(["x"]),
        encode(["2026-13-45", "a", 1]),
        encode([True, "a", 1]),
        "A" * 2000,
    ],
)
@pytest.mark.django_db
def test_a_cursor_that_does_not_parse_is_the_first_page(
    company_a: Company, requests: list[int], cursor: str
) -> None:
    assert decode(cursor, Request, ORDER) is None
    page = keyset_page(
        Request.objects.filter(company=company_a), ORDER, size=5, after=cursor, number="7"
    )
    assert page.number == 1
    assert [r.pk for r in page.object_list] == expected(company_a)[:5]


@pytest.mark.django_db
def test_the_count_stops_at_the_cap(company_a: Company, requests: list[int]) -> None:
    queryset = Request.objects.filter(company=company_a)
    assert capped_count(queryset, cap=10) == (10, True)
    assert capped_count(queryset, cap=23) == (23, False)


@pytest.mark.django_db
def test_a_list_beyond_the_cap_says_plus_de(
    client_a: Any, company_a: Company, requests: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keyset, "COUNT_CAP", 10)
    page = text(client_a.get(reverse("employer:employees", args=[company_a.pk])))
    assert "Plus de 10 collaborateurs" in page
    assert "Page 1 sur plus de 1" in page
    listed = text(client_a.get(reverse("tracking:requests", args=[company_a.pk])))
    assert "Plus de 10 demandes" in listed
