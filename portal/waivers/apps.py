from django.apps import AppConfig


class WaiversConfig(AppConfig):
    name = "portal.waivers"
    label = "waivers"
    verbose_name = "Dispenses d'adhésion"
