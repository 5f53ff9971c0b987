"""Reissue the cards of members still covered for a new year (cron, in December or on 1 January)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from portal.cards.services import renew_card, renewable


class Command(BaseCommand):
    help = "Renouvelle les cartes mutualistes des adhérents couverts pour l'année (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--year", type=int, help="l'année des nouvelles cartes (par défaut : l'an prochain)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"] or timezone.localdate().year + 1
        renewed = 0
        for membership_id in renewable(year):
            if renew_card(membership_id=membership_id, year=year) is not None:
                renewed += 1
        self.stdout.write(f"{renewed} carte(s) renouvelée(s) pour {year}.")
