"""`Idempotency-Key`: a retried call gets the first call's answer, never a second effect.

The key's row is written first, in the business event's own transaction: a concurrent retry
waits on the unique constraint until the first commits (then reads its answer) or rolls back
(then runs itself). Refused calls are not kept: they changed nothing, a retry is checked anew."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from portal.api.errors import ApiError
from portal.api.models import ApiKey, IdempotentCall
from portal.api.problems import ApiProblem

HEADER = "Idempotency-Key"
VALID = re.compile(r"^[\x21-\x7e]{1,255}$")

Answer = tuple[int, Any]


def run_once(request: HttpRequest, key: ApiKey, event: Callable[[], Answer]) -> Answer:
    """Run `event` (status, JSON body) in one durable transaction, once per idempotency key."""
    presented = request.headers.get(HEADER)
    if presented is None:
        with transaction.atomic(durable=True):
            return event()
    if not VALID.match(presented):
        raise ApiProblem(400, ApiError.IDEMPOTENCY_KEY_INVALID, field=HEADER)
    fingerprint = hashlib.sha256(
        b"\n".join([(request.method or "").encode(), request.path.encode(), request.body])
    ).hexdigest()
    with transaction.atomic(durable=True):
        try:
            with transaction.atomic():  # waits for a concurrent call with the same key
                call = IdempotentCall.objects.create(
                    api_key=key, key=presented, fingerprint=fingerprint, status_code=0, body={}
                )
        except IntegrityError:
            first = IdempotentCall.objects.get(api_key=key, key=presented)
            if first.fingerprint != fingerprint:
                raise ApiProblem(422, ApiError.IDEMPOTENCY_KEY_REUSED, field=HEADER) from None
            return first.status_code, first.body
        status, body = event()
        call.status_code = status
        call.body = json.loads(json.dumps(body, default=str))
        call.save(update_fields=["status_code", "body"])
        return status, body


def purge_answers(now: datetime) -> int:
    """Forget the answers kept longer than `API_IDEMPOTENCY_HOURS` (a retry comes within
    minutes; after that the key may be reused). How many were deleted."""
    limit = now - timedelta(hours=settings.API_IDEMPOTENCY_HOURS)
    deleted, _ = IdempotentCall.objects.filter(created_at__lt=limit).delete()
    return deleted
