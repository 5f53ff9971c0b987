from __future__ import annotations

from django import forms

from portal.api.models import Scope
from portal.core.errors import Problem


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label="Nom de la clé",
        max_length=80,
        required=False,
        help_text="Pour la reconnaître : le logiciel qui l'utilise (« Paie Silae », …).",
    )
    scopes = forms.MultipleChoiceField(
        label="Droits",
        choices=[(s.value, s.label) for s in Scope if s != Scope.READ],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Toute clé lit vos salariés, vos demandes et vos imports.",
    )
    expires_on = forms.DateField(
        label="Expire le (facultatif)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def show(self, problems: list[Problem]) -> None:
        for problem in problems:
            self.add_error(problem.field if problem.field in self.fields else None, problem.message)
