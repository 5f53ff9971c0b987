"""Fast inserts for the tables that a file import fills by the thousand.

Django's `bulk_create` builds a model instance per row and prepares every value through the
field's full conversion chain; for 100,000 employees (nine rows each) that is most of the
import's time. `insert_rows` takes plain tuples instead, converts only the values that need it
(dates, JSON, encrypted text), and writes them the fastest way each database offers:
`executemany` of one prepared statement on SQLite, `COPY … FROM STDIN` on PostgreSQL.

When the caller needs the new primary keys, they are reserved before the write (the
sequence's `nextval` on PostgreSQL; on SQLite, under the write lock that the IMMEDIATE
transaction holds, the next free ids) and written explicitly.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Collection, Sequence
from typing import Any

from django.db import connections, models, transaction
from django.utils import timezone

# Field classes (exactly these, not subclasses) whose database value is the Python value
# itself on SQLite and PostgreSQL alike.
PLAIN: set[type[models.Field[Any, Any]]] = {
    models.AutoField,
    models.BigAutoField,
    models.CharField,
    models.EmailField,
    models.TextField,
    models.IntegerField,
    models.BigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.BooleanField,
}


def _is_plain(field: models.Field[Any, Any]) -> bool:
    if isinstance(field, models.ForeignKey):
        return type(field.target_field) in PLAIN
    return type(field) in PLAIN


def _converter(field: models.Field[Any, Any], connection: Any) -> Callable[[Any], Any] | None:
    """How to turn a Python value into the database's (None: as it is)."""
    if _is_plain(field):
        return None
    if isinstance(field, models.DateField):  # DateTimeField included
        # A batch shares a handful of dates (its `now`, the effective dates): convert each once.
        @functools.lru_cache(maxsize=1024)
        def convert_date(value: Any) -> Any:
            return field.get_db_prep_save(value, connection)

        return convert_date
    return lambda value: field.get_db_prep_save(value, connection)


def _default(field: models.Field[Any, Any], now: Any) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    return field.get_default()


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    ids: bool = False,
    using: str = "default",
) -> list[int]:
    """Insert `rows` of Python values for `columns` (attribute names: "company_id" for a
    foreign key) into `model`'s table; returns the new primary keys in row order if `ids`.
    (A caller that needs the keys inside the rows reserves them with `reserve_ids` and
    gives an "id" column.)

    The model's other fields take their default, evaluated once for all rows (so a
    `timezone.now` default gives every row the same instant). No signal is sent, as with
    `bulk_create`. Database errors are Django's (`IntegrityError`…).
    """
    if not rows:
        return []
    connection = connections[using]
    meta = model._meta
    by_name = {f.attname: f for f in meta.concrete_fields}
    given = [by_name[name] for name in columns]
    others = [f for f in meta.concrete_fields if not f.primary_key and f.attname not in columns]
    now = timezone.now()
    fields = given + others
    converters = [(i, c) for i, f in enumerate(fields) if (c := _converter(f, connection))]
    defaults = tuple(_default(f, now) for f in others)
    assert meta.pk is not None
    with transaction.atomic(using=using):
        new_ids = reserve_ids(model, len(rows), using=using) if ids else []
        prefix = [meta.pk, *fields] if ids else fields

        def prepared() -> Any:
            for n, row in enumerate(rows):
                values = [*row, *defaults]
                for i, convert in converters:
                    values[i] = convert(values[i])
                if ids:
                    values.insert(0, new_ids[n])
                yield values

        table = connection.ops.quote_name(meta.db_table)
        names = ", ".join(connection.ops.quote_name(str(f.column)) for f in prefix)
        with connection.cursor() as cursor, connection.wrap_database_errors:
            if connection.vendor == "postgresql":
                # Only quoted names from the model's metadata are interpolated.
                sql = f"COPY {table} ({names}) FROM STDIN"
                with cursor.cursor.copy(sql) as copy:
                    for values in prepared():
                        copy.write_row(values)
            else:
                marks = ", ".join(["%s"] * len(prefix))
                sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
                cursor.executemany(sql, prepared())
    return new_ids


def reserve_ids(model: type[models.Model], count: int, *, using: str = "default") -> list[int]:
    """`count` primary keys of `model` that no other transaction can take, to insert in the
    current transaction."""
    connection = connections[using]
    assert connection.in_atomic_block, "ids are reserved for the current transaction"
    meta = model._meta
    assert meta.pk is not None and meta.pk.column is not None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, count],
            )
            return sorted(row[0] for row in cursor.fetchall())
        # SQLite: the transaction (IMMEDIATE) holds the database's only write lock, so no
        # other connection can insert until it ends; AUTOINCREMENT never reuses an id, hence
        # sqlite_sequence too.
        table = connection.ops.quote_name(meta.db_table)
        pk = connection.ops.quote_name(meta.pk.column)
        last_id = f"SELECT max({pk}) FROM {table}"  # noqa: S608  (quoted metadata names)
        sequence = "SELECT seq FROM sqlite_sequence WHERE name = %s"
        sql = f"SELECT max(COALESCE(({sequence}), 0), COALESCE(({last_id}), 0))"
        cursor.execute(sql, [meta.db_table])
        (last,) = cursor.fetchone()
        return list(range(last + 1, last + 1 + count))


def present_values(
    model: type[models.Model],
    field_name: str,
    values: Collection[str],
    *,
    case_insensitive: bool = False,
    using: str = "default",
) -> set[str]:
    """Which of `values` (thousands at once) a text column of `model` holds.

    One statement with one parameter (an array on PostgreSQL, a JSON list on SQLite), where
    the ORM's `__in` would bind and plan one parameter per value. `case_insensitive`
    compares lower-cased values through an index on `Lower(field)`; blank values never
    match.
    """
    if not values:
        return set()
    connection = connections[using]
    field = model._meta.get_field(field_name)
    column = connection.ops.quote_name(str(field.column))  # type: ignore[union-attr]
    table = connection.ops.quote_name(model._meta.db_table)
    compared = f"lower({column})" if case_insensitive else column
    wanted = sorted({v.lower() for v in values} if case_insensitive else set(values))
    # Only quoted names from the model's metadata are interpolated; values are bound. The
    # blank test is written as Django writes it in a partial index, for SQLite to use one.
    not_blank = f"NOT ({column} = '')"
    params: list[Any]
    if connection.vendor == "postgresql":
        # One index probe per value whatever the statistics say: with `= ANY(array)` the
        # planner may scan the whole table instead (e.g. while an import is filling it).
        probe = f"SELECT {compared} AS value FROM {table} WHERE {compared} = wanted.value"  # noqa: S608
        lateral = f"LATERAL ({probe} AND {not_blank} LIMIT 1) AS found"
        sql = f"SELECT found.value FROM unnest(%s::text[]) AS wanted(value) CROSS JOIN {lateral}"  # noqa: S608
        params = [wanted]
    else:
        wanted_sql = "SELECT value FROM json_each(%s)"
        sql = f"SELECT {compared} FROM {table} WHERE {compared} IN ({wanted_sql}) AND {not_blank}"  # noqa: S608
        params = [json.dumps(wanted)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}
