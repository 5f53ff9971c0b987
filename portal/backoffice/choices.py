"""The fixed lists the back office's forms offer, defined once."""

from __future__ import annotations

from django.db import models


class SendBackReason(models.TextChoices):
    """ "Renvoyer au salarié": the common reasons, ticked, then sent to the employee."""

    BANK_DETAILS = "rib", "RIB illisible ou non conforme"
    PROOF_MISSING = "justificatif", "Justificatif manquant"
    DEPENDANT_DOCUMENT = "beneficiaire", "Bénéficiaire : pièce manquante"
    IDENTITY = "identite", "Informations d'identité incohérentes"


SEND_BACK_REASONS = SendBackReason.choices
