from django.apps import AppConfig


class CardsConfig(AppConfig):
    name = "portal.cards"
    label = "cards"
    verbose_name = "Cartes mutualistes"

    def ready(self) -> None:
        from portal.cards.services import refresh_card
        from portal.enrollment.effects import register_membership_listener

        register_membership_listener(refresh_card)
