from django_tasks import task

from portal.core import jobs
from portal.dsn import processing
from portal.dsn.models import DsnFile


@task()
def process_dsn_file(file_id: int) -> None:
    """Read and apply a DSN file under its lease; a stopped worker's is resumed at its next
    declaration."""
    with jobs.lease(DsnFile, file_id) as held:
        if held:
            processing.process(file_id)
