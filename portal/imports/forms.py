from __future__ import annotations

from typing import Any

from django import forms

from portal.companies.models import Company, InsuredGroup
from portal.enrollment.forms import ContractGroupsMixin, chosen_groups, group_fields


class ImportForm(ContractGroupsMixin, forms.Form):
    """ "Ajouter des salariés — Fichier": the insured groups of the file's employees (one
    list per contract of the company) and the completed file."""

    file = forms.FileField(
        label="Fichier complété",
        help_text="Modèle Excel (.xlsx, .xls, .ods) ou CSV complété.",
        error_messages={
            "required": "Ajoutez le fichier complété avant de valider.",
            "empty": "Le fichier est vide : vérifiez qu'il a été enregistré après avoir "
            "été complété.",
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.ods,.csv"}),
    )

    def __init__(self, *args: Any, company: Company, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.company = company
        groups = group_fields(company)
        self.group_names = list(groups)
        # The lists come first, as in the guide ("Sélectionnez le groupe d'assurés ...").
        self.fields = {**groups, **self.fields}
        for name in self.group_names:
            field = self.fields[name]
            field.error_messages["invalid_choice"] = (
                "Ce groupe d'assurés n'existe pas pour votre entreprise."
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.group_names and not chosen_groups(data, self.group_names):
            self.add_error(
                self.group_names[0],
                "Sélectionnez le groupe d'assurés des salariés du fichier"
                + (" (au moins un contrat)." if self.several_contracts else "."),
            )
        return data

    def groups(self) -> list[InsuredGroup]:
        """The chosen groups, health first (the lead of each employee's dossier)."""
        ids = chosen_groups(self.cleaned_data, self.group_names)
        found = InsuredGroup.objects.filter(pk__in=ids, contract__company=self.company)
        return sorted(
            found.select_related("contract"),
            key=lambda g: (not g.contract.is_health, g.contract.number),
        )
