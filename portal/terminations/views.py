"""The employer's side of terminations: "Résilier son contrat", and undoing a mistake."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from portal.accounts.http import AuthenticatedRequest
from portal.companies.access import company_context, company_view, requires
from portal.companies.models import AccessRight, Company
from portal.core.errors import BusinessError
from portal.enrollment.models import Membership
from portal.terminations import services
from portal.terminations.forms import TerminationForm
from portal.terminations.messages import portability_certificate
from portal.terminations.models import Termination
from portal.terminations.register import rows_of, running_portabilities
from portal.terminations.rules import DEATH, PORTABILITY_MOTIFS

# The article as in force (Légifrance); its text is not copied here, so it stays current.
PORTABILITY_LAW_URL = "https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000027549338"


@company_view
@requires(AccessRight.TERMINATE)
def terminate(request: AuthenticatedRequest, company: Company, membership_id: int) -> HttpResponse:
    """ "Résilier le contrat — N° <member number> - <name>": dates, motif, portability."""
    membership = (
        Membership.objects.select_related("employee")
        .filter(pk=membership_id, contract__company=company)
        .first()
    )
    if membership is None:
        raise Http404("Adhésion introuvable.")
    employee = membership.employee
    form = TerminationForm(request.POST or None, initial={"hire_date": employee.hire_date})
    if request.method == "POST" and form.is_valid():
        try:
            services.terminate_membership(
                company=company,
                membership_id=membership.pk,
                hire_date=form.cleaned_data.get("hire_date"),
                termination_date=form.cleaned_data.get("termination_date"),
                motif=form.cleaned_data.get("motif") or "",
                portability=form.portability_answer(),
                by=request.user,
                today=timezone.localdate(),
            )
        except BusinessError as rejected:
            form.show(rejected.problems)
        else:
            if form.cleaned_data.get("motif") == DEATH:
                messages.success(
                    request,
                    "Nous avons bien enregistré le décès de "
                    f"{employee.first_name} {employee.last_name}. Nos services prennent la suite "
                    "et prendront contact avec ses proches pour ce qui concerne ses bénéficiaires. "
                    "Nous vous remercions de nous en avoir informés.",
                )
            else:
                messages.success(
                    request, "La résiliation a été envoyée : elle est en cours de traitement."
                )
            return redirect("employer:employee", company.pk, employee.pk)
    context = company_context(request, company, "employees")
    context.update(
        form=form,
        membership=membership,
        employee=employee,
        portability_motifs=[m.value for m in PORTABILITY_MOTIFS],
        portability_law_url=PORTABILITY_LAW_URL,
    )
    return render(request, "terminations/terminate.html", context)


@company_view
@requires(AccessRight.TERMINATE)
def undo(request: AuthenticatedRequest, company: Company, termination_id: int) -> HttpResponse:
    """ "Annuler la résiliation": GET asks for confirmation (nothing is written), POST undoes
    the termination while it is still "En cours"."""
    if request.method != "POST":
        termination = (
            Termination.objects.select_related("membership__employee", "request")
            .filter(pk=termination_id, membership__contract__company=company, undone_at=None)
            .first()
        )
        if termination is None:
            raise Http404("Résiliation introuvable.")
        context = company_context(request, company, "employees")
        context.update(
            termination=termination,
            membership=termination.membership,
            employee=termination.membership.employee,
        )
        return render(request, "terminations/undo_confirm.html", context)
    try:
        membership = services.undo_termination(
            company=company, termination_id=termination_id, by=request.user
        )
    except Termination.DoesNotExist as missing:
        raise Http404 from missing
    except BusinessError as error:
        messages.error(request, error.message)
        return redirect("employer:employees", company.pk)
    messages.success(request, "La résiliation a été annulée : l'adhésion est rétablie.")
    return redirect("employer:employee", company.pk, membership.employee_id)


@company_view
def certificate(
    request: AuthenticatedRequest, company: Company, termination_id: int
) -> HttpResponse:
    """The portability certificate, as the former employee received it."""
    termination = (
        Termination.objects.select_related("membership__employee", "membership__contract__company")
        .filter(pk=termination_id, membership__contract__company=company, portability=True)
        .first()
    )
    if termination is None:
        raise Http404("Attestation introuvable.")
    response = HttpResponse(portability_certificate(termination), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="attestation-portabilite.pdf"'
    return response


REGISTER_PAGE_SIZE = 50


@company_view
@require_safe
def register(request: AuthenticatedRequest, company: Company) -> HttpResponse:
    """ "Registre des portabilités": this company's former employees under portability (never
    their dependants), the end of each, the France Travail proofs' state (not the proofs)."""
    today = timezone.localdate()
    page = Paginator(
        running_portabilities(today, company_id=company.pk), REGISTER_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    context = company_context(request, company, "portability")
    context.update(page=page, rows=rows_of(list(page.object_list), today), today=today)
    return render(request, "terminations/register.html", context)
