"""The benchmark scripts create their own PostgreSQL database, as the README's commands need."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from django.conf import settings

from bench.database import ensure_database


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="PostgreSQL only"
)
def test_bench_database_is_created_when_missing_and_reused_after(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    name = f"portal_bench_{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("POSTGRES_DB", name)
    db = settings.DATABASES["default"]
    server = {
        "user": db["USER"],
        "host": db["HOST"],
        "port": str(db["PORT"]),
        "dbname": "postgres",
        "autocommit": True,
    }
    try:
        ensure_database()
        ensure_database()  # the second run finds it
        assert capsys.readouterr().out == f"Created the PostgreSQL database {name}.\n"
        with psycopg.connect(**{**server, "dbname": name}) as connection:
            assert connection.execute("SELECT current_database()").fetchone() == (name,)
    finally:
        with psycopg.connect(**server) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
