"""The employer's "Résilier le contrat" form."""

from __future__ import annotations

from typing import Any

from django import forms

from portal.core.errors import Problem
from portal.enrollment.forms import DATE_WIDGET, YES_NO
from portal.terminations.portability import EarlyEndReason
from portal.terminations.rules import PORTABILITY_MOTIFS, TerminationMotif


class MotifSelect(forms.RadioSelect):
    """The motifs, those opening portability marked `data-opens-portability`: the page shows
    "Souhaitez-vous activer la portabilité ?" only when one of them is checked (CSS `:has()`,
    no JavaScript); the server refuses "Oui" with any other motif."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option: dict[str, Any] = super().create_option(*args, **kwargs)
        if option["value"] in PORTABILITY_MOTIFS:
            option["attrs"]["data-opens-portability"] = ""
            option["opens_portability"] = True  # the page marks it (one legend explains)
        return option


class TerminationForm(forms.Form):
    hire_date = forms.DateField(
        label="Date d'embauche",
        widget=DATE_WIDGET,
        required=False,
        error_messages={"invalid": "Saisissez une date valide (jj/mm/aaaa)."},
    )
    termination_date = forms.DateField(
        label="Date de résiliation",
        widget=DATE_WIDGET,
        required=False,
        error_messages={"invalid": "Saisissez une date valide (jj/mm/aaaa)."},
    )
    motif = forms.ChoiceField(
        label="Veuillez sélectionner un motif de résiliation",
        choices=[(m.value, m.label) for m in TerminationMotif],
        widget=MotifSelect,
        required=False,
    )
    portability = forms.ChoiceField(
        label="Souhaitez-vous activer la portabilité ?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("hire_date", "termination_date", "motif"):
            self.fields[name].widget.attrs["aria-required"] = "true"

    def portability_shown(self) -> bool:
        """Whether the page shows the portability question whatever the motif checked: when
        it is refused, so that its error is seen."""
        return bool(self.errors.get("portability"))

    def portability_answer(self) -> bool | None:
        return {"oui": True, "non": False}.get(self.cleaned_data.get("portability") or "")

    def show(self, problems: list[Problem]) -> None:
        for problem in problems:
            self.add_error(problem.field if problem.field in self.fields else None, problem.message)


# --- A running portability ----------------------------------------------------------------------

ACCEPTED_FILES = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


class _ShowsProblems(forms.Form):
    def show(self, problems: list[Problem]) -> None:
        """Attach the services' problems to the fields that show them."""
        for problem in problems:
            self.add_error(problem.field if problem.field in self.fields else None, problem.message)


class PortabilityProofForm(_ShowsProblems):
    """ "Envoyer mon attestation": the file is checked by its content in the service."""

    proof = forms.FileField(
        label="Attestation France Travail (ex-Pôle emploi)",
        required=False,
        help_text="PDF, JPEG ou PNG : l'attestation de paiement ou l'avis de situation "
        "téléchargé sur francetravail.fr.",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED_FILES}),
    )


class EarlyEndForm(_ShowsProblems):
    """What ends the portability early (R3.6), and the date of that event."""

    reason = forms.ChoiceField(
        label="Motif",
        required=False,
        choices=[("", "Choisissez"), *((r.value, r.label) for r in EarlyEndReason)],
    )
    event_date = forms.DateField(
        label="Date de l'événement",
        widget=DATE_WIDGET,
        required=False,
        help_text=" ; ".join(f"{r.label} : {r.date_label.lower()}" for r in EarlyEndReason) + ".",
        error_messages={"invalid": "Saisissez une date valide (jj/mm/aaaa)."},
    )


class ProofRefusalForm(_ShowsProblems):
    reason = forms.CharField(
        label="Motif du refus (envoyé à l'ancien salarié)",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
