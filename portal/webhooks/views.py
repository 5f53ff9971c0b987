"""Employer space: "Notifications (webhooks)", under "Accès API"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.accounts.http import AuthenticatedRequest
from portal.companies.access import company_context, company_view, requires
from portal.companies.models import AccessRight, Company
from portal.core.errors import BusinessError
from portal.webhooks import queries, services
from portal.webhooks.choices import EventType
from portal.webhooks.forms import EndpointForm
from portal.webhooks.models import WebhookEndpoint
from portal.webhooks.rules import URL_MAX_LENGTH

SECTION = "api"


def _context(request: AuthenticatedRequest, company: Company, **extra: Any) -> dict[str, Any]:
    context = company_context(request, company, SECTION)
    context.update(extra)
    return context


@company_view
@requires(AccessRight.MANAGE)
def endpoints(request: AuthenticatedRequest, company: Company) -> HttpResponse:
    """ "Notifications (webhooks)": the company's endpoints and their state."""
    return render(
        request,
        "webhooks/endpoints.html",
        _context(request, company, endpoints=queries.endpoints_of(company), events=EventType),
    )


def _secret_page(
    request: AuthenticatedRequest,
    company: Company,
    created: services.EndpointWithSecret,
    *,
    renewed: bool,
) -> HttpResponse:
    """The secret, shown this once (in the POST's answer: never stored readable, never on a
    page that can be opened again)."""
    context = _context(
        request, company, endpoint=created.endpoint, secret=created.secret, renewed=renewed
    )
    return render(request, "webhooks/secret.html", context)


@company_view
@requires(AccessRight.MANAGE)
def add_endpoint(request: AuthenticatedRequest, company: Company) -> HttpResponse:
    """ "Ajouter une adresse": URL, description, events; then the secret, shown once."""
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.create_endpoint(
                company=company,
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
                events=form.cleaned_data["events"],
                by=request.user,
                request=request,
            )
        except BusinessError as refused:
            form.show(refused.problems)
        else:
            return _secret_page(request, company, created, renewed=False)
    return render(
        request,
        "webhooks/add.html",
        _context(request, company, form=form, url_max_length=URL_MAX_LENGTH),
    )


@company_view
@requires(AccessRight.MANAGE)
def endpoint_page(
    request: AuthenticatedRequest, company: Company, endpoint_id: int
) -> HttpResponse:
    """One endpoint: its state, "Modifier" (POST), the actions and "Dernières livraisons"."""
    endpoint = queries.get_endpoint_for_company(company, endpoint_id)
    form = EndpointForm(request.POST) if request.method == "POST" else EndpointForm.of(endpoint)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_endpoint(
                company=company,
                endpoint_id=endpoint.pk,
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
                events=form.cleaned_data["events"],
                by=request.user,
                request=request,
            )
        except BusinessError as refused:
            form.show(refused.problems)
        else:
            messages.success(request, "L'adresse de notification est enregistrée.")
            return redirect("webhooks:endpoint", company.pk, endpoint.pk)
    return render(request, "webhooks/endpoint.html", _endpoint_context(request, endpoint, form))


def _endpoint_context(
    request: AuthenticatedRequest, endpoint: WebhookEndpoint, form: EndpointForm
) -> dict[str, Any]:
    return _context(
        request,
        endpoint.company,
        endpoint=endpoint,
        form=form,
        deliveries=queries.recent_messages(endpoint),
        recent=queries.RECENT_MESSAGES,
        now=timezone.now(),
    )


@company_view
@requires(AccessRight.MANAGE)
@require_POST
def rotate_secret(
    request: AuthenticatedRequest, company: Company, endpoint_id: int
) -> HttpResponse:
    """ "Renouveler le secret": the new one shown once; the old one still signs for 24 h."""
    endpoint = queries.get_endpoint_for_company(company, endpoint_id)
    renewed = services.rotate_secret(
        company=company, endpoint_id=endpoint.pk, by=request.user, request=request
    )
    return _secret_page(request, company, renewed, renewed=True)


def _act(
    request: AuthenticatedRequest,
    company: Company,
    endpoint_id: int,
    action: Callable[..., WebhookEndpoint],
    done: str,
) -> HttpResponse:
    """Deactivate or reactivate, then back to the endpoint's page with what happened."""
    endpoint = queries.get_endpoint_for_company(company, endpoint_id)
    try:
        action(company=company, endpoint_id=endpoint.pk, by=request.user, request=request)
    except BusinessError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, done)
    return redirect("webhooks:endpoint", company.pk, endpoint.pk)


@company_view
@requires(AccessRight.MANAGE)
@require_POST
def deactivate(request: AuthenticatedRequest, company: Company, endpoint_id: int) -> HttpResponse:
    """ "Désactiver": nothing is sent until "Réactiver"."""
    return _act(
        request,
        company,
        endpoint_id,
        services.deactivate_endpoint,
        "L'adresse est désactivée : plus aucune notification ne lui est envoyée.",
    )


@company_view
@requires(AccessRight.MANAGE)
@require_POST
def reactivate(request: AuthenticatedRequest, company: Company, endpoint_id: int) -> HttpResponse:
    """ "Réactiver": deliveries start again, the waiting ones first."""
    return _act(
        request,
        company,
        endpoint_id,
        services.reactivate_endpoint,
        "L'adresse est réactivée : les notifications en attente lui sont envoyées.",
    )


@company_view
@requires(AccessRight.MANAGE)
def delete(request: AuthenticatedRequest, company: Company, endpoint_id: int) -> HttpResponse:
    """ "Supprimer": confirmed on its own page; the deliveries' history goes with it."""
    endpoint = queries.get_endpoint_for_company(company, endpoint_id)
    if request.method == "POST":
        services.delete_endpoint(
            company=company, endpoint_id=endpoint.pk, by=request.user, request=request
        )
        messages.success(request, f"L'adresse {endpoint.url} est supprimée.")
        return redirect("webhooks:endpoints", company.pk)
    return render(request, "webhooks/delete.html", _context(request, company, endpoint=endpoint))


@company_view
@requires(AccessRight.MANAGE)
@require_POST
def replay(
    request: AuthenticatedRequest, company: Company, endpoint_id: int, message_id: int
) -> HttpResponse:
    """ "Renvoyer": one message sent again now by the worker."""
    endpoint = queries.get_endpoint_for_company(company, endpoint_id)
    message = queries.get_message_for_endpoint(endpoint, message_id)
    try:
        services.replay_message(
            company=company,
            endpoint_id=endpoint.pk,
            message_id=message.pk,
            by=request.user,
            request=request,
        )
    except BusinessError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            f"La notification {message.message_id} va être renvoyée : son résultat apparaîtra "
            "dans « Dernières livraisons ».",
        )
    return redirect("webhooks:endpoint", company.pk, endpoint.pk)
