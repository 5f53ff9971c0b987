"""The employer's "Accès API" page: its company's keys, a new key shown once, revoking one."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.accounts.http import AuthenticatedRequest
from portal.api import keys
from portal.api.forms import ApiKeyForm
from portal.api.models import ApiKey, Scope
from portal.companies.access import company_context, company_view, requires
from portal.companies.models import AccessRight, Company
from portal.core.errors import BusinessError


@company_view
@requires(AccessRight.MANAGE)
def access(request: AuthenticatedRequest, company: Company) -> HttpResponse:
    """ "Accès API": the keys, and "Créer une clé" (its secret shown once, on this answer)."""
    form = ApiKeyForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = keys.create_key(
                company=company,
                name=form.cleaned_data["name"],
                scopes=[Scope.READ, *form.cleaned_data["scopes"]],
                expires_on=form.cleaned_data["expires_on"],
                by=request.user,
                today=timezone.localdate(),
            )
        except BusinessError as refused:
            form.show(refused.problems)
        else:
            form = ApiKeyForm()
    context = company_context(request, company, "api")
    context.update(
        form=form,
        created=created,
        keys=ApiKey.objects.filter(company=company).select_related("created_by"),
        webhooks_url=reverse("webhooks:endpoints", args=[company.pk]),
    )
    return render(request, "api/access.html", context)


@require_POST
@company_view
@requires(AccessRight.MANAGE)
def revoke(request: AuthenticatedRequest, company: Company, key_id: int) -> HttpResponse:
    try:
        key = keys.revoke_key(key_id=key_id, company=company, by=request.user)
    except ApiKey.DoesNotExist:
        raise Http404("Clé introuvable.") from None
    except BusinessError as refused:
        messages.error(request, refused.problems[0].message)
    else:
        messages.success(request, f"La clé « {key.name} » est révoquée : elle ne sert plus.")
    return redirect("api_access:access", company.pk)
