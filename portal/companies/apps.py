from django.apps import AppConfig


class CompaniesConfig(AppConfig):
    name = "portal.companies"
    label = "companies"
    verbose_name = "Entreprises et contrats"
