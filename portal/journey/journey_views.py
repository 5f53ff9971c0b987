"""The employee's enrollment steps, from "Mon profil" to "Votre adhésion est terminée !"."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from portal.accounts.models import Role, User
from portal.accounts.policy import second_factor_satisfied
from portal.assistance import browser as assistance
from portal.companies.models import Product
from portal.core import audit
from portal.core.errors import BusinessError
from portal.enrollment import bank_details, journey
from portal.enrollment.dossiers import Dossier
from portal.enrollment.models import (
    JOURNEY_ORDER,
    JourneyStep,
    Membership,
    MembershipStatus,
)
from portal.journey.forms import BankForm, DependantForm, ProfileForm

View = Callable[..., HttpResponse | FileResponse]
STEP_URLS = {
    JourneyStep.PROFILE: "journey:profile",
    JourneyStep.DEPENDANTS: "journey:dependants",
    JourneyStep.COVERAGE: "journey:coverage",
    JourneyStep.BANK: "journey:bank",
    JourneyStep.SIGNATURE: "journey:signature",
}


def member_view(view: View) -> View:
    """Logged-in employees only, on their own membership (another one is a 404). An adviser
    assisting the employee is refused with a page saying why: signing, the SMS code and the
    waiver are the employee's own."""
    return _journey_view(view, assisted=False)


def assisted_view(view: View) -> View:
    """As `member_view`, and also the adviser whose remote assistance on the employee goes on:
    they fill and correct the step as the employee would; each audit event the step writes
    names the adviser as its actor, for the employee (`audit.acting_for`)."""
    return _journey_view(view, assisted=True)


def _journey_view(view: View, *, assisted: bool) -> View:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, membership_id: int, *args: Any, **kwargs: Any) -> Any:
        user = request.user
        assert isinstance(user, User)
        if user.is_staff and second_factor_satisfied(user):
            return _assisting(request, view, membership_id, assisted, *args, **kwargs)
        if user.role != Role.MEMBER:
            raise PermissionDenied
        try:
            membership = journey.get_membership_for_member(user, membership_id)
        except Membership.DoesNotExist as missing:
            raise Http404 from missing
        return view(request, membership, *args, **kwargs)

    return wrapper


def _assisting(
    request: HttpRequest, view: View, membership_id: int, assisted: bool, *args: Any, **kwargs: Any
) -> Any:
    """An adviser in the journey: only through the remote assistance their browser started,
    on that employee's memberships; once it is over, back to the back office, told why."""
    session = assistance.active_staff_session(request)
    if session is None:
        held = assistance.staff_held_session(request)
        assistance.forget_staff_session(request)
        messages.warning(request, assistance.staff_end_message(held))
        return redirect("backoffice:assistance")
    employee = session.membership.employee
    try:
        membership = Membership.objects.select_related(
            "employee__company",
            "employee__user",
            "contract",
            "insured_group__base_product",
            "option",
        ).get(pk=membership_id, employee=employee)
    except Membership.DoesNotExist as missing:
        raise Http404 from missing
    if not assisted:
        context = {"assistance_staff": session, "membership": membership}
        return render(request, "assistance/staff_refused.html", context, status=403)
    with audit.acting_for(session.employee_user, assistance_session=session.pk):
        return view(request, membership, *args, **kwargs)


def step_context(membership: Membership, step: JourneyStep, **extra: Any) -> dict[str, Any]:
    dossier = Dossier.of(membership)
    # Once signed (or waived) the steps are read-only: the bar links to none of them.
    editable = membership.editable_by_employee
    steps = [
        {
            "label": s.label,
            "done": membership.step_done(s),
            "current": s == step,
            "url": reverse(STEP_URLS[s], args=[membership.pk]),
            "reachable": editable
            and (s == JOURNEY_ORDER[0] or membership.step_done(JOURNEY_ORDER[i - 1])),
        }
        for i, s in enumerate(JOURNEY_ORDER)
    ]
    return {
        "membership": membership,
        "employee": membership.employee,
        "steps": steps,
        "dossier": dossier,
        "contracts_sentence": contracts_sentence(dossier),
        **extra,
    }


def contracts_sentence(dossier: Dossier) -> str:
    """ "une complémentaire santé et un contrat de prévoyance": what the company subscribed
    for the employee, as "Mes garanties" says it."""
    parts = []
    if dossier.health is not None:
        parts.append("une complémentaire santé")
    if dossier.provident:
        parts.append("un contrat de prévoyance")
    return " et ".join(parts)


def step_url(membership: Membership, step: JourneyStep) -> str:
    return reverse(STEP_URLS[step], args=[membership.pk])


def finished_url(membership: Membership) -> str:
    """The last page of a journey that cannot be changed any more (signed or waived)."""
    waived = membership.status in {MembershipStatus.WAIVER_REQUESTED, MembershipStatus.WAIVED}
    name = "waiver_done" if waived else "done"
    return reverse(f"journey:{name}", args=[membership.pk])


def closed_response(request: HttpRequest, membership: Membership) -> HttpResponse | None:
    """The steps are closed once signed (or waived): back to the end of the journey; and
    when the 60 days of the invitation are over: the page says what to do instead."""
    if not membership.editable_by_employee:
        messages.info(request, journey.SIGNED_ALREADY)
        return redirect(finished_url(membership))
    lead = Dossier.of(membership).lead
    if lead.pk != membership.pk:
        # The dossier's steps are its lead's (the health contract's): one journey, one URL.
        return redirect("journey:resume", lead.pk)
    if journey.online_deadline_passed(membership, timezone.now()):
        return render(
            request,
            "journey/expired.html",
            step_context(membership, JourneyStep.PROFILE),
            status=410,
        )
    return None


@assisted_view
def resume(request: HttpRequest, membership: Membership) -> HttpResponse:
    """ "Finaliser mon adhésion": back where the employee left off."""
    if not membership.editable_by_employee:
        return redirect(finished_url(membership))
    lead = Dossier.of(membership).lead
    return redirect(step_url(lead, journey.next_step(lead)))


@assisted_view
def profile(request: HttpRequest, membership: Membership) -> HttpResponse:
    """ "Mon profil", with the guide's dialog for fields the employee may leave wrong."""
    if (response := closed_response(request, membership)) is not None:
        return response
    today = timezone.localdate()
    current = journey.profile_of(membership.employee)
    form = ProfileForm(request.POST or None, initial=ProfileForm.initial_from(current))
    warnings: list[str] = []
    if request.method == "POST" and form.is_valid():
        check = journey.check_profile(membership, form.to_profile(), today=today)
        if check.errors:
            form.show(check.errors)
        elif "cancel" in request.POST:
            pass  # "Annuler" in the dialog: back to the form as typed, to correct it
        elif check.warnings and "continue" not in request.POST:
            warnings = [w.message for w in check.warnings]
        else:
            try:
                journey.save_profile(
                    membership=membership,
                    profile=form.to_profile(),
                    by=current_user(request),
                    today=today,
                )
            except BusinessError as error:
                form.show(error.problems)
            else:
                return redirect(step_url(membership, JourneyStep.DEPENDANTS))
    context = step_context(membership, JourneyStep.PROFILE, form=form, warnings=warnings)
    return render(request, "journey/profile.html", context)


def current_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@assisted_view
def dependants(request: HttpRequest, membership: Membership) -> HttpResponse:
    """ "Mes bénéficiaires": the list, "Ajouter un bénéficiaire", "Poursuivre sans bénéficiaire"."""
    if (response := closed_response(request, membership)) is not None:
        return response
    if not membership.step_done(JourneyStep.PROFILE):
        return redirect(step_url(membership, JourneyStep.PROFILE))
    if request.method == "POST":
        try:
            journey.finish_dependants(membership=membership, by=current_user(request))
        except BusinessError as error:
            messages.error(request, error.message)
        else:
            return redirect(step_url(membership, JourneyStep.COVERAGE))
    context = step_context(
        membership, JourneyStep.DEPENDANTS, dependants=list(membership.dependants.all())
    )
    return render(request, "journey/dependants.html", context)


@assisted_view
def dependant(
    request: HttpRequest, membership: Membership, dependant_id: int | None = None
) -> HttpResponse:
    """ "Bénéficiaire": add one, or edit it ("Enregistrer" / "Annuler")."""
    if (response := closed_response(request, membership)) is not None:
        return response
    if not membership.step_done(JourneyStep.PROFILE):
        return redirect(step_url(membership, JourneyStep.PROFILE))
    employee = membership.employee
    existing = None
    if dependant_id is not None:
        existing = membership.dependants.filter(pk=dependant_id).first()
        if existing is None:
            raise Http404
    initial = DependantForm.initial_from(existing, employee.nir) if existing else None
    form = DependantForm(
        request.POST or None,
        initial=initial,
        member_name=employee.full_name,
        member_nir=employee.nir,
    )
    if request.method == "POST" and form.is_valid():
        today = timezone.localdate()
        try:
            journey.save_dependant(
                membership=membership,
                facts=form.to_facts(),
                address=form.to_address(),
                dependant_id=dependant_id,
                by=current_user(request),
                today=today,
            )
        except BusinessError as error:
            form.show(error.problems)
        else:
            return redirect(step_url(membership, JourneyStep.DEPENDANTS))
    context = step_context(membership, JourneyStep.DEPENDANTS, form=form, dependant=existing)
    return render(request, "journey/dependant.html", context)


@assisted_view
def remove_dependant(
    request: HttpRequest, membership: Membership, dependant_id: int
) -> HttpResponse:
    """ "Supprimer" (POST only)."""
    if request.method != "POST":
        return redirect(step_url(membership, JourneyStep.DEPENDANTS))
    try:
        journey.remove_dependant(
            membership=membership, dependant_id=dependant_id, by=current_user(request)
        )
    except BusinessError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Le bénéficiaire a été supprimé.")
    return redirect(step_url(membership, JourneyStep.DEPENDANTS))


@assisted_view
def coverage(request: HttpRequest, membership: Membership) -> HttpResponse:
    """ "Mes garanties": the health choices as cards, with what each costs the employee; each
    provident contract's cover, and its beneficiary clause where the contract asks for it."""
    if (response := closed_response(request, membership)) is not None:
        return response
    if not membership.step_done(JourneyStep.DEPENDANTS):
        return redirect(step_url(membership, journey.next_step(membership)))
    dossier = Dossier.of(membership)
    choices = journey.offers(membership) if dossier.health is not None else []
    covers = journey.provident_covers(dossier)
    errors: dict[str, str] = {}
    error = ""
    if request.method == "POST":
        raw = request.POST.get("option", "") if choices else "base"
        clauses = {
            c.membership.pk: journey.ClauseChoice(
                request.POST.get(f"clause_{c.membership.pk}", ""),
                request.POST.get(f"designation_{c.membership.pk}", ""),
            )
            for c in covers
            if c.asks_clause
        }
        if raw not in {"base", *(str(o.option.pk) for o in choices if o.option)}:
            error = "Choisissez une des garanties proposées."
        else:
            try:
                journey.choose_coverage(
                    membership=membership,
                    option_id=None if raw == "base" else int(raw),
                    by=current_user(request),
                    clauses=clauses,
                )
            except BusinessError as failure:
                errors = {p.field: p.message for p in failure.problems}
                error = "" if errors.keys() - {""} else failure.message
            else:
                return redirect(step_url(membership, JourneyStep.BANK))
        posted = {pk: (choice.clause, choice.designation) for pk, choice in clauses.items()}
    else:
        posted = {
            c.membership.pk: (
                c.membership.beneficiary_clause,
                c.membership.beneficiary_designation,
            )
            for c in covers
        }
    selected = (
        ("base" if membership.option_id is None else str(membership.option_id))
        if membership.coverage_chosen
        else ""
    )
    if request.method == "POST" and choices:
        selected = request.POST.get("option", selected)
    context = step_context(
        membership,
        JourneyStep.COVERAGE,
        offers=choices,
        selected=selected,
        error=error,
        covers=[
            {
                "cover": c,
                "clause": posted.get(c.membership.pk, ("", ""))[0],
                "designation": posted.get(c.membership.pk, ("", ""))[1],
                "clause_error": errors.get(f"clause_{c.membership.pk}", ""),
                "designation_error": errors.get(f"designation_{c.membership.pk}", ""),
            }
            for c in covers
        ],
    )
    return render(request, "journey/coverage.html", context)


@assisted_view
def coverage_table(
    request: HttpRequest, membership: Membership, product_id: int
) -> HttpResponse | FileResponse:
    """ "Voir les garanties": the coverage table of a product offered to the member (by any
    contract of their dossier)."""
    offered = []
    for member in Dossier.of(membership).memberships:
        group = member.insured_group
        offered += [group.base_product_id, *group.option_products.values_list("pk", flat=True)]
    if product_id not in offered:
        raise Http404
    product = Product.objects.get(pk=product_id)
    if not product.coverage_table:
        raise Http404("Tableau de garanties non disponible.")
    return FileResponse(
        product.coverage_table.open("rb"),
        as_attachment=True,
        filename=f"Tableau de garanties {product.code.replace('/', '-')}.pdf",
        content_type="application/pdf",
    )


@assisted_view
def bank(request: HttpRequest, membership: Membership) -> HttpResponse:
    """ "Mes coordonnées bancaires" — only when the employee pays something."""
    if (response := closed_response(request, membership)) is not None:
        return response
    if not membership.step_done(JourneyStep.COVERAGE):
        return redirect(step_url(membership, journey.next_step(membership)))
    needed = bank_details.needs_bank_details(membership)
    dependants = list(membership.dependants.all())
    form = BankForm(
        request.POST or None,
        initial=BankForm.initial_from(membership),
        dependants=dependants,
    )
    if request.method == "POST":
        try:
            if not needed:
                bank_details.skip_bank_details(membership=membership, by=current_user(request))
                return redirect(step_url(membership, JourneyStep.SIGNATURE))
            if form.is_valid():
                bank_details.save_bank_details(
                    membership=membership, details=form.to_details(), by=current_user(request)
                )
                return redirect(step_url(membership, JourneyStep.SIGNATURE))
        except BusinessError as error:
            form.show(error.problems)
    costs = journey.current_costs(membership)
    context = step_context(membership, JourneyStep.BANK, form=form, needed=needed, costs=costs)
    return render(request, "journey/bank.html", context)
