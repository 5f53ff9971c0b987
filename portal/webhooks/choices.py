"""The webhook event types (a stable, documented list) and the delivery states."""

from __future__ import annotations

from django.db import models


class EventType(models.TextChoices):
    """What an endpoint may subscribe to; the codes are part of the public contract."""

    REQUEST_CREATED = "request.created", "Demande créée"
    REQUEST_STATE_CHANGED = "request.state_changed", "Changement d'état d'une demande"
    EMPLOYEE_ENROLLED = "employee.enrolled", "Adhésion signée par le salarié"
    MEMBERSHIP_ACTIVE = "membership.active", "Adhésion mise en gestion"
    MEMBERSHIP_TERMINATED = "membership.terminated", "Adhésion résiliée"
    IMPORT_FINISHED = "import.finished", "Import de fichier terminé"
    DSN_INTEGRATED = "dsn.integrated", "Fichier DSN intégré"


class MessageState(models.TextChoices):
    PENDING = "pending", "En cours d'envoi"
    DELIVERED = "delivered", "Livrée"
    FAILED_FOR_GOOD = "failed_for_good", "Échec définitif"
