"""The insurer's view of every company's API keys ("Clés d'API"), and stopping one."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from portal.api.keys import revoke_key
from portal.api.models import ApiKey
from portal.backoffice.access import screen_context, staff_user, staff_view
from portal.core.errors import BusinessError


@staff_view
def api_keys(request: HttpRequest) -> HttpResponse:
    """Every key, live ones first, with its company, rights and last use."""
    keys = ApiKey.objects.select_related("company", "created_by", "revoked_by").order_by(
        "revoked_at", "-created_at", "-id"
    )[:500]
    return render(
        request, "backoffice/api_keys.html", screen_context(request, title="Clés d'API", keys=keys)
    )


@require_POST
@staff_view
def revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    try:
        key = revoke_key(key_id=key_id, company=None, by=staff_user(request))
    except ApiKey.DoesNotExist:
        raise Http404("Clé introuvable.") from None
    except BusinessError as refused:
        messages.error(request, refused.problems[0].message)
    else:
        messages.success(
            request, f"La clé « {key.name} » de {key.company.legal_name} est révoquée."
        )
    return redirect("backoffice:api_keys")
