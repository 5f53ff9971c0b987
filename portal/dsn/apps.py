from django.apps import AppConfig


class DsnConfig(AppConfig):
    name = "portal.dsn"
    label = "dsn"
    verbose_name = "Flux DSN"

    def ready(self) -> None:
        from django.db.models import Q

        from portal.core.jobs import register_job
        from portal.dsn.models import DsnFile, DsnFileStatus
        from portal.dsn.tasks import process_dsn_file

        running = Q(
            status__in=[DsnFileStatus.QUEUED, DsnFileStatus.READING, DsnFileStatus.APPLYING]
        )
        register_job(DsnFile, running=running, task=process_dsn_file, since="uploaded_at")
