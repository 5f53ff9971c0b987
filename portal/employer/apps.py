from django.apps import AppConfig


class EmployerConfig(AppConfig):
    name = "portal.employer"
    label = "employer"
    verbose_name = "Espace entreprise"
