"""The employer's declaration next to what the employee entered: the dossier page shows it,
the bulk "Mettre en gestion" takes only the dossiers where nothing differs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from portal.core.crypto import digest
from portal.enrollment.models import Employee

# The identity the employer declares, as the page compares it (label, Employee field).
COMPARED = (
    ("Civilité", "civility"),
    ("Nom", "last_name"),
    ("Prénom", "first_name"),
    ("Date de naissance", "birth_date"),
    ("Organisme de sécurité sociale", "fund_code"),
    ("Régime local Alsace Moselle", "alsace_moselle"),
    ("Numéro", "street_number"),
    ("Libellé de la voie", "street_name"),
    ("Complément d'adresse", "building"),
    ("Code postal", "postal_code"),
    ("Commune", "city"),
    ("Pays", "country"),
    ("E-mail", "email"),
)


@dataclass(frozen=True)
class Compared:
    label: str
    declared: str
    entered: str
    mismatch: bool | None = None  # when the shown values are not the compared ones (NIR)

    @property
    def differs(self) -> bool:
        return self.declared != self.entered if self.mismatch is None else self.mismatch


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value or "")


def compare_identity(employee: Employee) -> list[Compared]:
    """The employer's declaration next to what the employee entered ([] when the declaration
    was not kept: employees declared before it was). The NIR is compared by its digest."""
    declared = employee.declared_identity
    if not declared:
        return []
    rows = []
    for label, name in COMPARED:
        value = declared.get(name)
        if name == "birth_date" and value:
            value = date.fromisoformat(value)
        rows.append(Compared(label, _shown(value), _shown(getattr(employee, name))))
    declared_nir = declared.get("nir_digest", "")
    entered_nir = digest(employee.nir) if employee.nir else ""
    if declared_nir and entered_nir:
        entered = "identique" if entered_nir == declared_nir else "différent"
    else:
        entered = "saisi" if entered_nir else ""
    shown = "déclaré" if declared_nir else ""
    rows.append(
        Compared("Numéro de sécurité sociale", shown, entered, mismatch=declared_nir != entered_nir)
    )
    return rows
