"""Background jobs that survive a killed worker: a lease on each job, a heartbeat, a reaper.

A job is a row its task processes in resumable steps (an import file's chunks, a DSN file's
declarations: `imports.processing`, `dsn.processing`). The task runs the row inside
`lease(...)`: the worker takes the row's `JobLease` and a heartbeat thread moves
`lease_until` on every `JOB_LEASE_SECONDS / 4` while the process lives, whatever the length of
the step's transaction. A worker killed (kill -9, a second SIGTERM) stops beating; once its
lease has passed, `resume_stale_jobs` — run by every live worker (`manage.py worker`) — marks
the lost task's result failed and enqueues the task again; the job resumes at its position.
Several workers may reap at once: each takes a stale lease with `select_for_update(skip_locked)`
and moves it on before enqueuing, so one of them resumes it. The row locks of the job's own
steps keep two workers from applying a step twice if a lease was ever wrongly judged stale.
"""

from __future__ import annotations

import enum
import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import (
    DatabaseError,
    IntegrityError,
    close_old_connections,
    connections,
    models,
    transaction,
)
from django.utils import timezone
from django_tasks.base import Task
from django_tasks_db.models import DBTaskResult

from portal.core.models import JobLease

logger = logging.getLogger(__name__)


class WorkerLost(Exception):
    """What a task's result says when the worker running it died without finishing it."""


@dataclass(frozen=True)
class Job:
    """A kind of job row: which rows are still to finish, the task that processes one (by its
    id), and the field saying since when a row waits."""

    model: type[models.Model]
    running: models.Q
    task: Task[[int], None]
    since: str

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


_jobs: dict[str, Job] = {}


def register_job(
    model: type[models.Model], *, running: models.Q, task: Task[[int], None], since: str
) -> None:
    """Declare a resumable job (each app, in its `AppConfig.ready()`)."""
    job = Job(model=model, running=running, task=task, since=since)
    _jobs[job.label] = job


def _lease_length() -> timedelta:
    return timedelta(seconds=settings.JOB_LEASE_SECONDS)


_held = threading.local()  # the lease this thread's job runs under (`lease`)


def renew() -> None:
    """Move the running job's lease on (each step of a job, in its transaction: on SQLite a
    busy worker's heartbeat thread may not get the write lock between two steps)."""
    held: tuple[int, str] | None = getattr(_held, "lease", None)
    if held is not None:
        now = timezone.now()
        JobLease.objects.filter(pk=held[0], owner=held[1]).update(
            lease_until=now + _lease_length(), heartbeat_at=now
        )


class _Heartbeat(threading.Thread):
    """Moves the lease on while the process lives (its own database connection)."""

    def __init__(self, lease_id: int, owner: str) -> None:
        super().__init__(name=f"job-heartbeat-{lease_id}", daemon=True)
        self.lease_id = lease_id
        self.owner = owner
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(settings.JOB_LEASE_SECONDS / 4):
                now = timezone.now()
                try:
                    JobLease.objects.filter(pk=self.lease_id, owner=self.owner).update(
                        lease_until=now + _lease_length(), heartbeat_at=now
                    )
                except DatabaseError:  # a busy SQLite file: the next beat tries again
                    logger.warning("Heartbeat of job lease %s failed", self.lease_id)
        finally:
            connections.close_all()


@contextmanager
def lease(model: type[models.Model], object_id: int) -> Iterator[bool]:
    """Hold the job's lease while the block runs: True if this worker holds it, False if a live
    worker already does (the block should then do nothing). Left by an exception (a second
    SIGTERM included), the job is counted interrupted and resumable at once."""
    label = model._meta.label_lower
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:120]
    now = timezone.now()
    with transaction.atomic(durable=True):
        row, _ = JobLease.objects.select_for_update().get_or_create(
            job=label, object_id=object_id, defaults={"lease_until": now}
        )
        if row.owner and row.lease_until > now:
            held = False
        else:
            held = True
            if row.owner:  # its last holder died and no reaper noticed yet
                row.interruptions += 1
                row.interrupted_at = row.heartbeat_at or now
            row.owner = owner
            row.lease_until = now + _lease_length()
            row.heartbeat_at = now
            row.save()
    if not held:
        yield False
        return
    heartbeat = _Heartbeat(row.pk, owner)
    heartbeat.start()
    _held.lease = (row.pk, owner)
    interrupted = True
    try:
        yield True
        interrupted = False
    finally:
        _held.lease = None
        heartbeat.stopped.set()
        heartbeat.join()
        _release(row.pk, owner, interrupted=interrupted)


def _release(lease_id: int, owner: str, *, interrupted: bool) -> None:
    now = timezone.now()
    mine = JobLease.objects.filter(pk=lease_id, owner=owner)
    if interrupted:
        mine.update(
            owner="",
            lease_until=now,
            interruptions=models.F("interruptions") + 1,
            interrupted_at=now,
        )
        return
    # Kept once finished (its interruptions are the job's history); a job stopped early is
    # still running: the reaper resumes it.
    mine.update(owner="", lease_until=now)


def _results(job: Job, object_id: int) -> models.QuerySet[DBTaskResult[..., Any]]:
    """The queue's results of the job's task for this row."""
    return DBTaskResult.objects.filter(
        task_path=job.task.module_path, args_kwargs__args__0=object_id
    )


def _resume(job: Job, object_id: int) -> None:
    """Inside the reaper's transaction: the lost runs marked failed, the task enqueued again
    (unless a run is already waiting in the queue)."""
    results = _results(job, object_id)
    for lost in results.filter(status="RUNNING"):
        lost.set_failed(WorkerLost(f"Worker {lost.worker_ids} lost; the job is resumed."))
    if not results.filter(status="READY").exists():
        transaction.on_commit(lambda: job.task.enqueue(object_id))


def resume_stale_jobs(*, now: datetime | None = None, limit: int = 100) -> list[tuple[str, int]]:
    """Resume every job whose worker stopped beating (or that no worker ever took): the
    (model label, id) of each job resumed."""
    now = now or timezone.now()
    resumed: list[tuple[str, int]] = []
    for job in list(_jobs.values()):
        running = job.model._default_manager.filter(job.running)
        stale = JobLease.objects.filter(
            job=job.label,
            lease_until__lt=now,
            interruptions__lt=settings.JOB_MAX_RESUMES,
            object_id__in=running.values("pk"),
        ).values_list("pk", flat=True)[:limit]
        for lease_id in stale:
            with transaction.atomic(durable=True):
                row = (
                    JobLease.objects.select_for_update(skip_locked=True)
                    .filter(pk=lease_id, lease_until__lt=now)
                    .first()
                )
                if row is None:  # another worker is resuming it
                    continue
                if row.owner:
                    row.interruptions += 1
                    row.interrupted_at = row.heartbeat_at or now
                    logger.warning("Resuming %s %s after its worker stopped", job.label, row.pk)
                row.owner = ""
                row.lease_until = now + _lease_length()  # for the resumed run to start
                row.save()
                _resume(job, row.object_id)
            resumed.append((job.label, row.object_id))
        # Rows no worker ever took (an enqueue lost with its process, a long queue).
        leased = JobLease.objects.filter(job=job.label).values("object_id")
        waiting = running.filter(**{f"{job.since}__lt": now - _lease_length()}).exclude(
            pk__in=leased
        )
        for object_id in waiting.values_list("pk", flat=True)[:limit]:
            with transaction.atomic(durable=True):
                try:
                    with transaction.atomic():
                        JobLease.objects.create(
                            job=job.label, object_id=object_id, lease_until=now + _lease_length()
                        )
                except IntegrityError:  # another worker is resuming it
                    continue
                _resume(job, object_id)
            resumed.append((job.label, object_id))
    return resumed


class Reaper(threading.Thread):
    """Runs `resume_stale_jobs` every `JOB_REAP_SECONDS` in a worker process."""

    def __init__(self) -> None:
        super().__init__(name="job-reaper", daemon=True)
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while True:
                close_old_connections()
                try:
                    resume_stale_jobs()
                except DatabaseError:  # a busy or restarting database: the next round
                    logger.exception("Resuming stale jobs failed")
                if self.stopped.wait(settings.JOB_REAP_SECONDS):
                    return
        finally:
            connections.close_all()


class Health(enum.Enum):
    """What a job's page tells about it beyond its progress."""

    NORMAL = "normal"
    INTERRUPTED = "interrupted"  # its worker stopped; waiting for a live one
    RESUMED = "resumed"  # a live worker took it up again after an interruption


def health(instance: Any, *, now: datetime | None = None) -> Health:
    """The truth about a running job: interrupted (stale), resumed after an interruption, or
    normal. Read only: showing it never writes."""
    now = now or timezone.now()
    job = _jobs[instance._meta.label_lower]
    row = JobLease.objects.filter(job=job.label, object_id=instance.pk).first()
    if row is None:
        waiting_since = getattr(instance, job.since)
        return Health.INTERRUPTED if waiting_since < now - _lease_length() else Health.NORMAL
    if row.lease_until < now or (not row.owner and row.interruptions):
        return Health.INTERRUPTED
    return Health.RESUMED if row.interruptions else Health.NORMAL
