"""The employer's DSN screens (company space): "Rapprochement DSN"."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from portal.accounts.http import AuthenticatedRequest
from portal.companies.access import company_context, company_view
from portal.companies.models import Company
from portal.dsn.reconciliation import reconcile


@company_view
def reconciliation(request: AuthenticatedRequest, company: Company) -> HttpResponse:
    """The employees declared in the company's last monthly DSN against its memberships in the
    portal: declared but not affiliated, affiliated but not declared, identity differences."""
    context = company_context(request, company, "dsn")
    context["reconciliation"] = reconcile(company)
    return render(request, "dsn/reconciliation.html", context)
