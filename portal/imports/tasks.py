from django_tasks import task

from portal.imports import processing


@task()
def process_import(batch_id: int) -> None:
    """Read and declare an import file; a restarted worker resumes it."""
    processing.process(batch_id)
