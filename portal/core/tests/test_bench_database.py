"""The benchmark scripts create their own PostgreSQL database, as the README's commands need."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from django.conf import settings

from bench.database import ensure_database


@pytest.mark.skipif(
    "postgresql" not in str(settings.DATABASES["default"]["ENGINE"]), reason="PostgreSQL only"
)
def test_bench_database_is_created_when_missing_and_reused_after(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    name = f"portal_bench_{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("POSTGRES_DB", name)
    db = settings.DATABASES["default"]

    def connect(dbname: str) -> psycopg.Connection[tuple[object, ...]]:
        user, host, port = str(db["USER"]), str(db["HOST"]), str(db["PORT"])
        return psycopg.connect(user=user, host=host, port=port, dbname=dbname, autocommit=True)

    try:
        ensure_database()
        ensure_database()  # the second run finds it
        assert capsys.readouterr().out == f"Created the PostgreSQL database {name}.\n"
        with connect(name) as connection:
            assert connection.execute("SELECT current_database()").fetchone() == (name,)
    finally:
        with connect("postgres") as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
