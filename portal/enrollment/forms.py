"""The employer's declaration form ("Ajouter des salariés — Formulaire")."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms

from portal.companies.models import Company, Contract, ContractKind, InsuredGroup
from portal.enrollment.declarations import (
    GROUPS_FIELD,
    EmployeeDeclaration,
    validate_declaration,
)
from portal.enrollment.models import Civility

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
YES_NO = [("oui", "Oui"), ("non", "Non")]


def group_fields(company: Company) -> dict[str, forms.TypedChoiceField]:
    """ "Groupe d'assurés": one list per contract of the company, health first, named
    `group_<contract id>`. With several contracts, each offers "Non concerné(e)": the employee
    joins the contracts their category belongs to (at least one, checked by the rules)."""
    contracts = sorted(
        Contract.objects.filter(company=company).prefetch_related("insured_groups"),
        key=lambda c: (c.kind != ContractKind.HEALTH, c.number),
    )
    several = len(contracts) > 1
    fields = {}
    for contract in contracts:
        choices: list[tuple[object, str]] = [
            ("", "Non concerné(e) par ce contrat" if several else "Choisissez un groupe")
        ]
        choices += [
            (g.pk, f"{g.code} — {g.label}")
            for g in sorted(contract.insured_groups.all(), key=lambda g: g.code)
        ]
        label = "Groupe d'assurés"
        if several:
            label += f" — {contract.get_kind_display()} (contrat n° {contract.number})"
        field = forms.TypedChoiceField(
            label=label, coerce=int, required=False, empty_value=None, choices=choices
        )
        fields[f"group_{contract.pk}"] = field
    return fields


def chosen_groups(data: dict[str, Any], names: list[str]) -> list[int]:
    return [data[name] for name in names if data.get(name) is not None]


class ContractGroupsMixin:
    """A form with `group_fields`: its lists, named in `group_names` by `__init__`."""

    group_names: list[str]

    @property
    def group_boxes(self) -> list[forms.BoundField]:
        """The "Groupe d'assurés" lists, one per contract."""
        form = cast(forms.Form, self)
        return [form[name] for name in self.group_names]

    @property
    def several_contracts(self) -> bool:
        return len(self.group_names) > 1


class PersonForm(forms.Form):
    """A person's identity as every form of the portal asks it (the rules check the values)."""

    civility = forms.ChoiceField(
        label="Civilité", choices=Civility.choices, widget=forms.RadioSelect, required=False
    )
    last_name = forms.CharField(label="Nom", max_length=80, required=False)
    first_name = forms.CharField(label="Prénom", max_length=80, required=False)
    birth_date = forms.DateField(
        label="Date de naissance",
        widget=DATE_WIDGET,
        required=False,
        error_messages={"invalid": "Saisissez une date valide (jj/mm/aaaa)."},
    )


class EmployeeDetailsForm(PersonForm):
    """The employee's identity, address and contact as the employer declares them (and as
    staff correct them): the fields of the guide's "Renseigner les salariés" form."""

    nir = forms.CharField(
        label="N° de sécurité sociale",
        max_length=25,
        required=False,
        help_text="15 caractères, clé comprise (ex. : 1 85 05 75 123 456 78).",
    )
    fund_code = forms.CharField(
        label="Organisme de rattachement Sécurité Sociale",
        max_length=12,
        required=False,
        help_text="Code à 9 chiffres de la caisse d'assurance maladie du salarié, indiqué sur "
        "son attestation de droits (pas sur la carte Vitale).",
    )
    street_number = forms.CharField(label="Numéro", max_length=10, required=False)
    street_name = forms.CharField(label="Libellé de la voie", max_length=60, required=False)
    staircase_floor = forms.CharField(label="Escalier / Etage", max_length=60, required=False)
    building = forms.CharField(label="Bâtiment / Résidence", max_length=60, required=False)
    locality = forms.CharField(label="Lieu-dit", max_length=60, required=False)
    postal_code = forms.CharField(label="Code postal", max_length=10, required=False)
    city = forms.CharField(label="Ville", max_length=60, required=False)
    country = forms.CharField(label="Pays", max_length=38, required=False, initial="FRANCE")
    email = forms.CharField(
        label="Email",
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    employee_number = forms.CharField(
        label="Matricule",
        max_length=30,
        required=False,
        help_text="Le numéro de paie du salarié : il permet de croiser nos fichiers avec "
        "vos fichiers de paie.",
    )


class DeclarationForm(ContractGroupsMixin, EmployeeDetailsForm):
    hire_date = forms.DateField(
        label="Date d'embauche",
        widget=DATE_WIDGET,
        required=False,
        error_messages={"invalid": "Saisissez une date valide (jj/mm/aaaa)."},
    )
    effective_date = forms.DateField(
        label="Date d'effet du contrat",
        widget=DATE_WIDGET,
        required=False,
        error_messages={"invalid": "Saisissez une date valide (jj/mm/aaaa)."},
    )
    alsace_moselle = forms.ChoiceField(
        label="Régime local Alsace Moselle",
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
    )

    # Shown with an asterisk, checked by the one validation path (not by the form fields).
    REQUIRED = {
        "civility",
        "last_name",
        "first_name",
        "birth_date",
        "hire_date",
        "effective_date",
        "alsace_moselle",
    }

    def __init__(
        self,
        *args: Any,
        company: Company,
        today: date,
        others: list[EmployeeDeclaration],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.company = company
        self.today = today
        self.others = others
        self.declaration: EmployeeDeclaration | None = None
        self.warnings: list[str] = []
        # Pages that help fix an error (the employee already declared).
        self.links: list[str] = []
        self.fields.update(group_fields(company))
        self.group_names = [name for name in self.fields if name.startswith("group_")]
        for name in self.REQUIRED:
            self.fields[name].widget.attrs["aria-required"] = "true"
        if len(self.group_names) == 1:
            self.fields[self.group_names[0]].widget.attrs["aria-required"] = "true"

    @staticmethod
    def initial_groups(company: Company, group_ids: list[int]) -> dict[str, int]:
        """The lists' initial values for declared groups (editing a draft)."""
        groups = InsuredGroup.objects.filter(pk__in=group_ids, contract__company=company)
        return {f"group_{g.contract_id}": g.pk for g in groups}

    def field_of(self, problem_field: str) -> str | None:
        """The form field that shows a rule's problem (the groups' on the first list)."""
        if problem_field == GROUPS_FIELD:
            return self.group_names[0] if self.group_names else None
        return problem_field if problem_field in self.fields else None

    def to_declaration(self) -> EmployeeDeclaration:
        data = self.cleaned_data
        alsace = {"oui": True, "non": False}.get(data.get("alsace_moselle") or "")
        return EmployeeDeclaration(
            civility=data.get("civility") or "",
            last_name=data.get("last_name") or "",
            first_name=data.get("first_name") or "",
            birth_date=data.get("birth_date"),
            hire_date=data.get("hire_date"),
            effective_date=data.get("effective_date"),
            insured_group_ids=chosen_groups(data, self.group_names),
            alsace_moselle=alsace,
            nir=data.get("nir") or "",
            fund_code=data.get("fund_code") or "",
            street_number=data.get("street_number") or "",
            street_name=data.get("street_name") or "",
            staircase_floor=data.get("staircase_floor") or "",
            building=data.get("building") or "",
            locality=data.get("locality") or "",
            postal_code=data.get("postal_code") or "",
            city=data.get("city") or "",
            country=data.get("country") or "FRANCE",
            email=data.get("email") or "",
            employee_number=data.get("employee_number") or "",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        declaration = self.to_declaration()
        # The city is confirmed on the next page, "Valider l'adresse du collaborateur".
        result = validate_declaration(
            declaration, company=self.company, today=self.today, suggest_commune=True
        )
        for problem in result.errors:
            self.add_error(self.field_of(problem.field), problem.message)
            if problem.link:
                self.links.append(problem.link)
        for other in self.others:
            if declaration.nir and other.nir == declaration.nir:
                self.add_error("nir", "Ce numéro de sécurité sociale est déjà dans votre saisie.")
            if declaration.employee_number and other.employee_number == declaration.employee_number:
                self.add_error("employee_number", "Ce matricule est déjà dans votre saisie.")
            if declaration.email and other.email == declaration.email:
                self.add_error("email", "Cette adresse e-mail est déjà dans votre saisie.")
        self.warnings = [p.message for p in result.warnings]
        self.declaration = declaration
        return data
