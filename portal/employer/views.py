"""Employer space screens that combine several apps' nouns: Accueil, Mes collaborateurs, the
employee page and its export."""

from __future__ import annotations

from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from portal.accounts.http import AuthenticatedRequest
from portal.companies.access import company_context, company_view
from portal.companies.models import Company, InsuredGroup
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.keyset import keyset_page
from portal.documents.exports import csv_lines, xlsx_chunks
from portal.employer import queries
from portal.employer.contracts import contract_blocks
from portal.enrollment.models import MembershipStatus
from portal.tracking.campaign import campaign_context
from portal.tracking.queries import PAGE_SIZE, events_with_messages, requests_of, timeline


@company_view
def home(request: AuthenticatedRequest, company: Company) -> HttpResponse:
    """Accueil: the company, its contracts, the latest requests, the account manager."""
    context = company_context(request, company, "home")
    context["contracts"] = list(company.contracts.order_by("kind", "number"))
    context["latest_requests"] = list(requests_of(company)[:5])
    context["today"] = timezone.localdate()
    context.update(campaign_context(company))
    return render(request, "employer/home.html", context)


@company_view
def employees_list(request: AuthenticatedRequest, company: Company) -> HttpResponse:
    """Mes collaborateurs: name, member number, each contract's status with its date; filters
    and search."""
    status = request.GET.get("statut", "")
    group = request.GET.get("groupe", "")
    name = request.GET.get("nom", "").strip()
    if status not in MembershipStatus.values:
        status = ""
    groups = list(
        InsuredGroup.objects.filter(contract__company=company)
        .values_list("code", "label")
        .distinct()
    )
    if group not in {code for code, _ in groups}:
        group = ""
    page = keyset_page(
        queries.employees_of(company, status=status, group=group, name=name),
        queries.EMPLOYEE_ORDER,
        size=PAGE_SIZE,
        after=request.GET.get("apres"),
        before=request.GET.get("avant"),
        number=request.GET.get("page"),
        counted=None if name else queries.employees_count(company, status=status, group=group),
    )
    context = company_context(request, company, "employees")
    context.update(
        page=page,
        status=status,
        group=group,
        name=name,
        statuses=MembershipStatus.choices,
        groups=groups,
    )
    return render(request, "employer/employees.html", context)


@company_view
def employee_detail(
    request: AuthenticatedRequest, company: Company, employee_id: int
) -> HttpResponse:
    """The employee page: each contract's information (products per beneficiary role, never a
    name), employee information, their requests."""
    employee = queries.get_employee_for_company(company, employee_id)
    blocks = contract_blocks(employee)
    employee_requests = [
        (item, timeline(item))
        for item in employee.requests.filter(company=company)
        .prefetch_related(events_with_messages(), "membership__invitations")
        .order_by("-created_at")
    ]
    # rules.md R8.6: every access to an employee's file (and its NIR) is logged.
    audit.record(
        AuditAction.EMPLOYEE_VIEWED, by=request.user, target=employee, company_id=company.pk
    )
    context = company_context(request, company, "employees")
    context.update(employee=employee, blocks=blocks, employee_requests=employee_requests)
    return render(request, "employer/employee.html", context)


@company_view
def export_employees(
    request: AuthenticatedRequest, company: Company, extension: str
) -> HttpResponseBase:
    """The full list of employees as xlsx or csv, streamed."""
    audit.record(
        AuditAction.EMPLOYEES_EXPORTED, by=request.user, company_id=company.pk, format=extension
    )
    stamp = timezone.localdate().strftime("%Y%m%d")
    filename = f"collaborateurs-{company.siret}-{stamp}.{extension}"
    rows = queries.export_rows(company)
    if extension == "csv":
        response = StreamingHttpResponse(
            csv_lines(queries.EXPORT_HEADER, rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    response = StreamingHttpResponse(
        xlsx_chunks(queries.EXPORT_HEADER, rows, title="Collaborateurs"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
