"""Keyset pagination for the long lists (issue 18, item 2): a page after (or before) the last
row seen, read on the list's index, so that page 500 costs what page 1 costs; and a count that
stops at `COUNT_CAP` ("plus de 10 000") instead of scanning a whole company.

The cursor is the sort key of the row at the page's edge, in the URL (`apres=` / `avant=`): not
a secret (the rows stay filtered by the company and the filters), and a cursor that does not
parse is the first page, never an error.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, QuerySet

COUNT_CAP = 10_000
MAX_PAGE_NUMBER = 1_000_000

T = TypeVar("T", bound=models.Model)


def _fields(ordering: tuple[str, ...]) -> list[tuple[str, bool]]:
    """("-created_at", "id") → [("created_at", True), ("id", False)] (name, descending)."""
    return [(key.lstrip("-"), key.startswith("-")) for key in ordering]


def encode(values: list[Any]) -> str:
    raw = json.dumps(values, default=str, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, model: type[models.Model], ordering: tuple[str, ...]) -> list[Any] | None:
    """The sort key a cursor carries, each value as its field's Python type; None if it does
    not parse (tampered, truncated, from another list)."""
    if not cursor or len(cursor) > 1000:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    fields = _fields(ordering)
    if not isinstance(values, list) or len(values) != len(fields):
        return None
    parsed = []
    for value, (name, _) in zip(values, fields, strict=True):
        if not isinstance(value, str | int) or isinstance(value, bool):
            return None
        try:
            parsed.append(model._meta.get_field(name).to_python(value))  # type: ignore[union-attr]
        except (ValidationError, ValueError, TypeError, OverflowError):
            return None
        if parsed[-1] is None:
            return None
    return parsed


def beyond(ordering: tuple[str, ...], values: list[Any], *, backwards: bool = False) -> Q:
    """The rows after `values` in `ordering` (before them if `backwards`): the lexicographic
    comparison, one branch per key — (a < x) OR (a = x AND b > y) OR …"""
    condition = Q(pk__in=[])
    equal = Q()
    for (name, descending), value in zip(_fields(ordering), values, strict=True):
        later = "lt" if descending != backwards else "gt"
        condition |= equal & Q(**{f"{name}__{later}": value})
        equal &= Q(**{name: value})
    return condition


def _key_of(row: models.Model, ordering: tuple[str, ...]) -> list[Any]:
    return [getattr(row, name) for name, _ in _fields(ordering)]


def capped_count(queryset: QuerySet[Any], cap: int | None = None) -> tuple[int, bool]:
    """The number of rows, read up to `cap` (`COUNT_CAP`) + 1 on the index: (count, capped)."""
    cap = COUNT_CAP if cap is None else cap
    found = queryset.order_by().values("pk")[: cap + 1].count()
    return (cap, True) if found > cap else (found, False)


@dataclass
class KeysetPage(Generic[T]):
    object_list: list[T]
    number: int
    count: int
    count_capped: bool
    size: int
    next_cursor: str = ""
    previous_cursor: str = ""

    @property
    def has_next(self) -> bool:
        return bool(self.next_cursor)

    @property
    def has_previous(self) -> bool:
        return bool(self.previous_cursor) or self.number > 1

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.size))

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.size + 1 if self.object_list else 0

    def next_query(self) -> str:
        return urlencode({"apres": self.next_cursor, "page": self.number + 1})

    def previous_query(self) -> str:
        if self.number <= 2 or not self.previous_cursor:
            return ""  # the first page: no cursor at all
        return urlencode({"avant": self.previous_cursor, "page": self.number - 1})


def _number(raw: str | None) -> int:
    try:
        number = int(raw or 1)
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE_NUMBER)


def keyset_page(
    queryset: QuerySet[T],
    ordering: tuple[str, ...],
    *,
    size: int,
    after: str | None = None,
    before: str | None = None,
    number: str | None = None,
    counted: tuple[int, bool] | None = None,
) -> KeysetPage[T]:
    """The page of `queryset` in `ordering` (whose last key is unique) after the cursor
    `after`, or before `before`; the first page without either (or with one that does not
    parse). `number` is the page number shown, carried by the links; `counted` the
    (count, capped) when the caller reads it faster than `capped_count` would."""
    model = queryset.model
    count, capped = counted if counted is not None else capped_count(queryset)
    backwards = False
    rows_query = queryset.order_by(*ordering)
    page_number = 1
    if (values := decode(after or "", model, ordering)) is not None:
        rows_query = rows_query.filter(beyond(ordering, values))
        page_number = max(2, _number(number))
    elif (values := decode(before or "", model, ordering)) is not None:
        reverse = tuple(key[1:] if key.startswith("-") else f"-{key}" for key in ordering)
        rows_query = queryset.order_by(*reverse).filter(beyond(ordering, values, backwards=True))
        backwards = True
        page_number = max(1, _number(number))
    rows = list(rows_query[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
        if not more:  # reached the start: this is the first page
            page_number = 1
    page: KeysetPage[T] = KeysetPage(
        object_list=rows, number=page_number, count=count, count_capped=capped, size=size
    )
    if rows:
        if more or backwards:  # backwards: the page we came from follows
            page.next_cursor = encode(_key_of(rows[-1], ordering))
        if page_number > 1:
            page.previous_cursor = encode(_key_of(rows[0], ordering))
    return page
