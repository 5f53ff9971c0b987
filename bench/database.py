"""The benchmarks' own database: created on the PostgreSQL server when it does not exist yet."""

from __future__ import annotations

import os


def ensure_database() -> None:
    """Create `POSTGRES_DB` on the server the settings point at, as the test script does.

    Called before Django is set up; does nothing on SQLite (the file is created on first use).
    """
    name = os.environ.get("POSTGRES_DB")
    if not name:
        return
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        dbname="postgres",
        user=os.environ.get("POSTGRES_USER", "postgres"),
        password=os.environ.get("POSTGRES_PASSWORD") or None,
        host=os.environ.get("POSTGRES_HOST", "127.0.0.1"),
        port=os.environ.get("POSTGRES_PORT", "5432"),
        autocommit=True,
    ) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created the PostgreSQL database {name}.")
