"""Who calls: the API key in `Authorization: Bearer …`, its rights and its rate limit."""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from portal.accounts import throttling
from portal.api.errors import ApiError
from portal.api.keys import find_key
from portal.api.models import ApiKey, Scope
from portal.api.problems import ApiProblem
from portal.core import audit
from portal.core.audit import AuditAction

LAST_USED_PRECISION = timedelta(minutes=1)  # one write a minute at most, not one a call


class KeyAuth(HttpBearer):
    """A valid key of the company, under its rate limit; every call is audited with it."""

    openapi_description = (
        "La clé d'API de l'entreprise, créée dans « Accès API » de l'Espace entreprise : "
        "`Authorization: Bearer mut_…`."
    )

    def __call__(self, request: HttpRequest) -> ApiKey | None:
        header = request.headers.get("Authorization", "")
        if not header:
            raise ApiProblem(401, ApiError.AUTHENTICATION_REQUIRED, headers=_challenge())
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiProblem(401, ApiError.AUTHENTICATION_REQUIRED, headers=_challenge())
        return self.authenticate(request, token)

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        key, refused = find_key(token)
        if key is None:
            assert refused is not None
            raise ApiProblem(401, refused, headers=_challenge())
        _limit(key)
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at >= LAST_USED_PRECISION:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now
        audit.record(
            AuditAction.API_CALL,
            target=key,
            company_id=key.company_id,
            request=request,
            key=key.prefix,
            method=request.method,
            path=request.path[:300],
        )
        return key


def _challenge() -> dict[str, str]:
    return {"WWW-Authenticate": 'Bearer realm="api"'}


def _limit(key: ApiKey) -> None:
    """A fixed window of one minute per key, shared by every web process (database cache)."""
    limit = settings.API_RATE_LIMIT_PER_MINUTE
    now = time.time()
    window = int(now // 60)
    calls = throttling.hit("api", f"{key.prefix}:{window}", window_seconds=120)
    if calls > limit:
        seconds = max(1, 60 - int(now % 60))
        raise ApiProblem(
            429,
            ApiError.RATE_LIMITED,
            headers={"Retry-After": str(seconds)},
            limit=limit,
            seconds=seconds,
        )


def require(key: ApiKey, scope: Scope) -> None:
    """Refuse the call (403) when the key lacks `scope`."""
    if scope not in key.scopes:
        raise ApiProblem(403, ApiError.SCOPE_MISSING, scope=Scope(scope).label)
