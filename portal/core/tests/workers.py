"""Real task workers for the tests: `manage.py worker` subprocesses on the test database.

SQLite's in-memory test database cannot be opened by another process: it is copied to a file
the workers use, and copied back once they are done, for the test to assert with the ORM
(the test needs `transactional_db`). PostgreSQL's test database is shared as it is.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections, models
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteDatabaseWrapper
from django_tasks.base import Task
from django_tasks_db.models import DBTaskResult

from portal.core.models import JobLease, PostalCode
from portal.core.postal import load_postal_codes

ROOT = Path(settings.BASE_DIR)
DEADLINE = (
    90.0  # seconds: a test waiting longer fails (worker start-up is slow on a loaded machine)
)


@dataclass
class SharedDatabase:
    """The test database as worker processes open it."""

    env: dict[str, str]
    path: Path | None  # the SQLite file copy, None on PostgreSQL
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    def value(self, model: type[models.Model], column: str, **where: Any) -> Any:
        """One column of the row matching `where` (column = value), as the workers see it now;
        None when there is no such row."""
        table = model._meta.db_table
        names = list(where)
        if self.path is None:
            test = " AND ".join(f'"{name}" = %s' for name in names)
            with connections["default"].cursor() as cursor:
                cursor.execute(
                    f'SELECT "{column}" FROM "{table}" WHERE {test}', list(where.values())
                )
                row = cursor.fetchone()
        else:
            test = " AND ".join(f'"{name}" = ?' for name in names)
            with sqlite3.connect(self.path, timeout=20) as reader:
                sql = f'SELECT "{column}" FROM "{table}" WHERE {test}'
                row = reader.execute(sql, list(where.values())).fetchone()
        return None if row is None else row[0]

    def start_worker(self, **env: str) -> subprocess.Popen[bytes]:
        """A `manage.py worker` process polling every 50 ms, its worker id `w<rank>`."""
        log = self.path.parent if self.path else Path(settings.MEDIA_ROOT).parent
        log_file = log / f"worker-{len(self.workers)}.log"
        process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "worker",
                "--interval",
                "0.05",
                "--no-startup-delay",
                "--no-reload",
                "--verbosity",
                "2",
                "--worker-id",
                f"w{len(self.workers)}",
            ],
            cwd=ROOT,
            env={**os.environ, **self.env, **env},
            stdout=log_file.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.workers.append(process)
        self.logs.append(log_file)
        return process

    def running(self, task: Task[Any, Any]) -> subprocess.Popen[bytes]:
        """The worker process running `task` now (waiting for its result row to say so: the
        worker commits RUNNING and the job's first step in separate transactions)."""
        running = {"status": "RUNNING", "task_path": task.module_path}
        self.wait_for(
            lambda: self.value(DBTaskResult, "worker_ids", **running) is not None, "a running task"
        )
        ids = self.value(DBTaskResult, "worker_ids", **running)
        (worker_id,) = json.loads(ids) if isinstance(ids, str) else ids
        return self.workers[int(worker_id.removeprefix("w"))]

    def runs_ended(self, task: Task[Any, Any]) -> None:
        """Wait until no run of `task` is RUNNING: a worker finishes the job's rows, then
        records its run SUCCESSFUL in another transaction (a test reading the runs as soon as
        the job's row says done may find its run still RUNNING)."""
        running = {"status": "RUNNING", "task_path": task.module_path}
        self.wait_for(
            lambda: self.value(DBTaskResult, "id", **running) is None, "the runs to be recorded"
        )

    def holding(self, job: str, object_id: int) -> subprocess.Popen[bytes]:
        """The worker process holding the lease of the job now (its owner names its pid): what
        the reaper sees, whatever the task results say at that instant."""
        pids = {process.pid: process for process in self.workers}

        def holder() -> subprocess.Popen[bytes] | None:
            owner = self.value(JobLease, "owner", job=job, object_id=object_id) or ""
            parts = owner.split(":")
            return pids.get(int(parts[1])) if len(parts) == 3 and parts[1].isdigit() else None

        self.wait_for(lambda: holder() is not None, f"a worker holding {job} {object_id}")
        found = holder()
        assert found is not None
        return found

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        """Poll `condition` every 20 ms until it holds; fail after DEADLINE with the logs."""
        deadline = time.monotonic() + DEADLINE
        while not condition():
            if time.monotonic() > deadline:
                logs = "\n".join(f"--- {p.name}\n{p.read_text()[-4000:]}" for p in self.logs)
                raise AssertionError(f"Timed out waiting for {what}.\n{logs}")
            time.sleep(0.02)

    def sigterm_twice(self, process: subprocess.Popen[bytes]) -> None:
        """What an impatient operator does: SIGTERM (graceful shutdown), then, once the worker
        said it is shutting down, SIGTERM again (stop now)."""
        log = self.logs[self.workers.index(process)]
        process.send_signal(signal.SIGTERM)
        self.wait_for(lambda: b"shutting down gracefully" in log.read_bytes(), "the first SIGTERM")
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=DEADLINE)


DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # as in production


@contextmanager
def shared_database(tmp_path: Path, **env: str) -> Iterator[SharedDatabase]:
    """Workers started in the block use the test database; every worker is stopped at its end
    and, on SQLite, what they wrote is copied back into the test's database."""
    worker_env = {
        "PORTAL_ENV": "test",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        # Long enough for a chunk or a heartbeat to get through on a loaded machine.
        "JOB_LEASE_SECONDS": "5",
        "JOB_REAP_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    if not PostalCode.objects.exists():  # emptied by an earlier transactional test
        load_postal_codes()
    database = connections["default"]
    path: Path | None = None
    if isinstance(database, SQLiteDatabaseWrapper) and database.is_in_memory_db():
        database.ensure_connection()
        path = tmp_path / "workers.sqlite3"
        target = sqlite3.connect(path)
        database.connection.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
        target.close()
        worker_env["SQLITE_PATH"] = str(path)
    else:
        worker_env["POSTGRES_DB"] = str(database.settings_dict["NAME"])
    shared = SharedDatabase(env=worker_env, path=path)
    try:
        yield shared
    finally:
        for process in shared.workers:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=DEADLINE)
        if path is not None:
            source = sqlite3.connect(path)
            source.backup(database.connection)
            source.close()
