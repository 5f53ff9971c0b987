"""The member requests' enums, shared by their rules and their models."""

from __future__ import annotations

from django.db.models import TextChoices


class RequestKind(TextChoices):
    """What the member asks the insurer ("Mes demandes" and the staff queue say it so)."""

    ADD_DEPENDANT = "add_dependant", "Ajout de bénéficiaire"
    REMOVE_DEPENDANT = "remove_dependant", "Radiation de bénéficiaire"
    DOCUMENT = "document", "Envoi de justificatif"


class RequestState(TextChoices):
    SUBMITTED = "submitted", "En attente de traitement"
    ACCEPTED = "accepted", "Acceptée"
    REFUSED = "refused", "Refusée"
    WITHDRAWN = "withdrawn", "Annulée"


class DocumentType(TextChoices):
    """ "Envoyer un justificatif": what the member sends (the guide: "envoyer un devis ou
    justificatif")."""

    QUOTE = "devis", "Devis"
    PROOF = "justificatif", "Justificatif"
    OTHER = "autre", "Autre document"


class EventKind(TextChoices):
    """A step of a request's timeline."""

    SUBMITTED = "submitted", "Demande envoyée"
    ACCEPTED = "accepted", "Demande acceptée"
    REFUSED = "refused", "Demande refusée"
    WITHDRAWN = "withdrawn", "Demande annulée par l'adhérent"
