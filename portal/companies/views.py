"""The employer space's first screens: Mes entreprises, Accueil, Mon entreprise, Mes documents."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from portal.companies.access import company_context, correspondent_required
from portal.companies.models import ContractKind
from portal.companies.queries import (
    companies_for_user,
    contracts_with_products,
    get_company_for_user,
    get_product_for_company,
    products_of,
)
from portal.core import audit
from portal.core.audit import AuditAction


@correspondent_required
def choose_company(request: HttpRequest) -> HttpResponse:
    """Mes entreprises: pick the company to work on (straight in when there is one)."""
    companies = list(companies_for_user(request.user))  # type: ignore[arg-type]
    chosen = request.GET.get("entreprise")
    if chosen:
        if not chosen.isdigit():
            raise Http404
        company = get_company_for_user(request.user, int(chosen))  # type: ignore[arg-type]
        return redirect("tracking:home", company.pk)
    if len(companies) == 1:
        return redirect("tracking:home", companies[0].pk)
    return render(request, "companies/choose.html", {"companies": companies})


@correspondent_required
def my_company(request: HttpRequest, company_id: int) -> HttpResponse:
    """Mon entreprise: identity, main address and contact details, read-only."""
    company = get_company_for_user(request.user, company_id)  # type: ignore[arg-type]
    return render(
        request, "companies/my_company.html", company_context(request, company, "company")
    )


@correspondent_required
def documents(request: HttpRequest, company_id: int) -> HttpResponse:
    """Mes documents → Garanties: each contract's products and coverage tables."""
    company = get_company_for_user(request.user, company_id)  # type: ignore[arg-type]
    context = company_context(request, company, "documents")
    context["contracts"] = [(c, products_of(c)) for c in contracts_with_products(company)]
    return render(request, "companies/documents.html", context)


@correspondent_required
def provident(request: HttpRequest, company_id: int) -> HttpResponse:
    """Prévoyance: the provident contracts, their insured groups and guarantees."""
    company = get_company_for_user(request.user, company_id)  # type: ignore[arg-type]
    contracts = [c for c in contracts_with_products(company) if c.kind == ContractKind.PROVIDENT]
    if not contracts:
        raise Http404("Aucun contrat de prévoyance.")
    context = company_context(request, company, "provident")
    context["contracts"] = [(c, products_of(c)) for c in contracts]
    return render(request, "companies/provident.html", context)


@correspondent_required
def coverage_table(request: HttpRequest, company_id: int, product_id: int) -> FileResponse:
    """Download a product's coverage table (only products of the company's contracts)."""
    company = get_company_for_user(request.user, company_id)  # type: ignore[arg-type]
    product = get_product_for_company(company, product_id)
    if not product.coverage_table:
        raise Http404("Tableau de garanties non disponible.")
    audit.record(
        AuditAction.COVERAGE_TABLE_DOWNLOADED,
        by=request.user,
        target=product,
        company_id=company.pk,
    )
    filename = f"Tableau de garanties {product.code.replace('/', '-')}.pdf"
    return FileResponse(
        product.coverage_table.open("rb"),
        as_attachment=True,
        filename=filename,
        content_type="application/pdf",
    )
