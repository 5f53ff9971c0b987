"""The employee's journey forms: "Mon profil", a dependant, "Mes coordonnées bancaires"."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django import forms

from portal.core.errors import Problem
from portal.enrollment import rules
from portal.enrollment.bank_details import AccountInput, BankDetails
from portal.enrollment.banking import bic_for_iban, check_iban, format_iban, normalise_bic
from portal.enrollment.forms import YES_NO, PersonForm
from portal.enrollment.journey import DependantAddress, Profile
from portal.enrollment.models import (
    DEBIT_DAYS,
    AccountPurpose,
    DebitFrequency,
    Dependant,
    DependantKind,
    FamilyStatus,
    Membership,
)
from portal.enrollment.rules import DependantFacts
from portal.tracking.models import RenewalChannel


class CoordinatesForm(forms.Form):
    """A person's coordinates as the employee types them (the member's or a dependant's)."""

    street = forms.CharField(
        label="Libellé de la voie",
        max_length=60,
        required=False,
        help_text="Numéro et nom de la voie (ex. : 143 rue Blomet).",
    )
    complement = forms.CharField(label="Complément d'adresse", max_length=38, required=False)
    postal_code = forms.CharField(label="Code postal", max_length=10, required=False)
    city = forms.CharField(label="Commune", max_length=60, required=False)
    country = forms.CharField(label="Pays", max_length=38, required=False, initial="FRANCE")
    phone = forms.CharField(
        label="Téléphone",
        max_length=25,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )


class ProfileForm(PersonForm, CoordinatesForm):
    """ "Mon profil": the guide's fields; the rules are checked by `journey.check_profile`."""

    family_status = forms.ChoiceField(
        label="Situation familiale",
        choices=[("", "Choisissez"), *FamilyStatus.choices],
        required=False,
    )
    nir = forms.CharField(
        label="Numéro de sécurité sociale",
        max_length=25,
        required=False,
        help_text="Il figure sur votre attestation de carte Vitale (15 caractères, clé comprise). "
        "Pour l'obtenir : votre espace en ligne de l'Assurance Maladie (ameli.fr, msa.fr…) ou une "
        "borne de votre caisse.",
    )
    fund_code = forms.CharField(
        label="Organisme de sécurité sociale",
        max_length=12,
        required=False,
        help_text="Code à 9 chiffres de votre caisse, indiqué sur l'attestation de carte Vitale "
        "(pas sur la carte elle-même).",
    )
    alsace_moselle = forms.ChoiceField(
        label="Régime Alsace Moselle", choices=YES_NO, widget=forms.RadioSelect, required=False
    )

    REQUIRED = {
        "civility",
        "last_name",
        "first_name",
        "birth_date",
        "family_status",
        "street",
        "postal_code",
        "city",
        "phone",
        "nir",
        "fund_code",
        "alsace_moselle",
    }
    # A rule's field in the declaration → the profile field that shows it.
    FIELD_OF = {"street_name": "street", "street_number": "street", "building": "complement"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"  # the member's own number
        for name in self.REQUIRED:
            self.fields[name].widget.attrs["aria-required"] = "true"

    def to_profile(self) -> Profile:
        data = self.cleaned_data
        return Profile(
            civility=data.get("civility") or "",
            last_name=data.get("last_name") or "",
            first_name=data.get("first_name") or "",
            birth_date=data.get("birth_date"),
            family_status=data.get("family_status") or "",
            street=data.get("street") or "",
            complement=data.get("complement") or "",
            postal_code=data.get("postal_code") or "",
            city=data.get("city") or "",
            country=data.get("country") or "FRANCE",
            phone=data.get("phone") or "",
            nir=data.get("nir") or "",
            fund_code=data.get("fund_code") or "",
            alsace_moselle={"oui": True, "non": False}.get(data.get("alsace_moselle") or ""),
        )

    @classmethod
    def initial_from(cls, profile: Profile) -> dict[str, Any]:
        initial = {name: getattr(profile, name) for name in cls.base_fields}
        initial["alsace_moselle"] = "oui" if profile.alsace_moselle else "non"
        return initial

    def show(self, problems: list[Problem]) -> None:
        """Attach the rules' problems to the fields that show them."""
        for problem in problems:
            name = self.FIELD_OF.get(problem.field, problem.field)
            self.add_error(name if name in self.fields else None, problem.message)


ATTACHMENT = [
    ("own", "Il / elle a son propre numéro"),
    ("member", "Rattaché(e) à mon numéro"),
    ("other", "Rattaché(e) au numéro de l'autre parent"),
]


class DependantForm(PersonForm, CoordinatesForm):
    """ "Bénéficiaire": a dependant's identity, coordinates and social security number."""

    kind = forms.ChoiceField(
        label="Type de bénéficiaire",
        choices=[("", "Choisissez"), *DependantKind.choices],
        required=False,
    )
    twin_rank = forms.TypedChoiceField(
        label="Rang gémellaire",
        choices=[(str(n), str(n)) for n in range(1, 10)],
        coerce=int,
        initial="1",
        required=False,
        help_text="1 pour un enfant né seul. Pour des jumeaux nés le même jour : 1 pour le "
        "premier né, 2 pour le second (l'ordre figure sur l'attestation de droits).",
    )
    studying = forms.BooleanField(label="Étudiant(e), apprenti(e) ou en alternance", required=False)
    disabled = forms.BooleanField(label="En situation de handicap (reconnu)", required=False)
    same_address = forms.BooleanField(required=False, initial=True)
    attachment = forms.ChoiceField(
        label="Numéro de sécurité sociale",
        choices=ATTACHMENT,
        widget=forms.RadioSelect,
        initial="own",
        required=False,
    )
    nir = forms.CharField(
        label="Numéro de sécurité sociale du bénéficiaire",
        max_length=25,
        required=False,
        help_text="Sur l'attestation de carte Vitale. Un enfant peut être rattaché au numéro "
        "d'un de ses parents.",
    )
    parent_nir = forms.CharField(
        label="Numéro de sécurité sociale de l'autre parent", max_length=25, required=False
    )
    fund_code = forms.CharField(
        label="Organisme de sécurité sociale",
        max_length=12,
        required=False,
        help_text="Code à 9 chiffres indiqué sur l'attestation de carte Vitale.",
    )
    alsace_moselle = forms.ChoiceField(
        label="Régime Alsace Moselle", choices=YES_NO, widget=forms.RadioSelect, required=False
    )

    REQUIRED = {"kind", "civility", "last_name", "first_name", "birth_date", "twin_rank"}
    FIELD_OF = {"street_name": "street", "twin_rank": "twin_rank"}

    def __init__(self, *args: Any, member_name: str, member_nir: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.member_nir = member_nir
        same = self.fields["same_address"]
        same.label = f"Mêmes coordonnées que {member_name}"
        for name in self.REQUIRED:
            self.fields[name].widget.attrs["aria-required"] = "true"

    def to_facts(self) -> DependantFacts:
        data = self.cleaned_data
        attachment = data.get("attachment") or "own"
        nir = data.get("nir") or "" if attachment == "own" else ""
        parent_nir = {"member": self.member_nir, "other": data.get("parent_nir") or ""}.get(
            attachment, ""
        )
        kind = data.get("kind") or ""
        return DependantFacts(
            kind=rules.DependantKind(kind) if kind in set(rules.DependantKind) else None,
            civility=data.get("civility") or "",
            last_name=data.get("last_name") or "",
            first_name=data.get("first_name") or "",
            birth_date=data.get("birth_date"),
            twin_rank=data.get("twin_rank"),
            nir=nir,
            parent_nir=parent_nir,
            fund_code=data.get("fund_code") or "",
            alsace_moselle=data.get("alsace_moselle") == "oui",
            studying_or_apprentice=bool(data.get("studying")),
            disabled=bool(data.get("disabled")),
        )

    def to_address(self) -> DependantAddress | None:
        data = self.cleaned_data
        if data.get("same_address"):
            return None
        return DependantAddress(
            street=data.get("street") or "",
            complement=data.get("complement") or "",
            postal_code=data.get("postal_code") or "",
            city=data.get("city") or "",
            country=data.get("country") or "FRANCE",
            phone=data.get("phone") or "",
        )

    @staticmethod
    def initial_from(dependant: Dependant, member_nir: str) -> dict[str, Any]:
        if dependant.nir:
            attachment = "own"
        elif dependant.parent_nir == member_nir:
            attachment = "member"
        else:
            attachment = "other"
        street = " ".join(p for p in [dependant.street_number, dependant.street_name] if p)
        return {
            "kind": dependant.kind,
            "civility": dependant.civility,
            "last_name": dependant.last_name,
            "first_name": dependant.first_name,
            "birth_date": dependant.birth_date,
            "twin_rank": str(dependant.twin_rank),
            "studying": dependant.studying,
            "disabled": dependant.disabled,
            "same_address": dependant.same_address,
            "street": street,
            "complement": dependant.building,
            "postal_code": dependant.postal_code,
            "city": dependant.city,
            "country": dependant.country,
            "phone": dependant.phone,
            "attachment": attachment,
            "nir": dependant.nir,
            "parent_nir": dependant.parent_nir if attachment == "other" else "",
            "fund_code": dependant.fund_code,
            "alsace_moselle": "oui" if dependant.alsace_moselle else "non",
        }

    def show(self, problems: list[Problem]) -> None:
        for problem in problems:
            name = self.FIELD_OF.get(problem.field, problem.field)
            self.add_error(name if name in self.fields else None, problem.message)


BIC_HELP = "Nous ne le retrouvons pas à partir de l'IBAN : recopiez-le depuis votre RIB."


@dataclass(frozen=True)
class BicField:
    """How a BIC is shown: proposed from the IBAN (`proposed`), or asked (`ask`) when the
    bank of the IBAN is not known or the employee typed another one."""

    ask: bool
    proposed: str


class BankForm(forms.Form):
    """ "Mes coordonnées bancaires": debits, benefits, and a dependant's own benefits RIB."""

    debit_holder = forms.CharField(label="Titulaire du compte", max_length=70, required=False)
    debit_iban = forms.CharField(label="IBAN", max_length=42, required=False)
    debit_bic = forms.CharField(
        label="BIC",
        max_length=15,
        required=False,
        help_text=BIC_HELP,
    )
    frequency = forms.ChoiceField(
        label="Fréquence de prélèvement", choices=DebitFrequency.choices, initial="monthly"
    )
    debit_day = forms.TypedChoiceField(
        label="Date de prélèvement",
        choices=[(str(d), f"le {d}") for d in DEBIT_DAYS],
        coerce=int,
        initial="5",
    )
    same_for_benefits = forms.BooleanField(
        label="RIB identique pour le remboursement de mes prestations",
        required=False,
        initial=True,
    )
    benefits_holder = forms.CharField(label="Titulaire du compte", max_length=70, required=False)
    benefits_iban = forms.CharField(label="IBAN", max_length=42, required=False)
    benefits_bic = forms.CharField(label="BIC", max_length=15, required=False, help_text=BIC_HELP)

    def __init__(self, *args: Any, dependants: list[Dependant], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dependant_rows: list[tuple[Dependant, list[forms.BoundField], str]] = []
        for dependant in dependants:
            prefix = f"dependant_{dependant.pk}"
            self.fields[f"{prefix}_own"] = forms.BooleanField(
                label=f"Un RIB différent pour les prestations de {dependant.first_name}",
                required=False,
            )
            self.fields[f"{prefix}_holder"] = forms.CharField(
                label="Titulaire du compte", max_length=70, required=False
            )
            self.fields[f"{prefix}_iban"] = forms.CharField(
                label="IBAN", max_length=42, required=False
            )
            self.fields[f"{prefix}_bic"] = forms.CharField(
                label="BIC", max_length=15, required=False, help_text=BIC_HELP
            )
            self.dependant_rows.append(
                (
                    dependant,
                    [self[f"{prefix}_{name}"] for name in ("own", "holder", "iban", "bic")],
                    prefix,
                )
            )
        for name in ("debit_holder", "debit_iban"):
            self.fields[name].widget.attrs["aria-required"] = "true"

    @cached_property
    def bic_fields(self) -> dict[str, BicField]:
        """Per account prefix ("debit", "benefits", "dependant_<id>"): the BIC proposed from
        the IBAN typed (or stored), and whether the field is asked."""
        prefixes = ["debit", "benefits", *(prefix for _, _, prefix in self.dependant_rows)]
        return {prefix: self._bic_field(prefix) for prefix in prefixes}

    @property
    def dependant_bank_rows(self) -> list[tuple[Dependant, list[forms.BoundField], BicField]]:
        return [(d, fields, self.bic_fields[prefix]) for d, fields, prefix in self.dependant_rows]

    def _bic_field(self, prefix: str) -> BicField:
        iban, _ = check_iban(str(self[f"{prefix}_iban"].value() or ""))
        proposed = (bic_for_iban(iban) if iban else None) or ""
        typed = normalise_bic(str(self[f"{prefix}_bic"].value() or ""))
        failed = self.is_bound and bool(self.errors.get(f"{prefix}_bic"))
        return BicField(ask=failed or (bool(typed) and typed != proposed), proposed=proposed)

    def _account(self, prefix: str) -> AccountInput:
        data = self.cleaned_data
        return AccountInput(
            holder=data.get(f"{prefix}_holder") or "",
            iban=data.get(f"{prefix}_iban") or "",
            bic=data.get(f"{prefix}_bic") or "",
        )

    def to_details(self) -> BankDetails:
        data = self.cleaned_data
        dependants = {
            dependant.pk: self._account(f"dependant_{dependant.pk}")
            for dependant, _, _ in self.dependant_rows
            if data.get(f"dependant_{dependant.pk}_own")
        }
        return BankDetails(
            debit=self._account("debit"),
            frequency=data.get("frequency") or "",
            debit_day=data.get("debit_day") or 0,
            benefits=None if data.get("same_for_benefits") else self._account("benefits"),
            dependants=dependants,
        )

    @staticmethod
    def initial_from(membership: Membership) -> dict[str, Any]:
        initial: dict[str, Any] = {"same_for_benefits": True}
        mandate = membership.live_mandate()
        if mandate is not None:
            initial.update(frequency=mandate.frequency, debit_day=str(mandate.debit_day))
        for account in membership.bank_accounts.filter(replaced_at=None):
            if account.dependant_id:
                prefix = f"dependant_{account.dependant_id}"
                initial[f"{prefix}_own"] = True
            elif account.purpose == AccountPurpose.DEBIT:
                prefix = "debit"
            else:
                prefix = "benefits"
                initial["same_for_benefits"] = False
            initial.update(
                {
                    f"{prefix}_holder": account.holder,
                    f"{prefix}_iban": format_iban(account.iban),
                    f"{prefix}_bic": account.bic,
                }
            )
        return initial

    def show(self, problems: list[Problem]) -> None:
        for problem in problems:
            self.add_error(problem.field if problem.field in self.fields else None, problem.message)


class NewLinkForm(forms.Form):
    """ "Obtenir un nouveau lien": who the employee is, and where the code goes."""

    nir = forms.CharField(
        label="Numéro de sécurité sociale",
        max_length=25,
        help_text="Les 15 chiffres de votre carte Vitale, clé comprise (espaces permis).",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    birth_date = forms.DateField(
        label="Date de naissance",
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
        required=False,
        error_messages={"invalid": "Saisissez une date valide (jj/mm/aaaa)."},
    )
    channel = forms.ChoiceField(
        label="Recevoir mon code",
        choices=RenewalChannel.choices,
        widget=forms.RadioSelect,
        initial=RenewalChannel.SMS,
    )

    def show(self, problems: list[Problem]) -> None:
        for problem in problems:
            self.add_error(problem.field if problem.field in self.fields else None, problem.message)


class NewLinkCodeForm(forms.Form):
    code = forms.CharField(
        label="Code reçu",
        max_length=12,
        help_text="Les 6 chiffres reçus par SMS ou par e-mail, valables 15 minutes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def show(self, problems: list[Problem]) -> None:
        for problem in problems:
            self.add_error("code", problem.message)
