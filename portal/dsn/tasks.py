from django_tasks import task

from portal.dsn import processing


@task()
def process_dsn_file(file_id: int) -> None:
    """Read and apply a DSN file; a restarted worker resumes it at its next declaration."""
    processing.process(file_id)
