"""Employer space: Accueil, Mes demandes (with "Ajouter des salariés"), Mes collaborateurs."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.accounts.models import User
from portal.companies.access import company_context, correspondent_required
from portal.companies.models import Company, InsuredGroup
from portal.companies.queries import get_company_for_user
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.crypto import decrypt, encrypt
from portal.core.errors import BusinessError
from portal.documents.exports import csv_lines, xlsx_file
from portal.enrollment.declarations import (
    EmployeeDeclaration,
    from_session,
    suggest_address,
    to_session,
)
from portal.enrollment.forms import DeclarationForm
from portal.enrollment.models import MembershipStatus
from portal.tracking import queries, services
from portal.tracking.models import Reason, Request, Source, State


def _company(request: HttpRequest, company_id: int) -> Company:
    return get_company_for_user(request.user, company_id)  # type: ignore[arg-type]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@correspondent_required
def home(request: HttpRequest, company_id: int) -> HttpResponse:
    """Accueil: the company, its contracts, the latest requests, the account manager."""
    company = _company(request, company_id)
    context = company_context(request, company, "home")
    context["contracts"] = list(company.contracts.order_by("kind", "number"))
    context["latest_requests"] = list(queries.requests_of(company)[:5])
    context["today"] = timezone.localdate()
    return render(request, "tracking/home.html", context)


# "Ajouter des salariés": Options → Renseigner les salariés → Confirmation.
# The entered employees wait in the session until "Valider".


PENDING = "declaration_pending"


def _drafts_key(company: Company) -> str:
    return f"declarations:{company.pk}"


# What was typed (NIRs included) waits in the session encrypted, like the NIR column.
def _load(request: HttpRequest, key: str) -> Any:
    token = request.session.get(key)
    return json.loads(decrypt(token)) if token else None


def _store(request: HttpRequest, key: str, value: Any) -> None:
    request.session[key] = encrypt(json.dumps(value))


def _drafts(request: HttpRequest, company: Company) -> list[dict[str, Any]]:
    drafts: list[dict[str, Any]] = _load(request, _drafts_key(company)) or []
    return drafts


def _save_drafts(request: HttpRequest, company: Company, drafts: list[dict[str, Any]]) -> None:
    _store(request, _drafts_key(company), drafts)


@correspondent_required
def add_employees(request: HttpRequest, company_id: int) -> HttpResponse:
    """Options: "Sous quelle forme désirez-vous les renseigner ?"."""
    company = _company(request, company_id)
    error = ""
    if request.method == "POST":
        if request.POST.get("mode") == "form":
            return redirect("tracking:declare", company.pk)
        if request.POST.get("mode") == "file":
            return redirect("imports:upload", company.pk)
        error = "Choisissez la forme sous laquelle vous désirez renseigner les salariés."
    context = company_context(request, company, "requests")
    context["error"] = error
    return render(request, "tracking/add_options.html", context)


@correspondent_required
def declare(request: HttpRequest, company_id: int) -> HttpResponse:
    """Renseigner les salariés: the form; `?modifier=N` edits the N-th entered employee."""
    company = _company(request, company_id)
    drafts = _drafts(request, company)
    edit = request.GET.get("modifier")
    index = int(edit) if edit and edit.isdigit() and int(edit) < len(drafts) else None
    others = [from_session(d) for i, d in enumerate(drafts) if i != index]
    initial: dict[str, Any] = {"country": "FRANCE"}
    pending = _load(request, PENDING)
    if index is not None:
        initial = _initial(from_session(drafts[index]))
    elif pending and pending.get("company") == company.pk and "retour" in request.GET:
        initial = _initial(from_session(pending["declaration"]))
    form = DeclarationForm(
        request.POST or None,
        initial=initial,
        company=company,
        today=timezone.localdate(),
        others=others,
    )
    if request.method == "POST" and form.is_valid() and form.declaration is not None:
        _store(
            request,
            PENDING,
            {"company": company.pk, "index": index, "declaration": to_session(form.declaration)},
        )
        if form.declaration.has_address:
            return redirect("tracking:confirm_address", company.pk)
        return _keep_pending(request, company)
    context = company_context(request, company, "requests")
    context.update(form=form, step=2, editing=index is not None)
    return render(request, "tracking/declare_form.html", context)


def _initial(d: EmployeeDeclaration) -> dict[str, Any]:
    values = to_session(d)
    values["alsace_moselle"] = {True: "oui", False: "non"}.get(d.alsace_moselle)  # type: ignore[arg-type]
    return values


def _keep_pending(request: HttpRequest, company: Company) -> HttpResponse:
    pending = _load(request, PENDING)
    request.session.pop(PENDING, None)
    drafts = _drafts(request, company)
    if pending["index"] is not None and pending["index"] < len(drafts):
        key = drafts[pending["index"]].get("_key") or uuid.uuid4().hex
        drafts[pending["index"]] = {**pending["declaration"], "_key": key}
    else:
        drafts.append({**pending["declaration"], "_key": uuid.uuid4().hex})
    _save_drafts(request, company, drafts)
    return redirect("tracking:review", company.pk)


@correspondent_required
def confirm_address(request: HttpRequest, company_id: int) -> HttpResponse:
    """ "Valider l'adresse du collaborateur": the address as typed or as AFNOR writes it."""
    company = _company(request, company_id)
    pending = _load(request, PENDING)
    if not pending or pending.get("company") != company.pk:
        return redirect("tracking:declare", company.pk)
    declaration = from_session(pending["declaration"])
    suggestion = suggest_address(declaration)
    if request.method == "POST":
        if request.POST.get("choix") == "suggeree":
            values = {k: v for k, v in suggestion.fields.items() if k != "insee_code"}
            pending["declaration"] = {**pending["declaration"], **values}
            _store(request, PENDING, pending)
        return _keep_pending(request, company)
    context = company_context(request, company, "requests")
    context.update(suggestion=suggestion, step=2)
    return render(request, "tracking/declare_address.html", context)


@correspondent_required
def review(request: HttpRequest, company_id: int) -> HttpResponse:
    """ "Vérifier les informations saisies": Modifier / Supprimer, then "Valider"."""
    company = _company(request, company_id)
    drafts = _drafts(request, company)
    if request.method == "POST" and "supprimer" in request.POST:
        index = request.POST["supprimer"]
        if index.isdigit() and int(index) < len(drafts):
            drafts.pop(int(index))
            _save_drafts(request, company, drafts)
        return redirect("tracking:review", company.pk)
    if request.method == "POST" and "valider" in request.POST:
        return _declare_all(request, company, drafts)
    groups = {g.pk: g for g in InsuredGroup.objects.filter(contract__company=company)}
    entries = [(i, from_session(d)) for i, d in enumerate(drafts)]
    context = company_context(request, company, "requests")
    context.update(entries=entries, groups=groups, step=2)
    return render(request, "tracking/declare_review.html", context)


def _declare_all(
    request: HttpRequest, company: Company, drafts: list[dict[str, Any]]
) -> HttpResponse:
    if not drafts:
        messages.info(request, "Aucun salarié à valider : votre saisie a déjà été enregistrée.")
        return redirect("tracking:requests", company.pk)
    declared = []
    remaining = []
    failures: list[tuple[EmployeeDeclaration, list[str]]] = []
    for draft in drafts:
        declaration = from_session(draft)
        key = str(draft.get("_key") or uuid.uuid4().hex)
        try:
            created = services.declare_employee(
                company=company,
                declaration=declaration,
                source=Source.FORM,
                by=_user(request),
                today=timezone.localdate(),
                submission_key=key,
            )
        except services.DeclarationRejected as rejected:
            failures.append((declaration, [p.message for p in rejected.result.errors]))
            remaining.append(draft)
            continue
        except IntegrityError:
            # The same entry was declared by another submission of this list meanwhile.
            already = Request.objects.filter(company=company, submission_key=key).first()
            if already is None:
                raise
            created = already
        declared.append(created)
    _save_drafts(request, company, remaining)
    context = company_context(request, company, "requests")
    context.update(declared=declared, failures=failures, step=3)
    return render(request, "tracking/declare_done.html", context)


@correspondent_required
def cancel_declaration(request: HttpRequest, company_id: int) -> HttpResponse:
    """ "Annuler": drop what was entered and go back to "Mes demandes"."""
    company = _company(request, company_id)
    if request.method == "POST":
        request.session.pop(_drafts_key(company), None)
        request.session.pop(PENDING, None)
    return redirect("tracking:requests", company.pk)


@correspondent_required
def requests_list(request: HttpRequest, company_id: int) -> HttpResponse:
    """Mes demandes: every request, newest first, by état and motif, searchable by name."""
    company = _company(request, company_id)
    state = request.GET.get("etat", "")
    reason = request.GET.get("motif", "")
    name = request.GET.get("nom", "").strip()
    if state not in State.values:
        state = ""
    if reason not in Reason.values or (reason == Reason.WAIVER and not company.waivers_enabled):
        reason = ""
    page = Paginator(
        queries.requests_of(company, state=state, reason=reason, name=name), queries.PAGE_SIZE
    ).get_page(request.GET.get("page"))
    context = company_context(request, company, "requests")
    context.update(
        page=page,
        state=state,
        reason=reason,
        name=name,
        states=State.choices,
        reasons=Reason.choices,
        today=timezone.localdate(),
    )
    return render(request, "tracking/requests.html", context)


@correspondent_required
@require_POST
def remind(request: HttpRequest, company_id: int, request_id: int) -> HttpResponse:
    """ "Relancer": e-mail the employee their link again."""
    company = _company(request, company_id)
    target = queries.get_request_for_company(company, request_id)
    try:
        services.send_reminder(request_id=target.pk, company=company, by=_user(request))
    except BusinessError as error:
        messages.error(request, error.message)
        return redirect(_back(request, company))
    context = company_context(request, company, "requests")
    context.update(back=_back(request, company), employee=target.employee)
    return render(request, "tracking/reminder_sent.html", context)


@correspondent_required
def cancel_request(request: HttpRequest, company_id: int, request_id: int) -> HttpResponse:
    """ "Annuler la déclaration": a declaration made by mistake, with its reason."""
    company = _company(request, company_id)
    target = queries.get_request_for_company(company, request_id)
    error = ""
    if request.method == "POST":
        try:
            services.cancel_declaration(
                company=company,
                request_id=target.pk,
                reason=request.POST.get("motif", ""),
                by=_user(request),
            )
        except BusinessError as failure:
            error = failure.message
        else:
            messages.success(
                request, "La déclaration a été annulée ; le lien d'affiliation ne fonctionne plus."
            )
            return redirect("tracking:employee", company.pk, target.employee_id)
    context = company_context(request, company, "requests")
    context.update(target=target, employee=target.employee, error=error)
    return render(request, "tracking/cancel_request.html", context)


def _back(request: HttpRequest, company: Company) -> str:
    back = request.POST.get("retour", "")
    prefix = reverse("tracking:requests", args=[company.pk])
    employees = reverse("tracking:employees", args=[company.pk])
    if back.startswith(prefix) or back.startswith(employees):
        return back
    return prefix


@correspondent_required
def employees_list(request: HttpRequest, company_id: int) -> HttpResponse:
    """Mes collaborateurs: name, member number, status with date; filters and search."""
    company = _company(request, company_id)
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
    page = Paginator(
        queries.employees_of(company, status=status, group=group, name=name), queries.PAGE_SIZE
    ).get_page(request.GET.get("page"))
    context = company_context(request, company, "employees")
    context.update(
        page=page,
        status=status,
        group=group,
        name=name,
        statuses=MembershipStatus.choices,
        groups=groups,
    )
    return render(request, "tracking/employees.html", context)


@correspondent_required
def employee_detail(request: HttpRequest, company_id: int, employee_id: int) -> HttpResponse:
    """The employee page: contract information, employee information, their requests."""
    company = _company(request, company_id)
    employee = queries.get_employee_for_company(company, employee_id)
    memberships = list(
        employee.memberships.select_related("contract", "insured_group__base_product").order_by(
            "-effective_date"
        )
    )
    employee_requests = [
        (item, queries.timeline(item))
        for item in employee.requests.filter(company=company)
        .prefetch_related("events", "membership__invitations")
        .order_by("-created_at")
    ]
    # rules.md R8.6: every access to an employee's file (and its NIR) is logged.
    audit.record(
        AuditAction.EMPLOYEE_VIEWED, by=_user(request), target=employee, company_id=company.pk
    )
    context = company_context(request, company, "employees")
    context.update(employee=employee, memberships=memberships, employee_requests=employee_requests)
    return render(request, "tracking/employee.html", context)


@correspondent_required
def export_employees(request: HttpRequest, company_id: int, extension: str) -> HttpResponseBase:
    """The full list of employees as xlsx or csv, streamed."""
    company = _company(request, company_id)
    audit.record(
        AuditAction.EMPLOYEES_EXPORTED, by=_user(request), company_id=company.pk, format=extension
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
    return FileResponse(
        xlsx_file(queries.EXPORT_HEADER, rows, title="Collaborateurs"),
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
