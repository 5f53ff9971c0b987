from __future__ import annotations

import re
from typing import Any

from django import forms

from portal.companies.models import Company
from portal.core.addresses import POSTAL_CODE_RE, afnor_line
from portal.core.identifiers import compact_digits, validate_siret
from portal.core.postal import communes_for, find_commune

CEDEX_RE = re.compile(r"\bCEDEX( \d{1,2})?$")


class CompanyAdminForm(forms.ModelForm[Company]):
    """Back-office form: SIRET key, AFNOR address lines, postal code ↔ commune."""

    # Typed as printed (with spaces), stored as 14 digits.
    siret = forms.CharField(label="N° de Siret", max_length=20)

    class Meta:
        model = Company
        fields = [
            "legal_name",
            "siret",
            "trade_name",
            "address_street",
            "address_building",
            "address_apartment",
            "address_locality",
            "postal_code",
            "city",
            "country",
            "phone",
            "email",
            "account_manager",
            "waivers_enabled",
            "correspondents",
        ]

    def clean_siret(self) -> str:
        siret = compact_digits(self.cleaned_data["siret"])
        validate_siret(siret)
        return siret

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for field in (
            "address_street",
            "address_building",
            "address_apartment",
            "address_locality",
            "city",
            "country",
        ):
            if data.get(field):
                data[field] = afnor_line(data[field])
        postal_code = (data.get("postal_code") or "").strip()
        city = data.get("city") or ""
        if data.get("country", "FRANCE") == "FRANCE" and postal_code and city:
            if not POSTAL_CODE_RE.match(postal_code):
                self.add_error("postal_code", "Le code postal doit comporter 5 chiffres.")
            elif communes_for(postal_code):
                match = find_commune(postal_code, city)
                if match is None:
                    names = ", ".join(sorted({r.routing_label for r in communes_for(postal_code)}))
                    self.add_error(
                        "city",
                        f"La ville ne correspond pas au code postal {postal_code} "
                        f"(communes desservies : {names}).",
                    )
                else:
                    data["city"] = match.routing_label
            elif not CEDEX_RE.search(city):
                self.add_error(
                    "postal_code",
                    f"Le code postal {postal_code} n'existe pas. S'il s'agit d'un code Cedex, "
                    "terminez la ville par « CEDEX ».",
                )
        return data
