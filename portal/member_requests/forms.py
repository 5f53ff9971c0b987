"""The member's forms: a dependant added or removed after a life event, a document sent.

Fields are all optional for Django: the services' rules say what is missing, in one French
message naming the field. The file is read from `request.FILES` by the view and checked by
its content in the service (the waiver's checks and messages)."""

from __future__ import annotations

from typing import Any

from django import forms

from portal.core.errors import Problem
from portal.enrollment import rules as enrollment_rules
from portal.enrollment.forms import DATE_WIDGET, YES_NO, PersonForm
from portal.enrollment.models import Membership
from portal.enrollment.rules import DependantFacts
from portal.member_requests import rules
from portal.member_requests.choices import DocumentType
from portal.member_requests.rules import Direction

_DATE_INVALID = {"invalid": "Saisissez une date valide (jj/mm/aaaa)."}
ACCEPTED_FILES = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


def _event_choices(direction: Direction) -> list[tuple[str, str]]:
    return [("", "Choisissez"), *((e.code, e.label) for e in rules.events_for(direction))]


def _proof_field(label: str, help_text: str) -> forms.FileField:
    return forms.FileField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED_FILES}),
    )


class _ShowsProblems(forms.Form):
    def show(self, problems: list[Problem]) -> None:
        """Attach the services' problems to the fields that show them."""
        for problem in problems:
            self.add_error(problem.field if problem.field in self.fields else None, problem.message)


class AdditionForm(PersonForm, _ShowsProblems):
    """ "Ajouter un bénéficiaire": the life event, its date, the dependant (the journey's
    "Bénéficiaire" fields) and the proof."""

    life_event = forms.ChoiceField(
        label="Événement", choices=_event_choices(Direction.ADD), required=False
    )
    event_date = forms.DateField(
        label="Date de l'événement",
        widget=DATE_WIDGET,
        required=False,
        error_messages=_DATE_INVALID,
        help_text="Naissance, adoption, mariage, PACS, début de la vie commune ou fin de "
        "l'ancienne couverture.",
    )
    kind = forms.ChoiceField(
        label="Type de bénéficiaire",
        choices=[("", "Choisissez"), *enrollment_rules.DEPENDANT_KIND_CHOICES],
        required=False,
    )
    twin_rank = forms.TypedChoiceField(
        label="Rang gémellaire",
        choices=[(str(n), str(n)) for n in range(1, 10)],
        coerce=int,
        initial="1",
        required=False,
        help_text="1 pour un enfant né seul ; pour des jumeaux : 1 pour le premier né, 2 pour "
        "le second.",
    )
    studying = forms.BooleanField(label="Étudiant(e), apprenti(e) ou en alternance", required=False)
    disabled = forms.BooleanField(label="En situation de handicap (reconnu)", required=False)
    nir = forms.CharField(
        label="Numéro de sécurité sociale du bénéficiaire",
        max_length=25,
        required=False,
        help_text="Sur l'attestation de carte Vitale. Laissez vide pour un enfant rattaché à "
        "votre numéro.",
    )
    parent_nir = forms.CharField(
        label="Numéro de sécurité sociale de l'autre parent",
        max_length=25,
        required=False,
        help_text="Seulement pour un enfant rattaché au numéro de l'autre parent.",
    )
    fund_code = forms.CharField(
        label="Organisme de sécurité sociale",
        max_length=12,
        required=False,
        help_text="Code à 9 chiffres indiqué sur l'attestation de carte Vitale.",
    )
    alsace_moselle = forms.ChoiceField(
        label="Régime Alsace Moselle",
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
        initial="non",
    )
    proof = _proof_field(
        "Justificatif",
        "PDF, JPEG ou PNG. Acte de naissance, jugement d'adoption, acte de mariage, "
        "attestation de PACS, attestation de vie commune ou de fin de droits, selon "
        "l'événement.",
    )

    REQUIRED = (
        "life_event",
        "event_date",
        "kind",
        "civility",
        "last_name",
        "first_name",
        "birth_date",
        "twin_rank",
        "proof",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.REQUIRED:
            self.fields[name].widget.attrs["aria-required"] = "true"

    def to_facts(self) -> DependantFacts:
        data = self.cleaned_data
        kind = data.get("kind") or ""
        return DependantFacts(
            kind=enrollment_rules.DependantKind(kind) if kind else None,
            civility=data.get("civility") or "",
            last_name=data.get("last_name") or "",
            first_name=data.get("first_name") or "",
            birth_date=data.get("birth_date"),
            twin_rank=data.get("twin_rank"),
            nir=data.get("nir") or "",
            parent_nir=data.get("parent_nir") or "",
            fund_code=data.get("fund_code") or "",
            alsace_moselle=data.get("alsace_moselle") == "oui",
            studying_or_apprentice=bool(data.get("studying")),
            disabled=bool(data.get("disabled")),
        )


class RemovalForm(_ShowsProblems):
    """ "Retirer un bénéficiaire": the life event, its date and the proof it needs."""

    life_event = forms.ChoiceField(
        label="Événement", choices=_event_choices(Direction.REMOVE), required=False
    )
    event_date = forms.DateField(
        label="Date de l'événement",
        widget=DATE_WIDGET,
        required=False,
        error_messages=_DATE_INVALID,
    )
    proof = _proof_field(
        "Justificatif",
        "PDF, JPEG ou PNG : jugement de divorce, attestation de dissolution du PACS, "
        "attestation de fin de vie commune, attestation de l'autre couverture ou acte de décès "
        "(inutile pour un enfant qui n'est plus à charge).",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("life_event", "event_date"):
            self.fields[name].widget.attrs["aria-required"] = "true"


class DocumentForm(_ShowsProblems):
    """ "Envoyer un justificatif": which contract, what it is, the file and a message."""

    membership = forms.TypedChoiceField(label="Contrat", coerce=int, required=False)
    document_type = forms.ChoiceField(
        label="Type de document",
        choices=[("", "Choisissez"), *DocumentType.choices],
        required=False,
    )
    proof = _proof_field("Document", "PDF, JPEG ou PNG.")
    note = forms.CharField(
        label="Message",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 1000}),
        help_text="Facultatif : précisez ce que vous nous envoyez (1 000 caractères au plus).",
    )

    def __init__(self, *args: Any, memberships: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["membership"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [
            (m.pk, f"{m.contract.get_kind_display()} — contrat n° {m.contract.number}")
            for m in memberships
        ]
        for name in ("membership", "document_type", "proof"):
            self.fields[name].widget.attrs["aria-required"] = "true"
