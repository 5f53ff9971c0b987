"""The enrollment's enums shared by its pure rules and its models: one definition each."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import TextChoices


class Civility(TextChoices):
    MADAM = "MME", "Madame"
    MISTER = "M", "Monsieur"


class DependantKind(TextChoices):
    """ "Type de bénéficiaire" (rules.md §4; the DSN's S21.G00.73.003 carries the same idea);
    the first three are spouse-type."""

    SPOUSE = "spouse", "Conjoint (marié)"  # married (C. civ. art. 143)
    PACS_PARTNER = "pacs_partner", "Partenaire de PACS"  # C. civ. art. 515-1
    COHABITANT = "cohabitant", "Concubin(e)"  # concubin, C. civ. art. 515-8
    CHILD = "child", "Enfant"


# All three are priced with the "spouse" rate and only one of them may be covered (R4.1).
SPOUSE_KINDS = frozenset(
    {DependantKind.SPOUSE, DependantKind.PACS_PARTNER, DependantKind.COHABITANT}
)


class BeneficiaryClause(TextChoices):
    """Who receives the death benefit of a provident contract ("clause bénéficiaire")."""

    STANDARD = "standard", "Clause type"
    NAMED = "named", "Clause nominative"


class DebitFrequency(TextChoices):
    """How often the employee's contributions are debited (guide: "Fréquence de prélèvement")."""

    ANNUAL = "annual", "Annuelle"
    SEMIANNUAL = "semiannual", "Semestrielle"
    QUARTERLY = "quarterly", "Trimestrielle"
    MONTHLY = "monthly", "Mensuelle"

    @property
    def months(self) -> int:
        """The months of contributions collected by each debit."""
        return DEBIT_MONTHS[self]


DEBIT_MONTHS: Mapping[DebitFrequency, int] = {
    DebitFrequency.ANNUAL: 12,
    DebitFrequency.SEMIANNUAL: 6,
    DebitFrequency.QUARTERLY: 3,
    DebitFrequency.MONTHLY: 1,
}
