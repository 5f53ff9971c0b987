"""A worker killed in the middle of an import file: the job is seen stale, resumed by another
worker, and ends with exactly the file's rows (real `manage.py worker` processes)."""

from __future__ import annotations

import signal
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from conftest import make_nir
from portal.companies.models import Company
from portal.core import jobs
from portal.core.models import JobLease
from portal.core.tests.workers import DATABASE_QUEUE, SharedDatabase, shared_database
from portal.enrollment.models import Employee
from portal.imports import services, templates
from portal.imports.models import ImportBatch, ImportRow, ImportStatus
from portal.imports.tasks import process_import
from portal.tracking.models import Request, Source

ROWS = 3000
BAD = {10, 1500, 2999}  # rows whose NIR key is wrong: rejected, whoever processes them
RECENT = (timezone.localdate() - timedelta(days=10)).strftime("%d/%m/%Y")


def csv_file(count: int) -> bytes:
    """The CSV template with `count` employees, those at `BAD` with a wrong NIR key."""
    lines = [templates.build_csv_template().decode("utf-8-sig").splitlines()[0]]
    for i in range(count):
        nir = make_nir(place=f"75{101 + i // 999:03d}", order=f"{i % 999 + 1:03d}")
        if i in BAD:
            nir = nir[:13] + ("00" if nir[13:] != "00" else "01")
        name = "".join(chr(65 + (i // 26**k) % 26) for k in range(3))
        cells = ["Monsieur", f"Nom{name}", "Jean", "14/05/1985", nir, "", "3"]
        cells += ["rue de la Paix", "", "", "", "75002", "Paris", "FRANCE"]
        cells += [f"jean{i}@example.org", f"M{i:05d}", RECENT, RECENT, "Non"]
        lines.append(";".join(cells))
    return ("\n".join(lines) + "\n").encode()


def queued_import(company: Company, count: int, settings: Any) -> ImportBatch:
    """An import file handed in, its task waiting in the database queue for the workers."""
    settings.TASKS = DATABASE_QUEUE
    group = company.contracts.get().insured_groups.get()
    upload = SimpleUploadedFile("salaries.csv", csv_file(count))
    return services.start_import(company=company, groups=[group], upload=upload, by=None)


def interrupt_then_resume(shared: SharedDatabase, batch: ImportBatch, stop: str) -> None:
    """Two workers; the one that took the file is stopped once a chunk is declared."""
    shared.start_worker()
    shared.start_worker()
    shared.wait_for(
        lambda: shared.value(ImportBatch, "processed_rows", id=batch.pk) > 0, "the first chunk"
    )
    runner = shared.holding("imports.importbatch", batch.pk)
    if stop == "kill":
        runner.send_signal(signal.SIGKILL)
        runner.wait()
    else:
        shared.sigterm_twice(runner)
    assert shared.value(ImportBatch, "status", id=batch.pk) == ImportStatus.DECLARING
    assert shared.value(ImportBatch, "processed_rows", id=batch.pk) < ROWS
    shared.wait_for(
        lambda: (
            shared.value(ImportBatch, "status", id=batch.pk) == ImportStatus.DONE
            and shared.value(JobLease, "owner", job="imports.importbatch", object_id=batch.pk) == ""
        ),
        "the import to be resumed and finished",
    )
    shared.runs_ended(process_import)


def assert_exactly_the_files_rows(batch: ImportBatch) -> None:
    batch.refresh_from_db()
    good = ROWS - len(BAD)
    assert (batch.status, batch.processed_rows) == (ImportStatus.DONE, ROWS)
    assert (batch.declared_count, batch.rejected_count) == (good, len(BAD))
    assert Employee.objects.filter(company=batch.company).count() == good
    assert len(set(Employee.objects.values_list("nir_digest", flat=True))) == good
    assert Request.objects.filter(company=batch.company, source=Source.FILE).count() == good
    assert sorted(ImportRow.objects.filter(batch=batch).values_list("number", flat=True)) == [
        i + 2 for i in sorted(BAD)
    ]
    lease = JobLease.objects.get(job="imports.importbatch", object_id=batch.pk)
    assert (lease.owner, lease.interruptions) == ("", 1)


@pytest.mark.django_db(transaction=True)
def test_an_import_whose_worker_is_killed_is_resumed_by_another_worker_exactly_once(
    company_a: Company, tmp_path: Path, settings: Any
) -> None:
    batch = queued_import(company_a, ROWS, settings)
    with shared_database(tmp_path, IMPORT_CHUNK_ROWS="20") as shared:
        interrupt_then_resume(shared, batch, "kill")
    assert_exactly_the_files_rows(batch)
    # The killed run's result no longer says it runs; the resumed run succeeded.
    results = DBTaskResult.objects.filter(task_path=process_import.module_path)
    # The lost run failed once; the other runs succeeded: usually one, a second when a
    # lease renewal came late on a busy machine and the job was queued again (harmless: it
    # waits on the batch's row lock and finds nothing left to do; the rows above are exact).
    # (A copy queued again and not yet taken when the job ended is left out: READY.)
    outcomes = sorted(results.exclude(status="READY").values_list("status", "exception_class_path"))
    assert outcomes[0] == ("FAILED", "portal.core.jobs.WorkerLost")
    assert outcomes[1:] and set(outcomes[1:]) == {("SUCCESSFUL", "")}


@pytest.mark.django_db(transaction=True)
def test_an_import_whose_worker_gets_two_sigterms_is_resumed_exactly_once(
    company_a: Company, tmp_path: Path, settings: Any
) -> None:
    batch = queued_import(company_a, ROWS, settings)
    with shared_database(tmp_path, IMPORT_CHUNK_ROWS="20") as shared:
        interrupt_then_resume(shared, batch, "sigterm")
    assert_exactly_the_files_rows(batch)
    # The stopped run failed with the exit it was told; the resumed run succeeded.
    results = DBTaskResult.objects.filter(task_path=process_import.module_path)
    # The lost run failed once; the other runs succeeded: usually one, a second when a
    # lease renewal came late on a busy machine and the job was queued again (harmless: it
    # waits on the batch's row lock and finds nothing left to do; the rows above are exact).
    # (A copy queued again and not yet taken when the job ended is left out: READY.)
    outcomes = sorted(results.exclude(status="READY").values_list("status", "exception_class_path"))
    # Recorded by the stopping worker itself (SystemExit), or by the reaper when the lease ran
    # out first (WorkerLost): failed either way, once.
    assert outcomes[0] in {
        ("FAILED", "builtins.SystemExit"),
        ("FAILED", "portal.core.jobs.WorkerLost"),
    }
    assert outcomes[1:] and set(outcomes[1:]) == {("SUCCESSFUL", "")}


def stale_batch(company: Company, *, processed: int) -> ImportBatch:
    group = company.contracts.get().insured_groups.get()
    batch = ImportBatch(
        company=company,
        insured_group=group,
        filename="salaries.csv",
        status=ImportStatus.DECLARING,
        total_rows=6000,
        processed_rows=processed,
    )
    batch.file.save("salaries.csv", ContentFile(b"x"), save=False)
    batch.save()
    return batch


@pytest.mark.django_db
def test_the_page_says_an_import_whose_worker_stopped_is_interrupted_then_resumed(
    client_a: Client, company_a: Company
) -> None:
    batch = stale_batch(company_a, processed=2000)
    past = timezone.now() - timedelta(minutes=5)
    lease = JobLease.objects.create(
        job="imports.importbatch",
        object_id=batch.pk,
        owner="worker-1:4242:dead",
        lease_until=past,
        heartbeat_at=past,
    )
    url = reverse("imports:batch", args=[company_a.pk, batch.pk])
    page = client_a.get(url).content.decode()
    assert "2000 lignes traitées sur 6000" in page
    assert "Traitement interrompu." in page
    assert "le traitement reprendra seul" in page
    assert "le traitement continue" not in page
    lease.refresh_from_db()
    assert (lease.owner, lease.interruptions) == ("worker-1:4242:dead", 0)  # GET wrote nothing
    # A live worker took it up again.
    lease.owner, lease.interruptions = "worker-2:4343:live", 1
    lease.lease_until = timezone.now() + timedelta(minutes=2)
    lease.save()
    page = client_a.get(url).content.decode()
    assert "Reprise après interruption." in page
    assert "Traitement interrompu." not in page


@pytest.mark.django_db
def test_a_running_import_with_a_live_lease_is_shown_normally_and_left_alone(
    client_a: Client, company_a: Company
) -> None:
    batch = stale_batch(company_a, processed=2000)
    JobLease.objects.create(
        job="imports.importbatch",
        object_id=batch.pk,
        owner="worker-1:4242:live",
        lease_until=timezone.now() + timedelta(minutes=2),
    )
    page = client_a.get(reverse("imports:batch", args=[company_a.pk, batch.pk])).content.decode()
    assert "Traitement interrompu" not in page
    assert "Reprise après interruption" not in page
    assert "le traitement continue" in page
    assert jobs.resume_stale_jobs() == []


@pytest.mark.django_db
def test_the_reaper_resumes_a_stale_import_once_and_marks_the_lost_run_failed(
    company_a: Company, django_capture_on_commit_callbacks: Any
) -> None:
    batch = stale_batch(company_a, processed=0)
    past = timezone.now() - timedelta(minutes=5)
    JobLease.objects.create(
        job="imports.importbatch", object_id=batch.pk, owner="w:1:dead", lease_until=past
    )
    lost = DBTaskResult.objects.create(
        args_kwargs={"args": [batch.pk], "kwargs": {}},
        task_path=process_import.module_path,
        queue_name="default",
        backend_name="default",
        run_after=past,
        status="RUNNING",
        worker_ids=["w1"],
    )
    with django_capture_on_commit_callbacks() as enqueued:
        assert jobs.resume_stale_jobs() == [("imports.importbatch", batch.pk)]
        assert jobs.resume_stale_jobs() == []  # another worker's round: already resumed
    assert len(enqueued) == 1
    lost.refresh_from_db()
    assert (lost.status, lost.exception_class_path) == ("FAILED", "portal.core.jobs.WorkerLost")
    lease = JobLease.objects.get(job="imports.importbatch", object_id=batch.pk)
    assert (lease.owner, lease.interruptions) == ("", 1)
    assert lease.lease_until > timezone.now()  # left for the resumed run to start


@pytest.mark.django_db
def test_the_reaper_enqueues_an_import_no_worker_ever_took(
    company_a: Company, django_capture_on_commit_callbacks: Any
) -> None:
    batch = stale_batch(company_a, processed=0)
    fresh = stale_batch(company_a, processed=0)
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.QUEUED, created_at=timezone.now() - timedelta(minutes=10)
    )
    with django_capture_on_commit_callbacks() as enqueued:
        assert jobs.resume_stale_jobs() == [("imports.importbatch", batch.pk)]
    assert len(enqueued) == 1
    assert not JobLease.objects.filter(object_id=fresh.pk).exists()  # just handed in: waits


@pytest.mark.django_db
def test_a_job_stopped_too_often_is_no_longer_resumed(
    company_a: Company, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.JOB_MAX_RESUMES = 3
    batch = stale_batch(company_a, processed=0)
    JobLease.objects.create(
        job="imports.importbatch",
        object_id=batch.pk,
        lease_until=timezone.now() - timedelta(minutes=5),
        interruptions=3,
    )
    with django_capture_on_commit_callbacks() as enqueued:
        assert jobs.resume_stale_jobs() == []
    assert enqueued == []
