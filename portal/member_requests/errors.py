"""The member requests' problem codes, each with its one French message."""

from __future__ import annotations

from portal.core.errors import ErrorCode


class MemberRequestError(ErrorCode):
    """Adding or removing a dependant after a life event, sending a document, deciding."""

    LIFE_EVENT_REQUIRED = (
        "life_event_required",
        "Champ « Événement » obligatoire : choisissez l'événement qui motive votre demande.",
    )
    LIFE_EVENT_UNKNOWN = (
        "life_event_unknown",
        "Champ « Événement » : choisissez un des événements de la liste.",
    )
    KIND_NOT_ALLOWED = (
        "kind_not_allowed",
        "L'événement « {event} » permet d'{verb} {allowed} seulement : choisissez l'événement "
        "qui correspond à votre situation.",
    )
    EVENT_DATE_REQUIRED = (
        "event_date_required",
        "Champ « Date de l'événement » obligatoire : saisissez-la au format JJ/MM/AAAA.",
    )
    EVENT_DATE_FUTURE = (
        "event_date_future",
        "Champ « Date de l'événement » : la date ne peut pas être dans le futur ; faites votre "
        "demande une fois l'événement survenu.",
    )
    EVENT_DATE_TOO_OLD = (
        "event_date_too_old",
        "Champ « Date de l'événement » : la date doit être postérieure au 01/01/1900.",
    )
    BIRTH_NOT_EVENT_DATE = (
        "birth_not_event_date",
        "Champ « Date de naissance » : pour une naissance, la date de naissance de l'enfant "
        "est celle de l'événement ({day}).",
    )
    ADOPTION_BEFORE_BIRTH = (
        "adoption_before_birth",
        "Champ « Date de l'événement » : l'adoption ne peut pas précéder la naissance de l'enfant.",
    )
    SPOUSE_ALREADY_ASKED = (
        "spouse_already_asked",
        "Champ « Type de bénéficiaire » : l'ajout d'un conjoint, partenaire ou concubin est déjà "
        "en attente de traitement ; un seul peut être couvert.",
    )
    LIFE_EVENT_PROOF_REQUIRED = (
        "life_event_proof_required",
        "Champ « Justificatif » obligatoire : joignez {proof} (PDF, JPEG ou PNG).",
    )
    DOCUMENT_REQUIRED = (
        "document_required",
        "Champ « Document » obligatoire : joignez votre document (PDF, JPEG ou PNG).",
    )
    DOCUMENT_TYPE_REQUIRED = (
        "document_type_required",
        "Champ « Type de document » obligatoire : choisissez Devis, Justificatif ou Autre "
        "document.",
    )
    NOTE_TOO_LONG = (
        "note_too_long",
        "Champ « Message » : {max} caractères au plus ({length} saisis).",
    )
    MEMBERSHIP_NOT_CURRENT = (
        "membership_not_current",
        "Champ « Contrat » : choisissez un de vos contrats en cours.",
    )
    DEPENDANT_NOT_COVERED = (
        "dependant_not_covered",
        "Ce bénéficiaire n'est plus couvert par votre contrat, ou sa radiation est déjà décidée.",
    )
    REMOVAL_PENDING = (
        "removal_pending",
        "Une demande de radiation de ce bénéficiaire est déjà en attente de traitement.",
    )
    NOT_PENDING = (
        "not_pending",
        "Cette demande n'est plus en attente de traitement : elle a déjà été traitée ou annulée.",
    )
    DECISION_REASON_REQUIRED = (
        "request_refusal_reason_required",
        "Champ « Motif du refus » obligatoire : l'adhérent le reçoit par e-mail.",
    )
