from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "portal.assistance"
    label = "assistance"
    verbose_name = "Assistance à distance"
