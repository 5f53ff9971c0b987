"""Employer space: Mes demandes (with "Ajouter des salariés")."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.contrib import messages
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.accounts.http import AuthenticatedRequest
from portal.companies.access import company_context, company_view, requires
from portal.companies.models import AccessRight, Company, InsuredGroup
from portal.core.crypto import decrypt, encrypt
from portal.core.errors import BusinessError, Problem
from portal.core.keyset import keyset_page
from portal.enrollment.declarations import (
    EmployeeDeclaration,
    from_session,
    suggest_address,
    to_session,
)
from portal.enrollment.errors import EnrollmentError
from portal.enrollment.forms import DeclarationForm
from portal.tracking import queries, services
from portal.tracking.campaign import campaign_context
from portal.tracking.errors import TrackingError
from portal.tracking.models import Reason, Request, Source, State

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


@company_view
@requires(AccessRight.DECLARE)
def add_employees(request: AuthenticatedRequest, company: Company) -> HttpResponse:
    """Options: "Sous quelle forme désirez-vous les renseigner ?"."""
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


@company_view
@requires(AccessRight.DECLARE)
def declare(request: AuthenticatedRequest, company: Company) -> HttpResponse:
    """Renseigner les salariés: the form; `?modifier=N` edits the N-th entered employee."""
    drafts = _drafts(request, company)
    edit = request.GET.get("modifier")
    index = int(edit) if edit and edit.isdigit() and int(edit) < len(drafts) else None
    others = [from_session(d) for i, d in enumerate(drafts) if i != index]
    initial: dict[str, Any] = {"country": "FRANCE"}
    pending = _load(request, PENDING)
    if index is not None:
        initial = _initial(from_session(drafts[index]), company)
    elif pending and pending.get("company") == company.pk and "retour" in request.GET:
        initial = _initial(from_session(pending["declaration"]), company)
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


def _initial(d: EmployeeDeclaration, company: Company) -> dict[str, Any]:
    values = to_session(d)
    values["alsace_moselle"] = {True: "oui", False: "non"}.get(d.alsace_moselle)  # type: ignore[arg-type]
    values.update(DeclarationForm.initial_groups(company, d.insured_group_ids))
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


@company_view
@requires(AccessRight.DECLARE)
def confirm_address(request: AuthenticatedRequest, company: Company) -> HttpResponse:
    """ "Valider l'adresse du collaborateur": the address as typed or as AFNOR writes it.

    A city that does not match its postal code leaves only the suggested address, with the
    postal code's commune; when it serves several, the employer picks one (the closest to
    what was typed preselected). "Précédent" goes back to the form as typed.
    """
    pending = _load(request, PENDING)
    if not pending or pending.get("company") != company.pk:
        return redirect("tracking:declare", company.pk)
    declaration = from_session(pending["declaration"])
    choice = request.POST.get("commune", "")
    suggestion = suggest_address(declaration, choice)
    error = ""
    if request.method == "POST":
        several = len(suggestion.choices) > 1
        if several and choice not in {value for value, _label in suggestion.choices}:
            error = Problem.of(
                EnrollmentError.COMMUNE_CHOICE_REQUIRED,
                "commune",
                postal_code=declaration.postal_code,
            ).message
        else:
            if suggestion.city_mismatch or request.POST.get("choix") == "suggeree":
                pending["declaration"] = {**pending["declaration"], **suggestion.fields}
                _store(request, PENDING, pending)
            return _keep_pending(request, company)
    context = company_context(request, company, "requests")
    context.update(suggestion=suggestion, step=2, error=error)
    return render(request, "tracking/declare_address.html", context)


@company_view
@requires(AccessRight.DECLARE)
def review(request: AuthenticatedRequest, company: Company) -> HttpResponse:
    """ "Vérifier les informations saisies": Modifier / Supprimer, then "Valider"."""
    drafts = _drafts(request, company)
    if request.method == "POST" and "supprimer" in request.POST:
        index = request.POST["supprimer"]
        if index.isdigit() and int(index) < len(drafts):
            drafts.pop(int(index))
            _save_drafts(request, company, drafts)
        return redirect("tracking:review", company.pk)
    if request.method == "POST" and "valider" in request.POST:
        return _declare_all(request, company, drafts)
    groups = {
        g.pk: g
        for g in InsuredGroup.objects.filter(contract__company=company).select_related("contract")
    }
    entries = [(i, from_session(d)) for i, d in enumerate(drafts)]
    context = company_context(request, company, "requests")
    context.update(entries=entries, groups=groups, step=2)
    return render(request, "tracking/declare_review.html", context)


def _declare_all(
    request: AuthenticatedRequest, company: Company, drafts: list[dict[str, Any]]
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
                by=request.user,
                today=timezone.localdate(),
                submission_key=key,
            )
        except BusinessError as rejected:
            failures.append((declaration, [p.message for p in rejected.problems]))
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


@company_view
@requires(AccessRight.DECLARE)
def cancel_declaration(request: AuthenticatedRequest, company: Company) -> HttpResponse:
    """ "Annuler": drop what was entered and go back to "Mes demandes"."""
    if request.method == "POST":
        request.session.pop(_drafts_key(company), None)
        request.session.pop(PENDING, None)
    return redirect("tracking:requests", company.pk)


@company_view
def requests_list(request: AuthenticatedRequest, company: Company) -> HttpResponse:
    """Mes demandes: every request, newest first, by état and motif, searchable by name."""
    state = request.GET.get("etat", "")
    reason = request.GET.get("motif", "")
    name = request.GET.get("nom", "").strip()
    source = request.GET.get("origine", "")
    if source not in Source.values:
        source = ""
    if state not in State.values:
        state = ""
    if reason not in Reason.values or (reason == Reason.WAIVER and not company.waivers_enabled):
        reason = ""
    page = keyset_page(
        queries.requests_of(company, state=state, reason=reason, name=name, source=source),
        queries.REQUEST_ORDER,
        size=queries.PAGE_SIZE,
        after=request.GET.get("apres"),
        before=request.GET.get("avant"),
        number=request.GET.get("page"),
    )
    context = company_context(request, company, "requests")
    context.update(
        page=page,
        state=state,
        reason=reason,
        name=name,
        states=State.choices,
        reasons=Reason.choices,
        source=source,
        sources=Source.choices,
        today=timezone.localdate(),
    )
    if page.number == 1 and not (state or reason or name or source):
        context.update(campaign_context(company))  # the campaign above the whole list
    return render(request, "tracking/requests.html", context)


@company_view
@requires(AccessRight.DECLARE)
@require_POST
def remind(request: AuthenticatedRequest, company: Company, request_id: int) -> HttpResponse:
    """ "Relancer": e-mail the employee their link again."""
    target = queries.get_request_for_company(company, request_id)
    try:
        services.send_reminder(request_id=target.pk, company=company, by=request.user)
    except BusinessError as error:
        messages.error(request, error.message)
        return redirect(_back(request, company))
    context = company_context(request, company, "requests")
    context.update(back=_back(request, company), employee=target.employee)
    return render(request, "tracking/reminder_sent.html", context)


# "Relancer la sélection": at most a page of requests at once.
MAX_SELECTED = queries.PAGE_SIZE


@company_view
@requires(AccessRight.DECLARE)
@require_POST
def remind_selected(request: AuthenticatedRequest, company: Company) -> HttpResponse:
    """ "Relancer la sélection": each ticked employee reminded as by their own "Relancer" (one
    transaction each: one refused — already reminded today — leaves the others sent)."""
    back = _back(request, company)
    ids = [int(value) for value in request.POST.getlist("demande") if value.isdigit()]
    targets = list(
        Request.objects.filter(company=company, pk__in=ids[:MAX_SELECTED])
        .select_related("employee")
        .order_by("search_name", "pk")
    )
    if not targets:
        messages.error(request, TrackingError.NOTHING_SELECTED.message)
        return redirect(back)
    sent: list[str] = []
    for target in targets:
        try:
            services.send_reminder(request_id=target.pk, company=company, by=request.user)
        except BusinessError as error:
            messages.warning(
                request, f"{target.employee.full_name} non relancé(e) : {error.message}"
            )
        else:
            sent.append(target.employee.full_name)
    if sent:
        count = (
            f"{len(sent)} salarié relancé" if len(sent) == 1 else f"{len(sent)} salariés relancés"
        )
        messages.success(request, f"{count} : {', '.join(sent)}.")
    return redirect(back)


@company_view
@requires(AccessRight.DECLARE)
def cancel_request(
    request: AuthenticatedRequest, company: Company, request_id: int
) -> HttpResponse:
    """ "Annuler la déclaration": a declaration made by mistake, with its reason."""
    target = queries.get_request_for_company(company, request_id)
    error = ""
    if request.method == "POST":
        try:
            services.cancel_declaration(
                company=company,
                request_id=target.pk,
                reason=request.POST.get("motif", ""),
                by=request.user,
            )
        except BusinessError as failure:
            error = failure.message
        else:
            messages.success(
                request, "La déclaration a été annulée ; le lien d'affiliation ne fonctionne plus."
            )
            return redirect("employer:employee", company.pk, target.employee_id)
    context = company_context(request, company, "requests")
    context.update(target=target, employee=target.employee, error=error)
    return render(request, "tracking/cancel_request.html", context)


def _back(request: HttpRequest, company: Company) -> str:
    back = request.POST.get("retour", "")
    prefix = reverse("tracking:requests", args=[company.pk])
    employees = reverse("employer:employees", args=[company.pk])
    if back.startswith(prefix) or back.startswith(employees):
        return back
    return prefix
