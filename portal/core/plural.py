"""Counts in French: 0 and 1 take the singular ("0 demande", "1 demande", "2 demandes")."""

from __future__ import annotations


def counted(count: int, forms: str) -> str:
    """`count` followed by its noun: `forms` is "singular" (plural: + s) or "singular,plural".

    >>> counted(0, "demande"), counted(2, "salarié validé,salariés validés")
    ('0 demande', '2 salariés validés')
    """
    singular, _, plural = forms.partition(",")
    if not plural:
        plural = " ".join(word + "s" for word in singular.split(" "))
    return f"{count} {singular if abs(count) < 2 else plural}"
