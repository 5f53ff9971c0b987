from django_tasks import task

from portal.core import jobs
from portal.imports import processing
from portal.imports.models import ImportBatch


@task()
def process_import(batch_id: int) -> None:
    """Read and declare an import file under its lease; a stopped worker's is resumed."""
    with jobs.lease(ImportBatch, batch_id) as held:
        if held:
            processing.process(batch_id)
