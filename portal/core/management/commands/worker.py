"""`manage.py worker`: the task worker (`db_worker`, same options) that also resumes, every
JOB_REAP_SECONDS, the jobs whose worker died (`portal.core.jobs`)."""

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from portal.core.jobs import Reaper


class Command(DbWorkerCommand):
    help = "Run the task worker; resume the jobs a stopped worker left (import and DSN files)."

    def handle(self, *args: Any, **options: Any) -> None:
        reaper = Reaper()
        reaper.start()
        try:
            super().handle(*args, **options)
        finally:
            reaper.stopped.set()
