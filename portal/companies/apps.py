from django.apps import AppConfig


class CompaniesConfig(AppConfig):
    name = "portal.companies"
    label = "companies"
    verbose_name = "Entreprises et contrats"

    def ready(self) -> None:
        # Accounts is the lower app: it asks this rule whether a correspondent needs a second
        # factor, without reading the company setting itself.
        from portal.accounts.policy import register_correspondent_policy
        from portal.companies.queries import correspondent_two_factor_required

        register_correspondent_policy(correspondent_two_factor_required)
