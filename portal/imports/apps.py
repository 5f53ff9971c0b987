from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "portal.imports"
    label = "imports"
    verbose_name = "Imports de fichiers"

    def ready(self) -> None:
        from django.db.models import Q

        from portal.core.jobs import register_job
        from portal.imports.models import ImportBatch, ImportStatus
        from portal.imports.tasks import process_import

        running = Q(status__in=[ImportStatus.QUEUED, ImportStatus.DECLARING])
        register_job(ImportBatch, running=running, task=process_import, since="created_at")
