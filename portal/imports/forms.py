from __future__ import annotations

from typing import Any

from django import forms

from portal.companies.models import Company, InsuredGroup


class GroupChoiceField(forms.ModelChoiceField[InsuredGroup]):
    def label_from_instance(self, obj: InsuredGroup) -> str:
        return f"{obj.code} — {obj.label} ({obj.contract.get_kind_display()})"


class ImportForm(forms.Form):
    insured_group = GroupChoiceField(
        label="Groupe d'assurés",
        queryset=InsuredGroup.objects.none(),
        empty_label="Sélectionnez le groupe d'assurés",
        error_messages={
            "required": "Sélectionnez le groupe d'assurés des salariés du fichier.",
            "invalid_choice": "Ce groupe d'assurés n'existe pas pour votre entreprise.",
        },
    )
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
        field = self.fields["insured_group"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            InsuredGroup.objects.filter(contract__company=company)
            .select_related("contract")
            .order_by("contract__kind", "code")
        )
