"""Coverage tables: the PDF of a product's reimbursement levels and monthly rates."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.files.base import ContentFile

from portal.companies.models import Beneficiary, Product, Scheme
from portal.documents.rendering import render_pdf


@dataclass(frozen=True)
class CoverageSection:
    title: str
    rows: list[tuple[str, str]]


def rate_rows(product: Product) -> list[tuple[str, str, str]]:
    """(beneficiary, general scheme, Alsace-Moselle) monthly amounts, formatted in French."""
    amounts = {(r.beneficiary, r.scheme): r.monthly_amount for r in product.rates.all()}

    def euros(beneficiary: str, scheme: str) -> str:
        amount = amounts.get((beneficiary, scheme))
        return "—" if amount is None else f"{amount:.2f}".replace(".", ",")

    return [
        (label, euros(value, Scheme.GENERAL), euros(value, Scheme.ALSACE_MOSELLE))
        for value, label in Beneficiary.choices
        if any(key[0] == value for key in amounts)
    ]


def generate_coverage_table(product: Product, sections: list[CoverageSection]) -> None:
    """Render the coverage table PDF of `product` and store it with the product."""
    content = render_pdf(
        "documents/coverage_table.html",
        {"product": product, "sections": sections, "rates": rate_rows(product)},
        title=f"Tableau de garanties {product.code}",
    )
    if product.coverage_table:
        product.coverage_table.delete(save=False)
    product.coverage_table.save(f"{product.code}.pdf", ContentFile(content), save=False)
    product.save(update_fields=["coverage_table"])
