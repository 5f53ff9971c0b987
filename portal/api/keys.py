"""Creating, finding and revoking API keys: the one path for the employer's "Accès API" page and
the back office."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import transaction
from django.utils import timezone

from portal.accounts.models import User
from portal.api.errors import ApiError
from portal.api.models import ApiKey, Scope
from portal.companies.models import Company
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError, Problem

KEY_MARK = "mut"  # every key starts "mut_": secret scanners can be taught to spot it


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class NewKey:
    key: ApiKey
    secret: str  # the whole key, shown once and never stored


@transaction.atomic(durable=True)
def create_key(
    *,
    company: Company,
    name: str,
    scopes: list[str],
    expires_on: date | None,
    by: User | None,
    today: date,
    secret: str | None = None,
) -> NewKey:
    """A new key for `company`; "read" comes with every key. `secret`: the demo's published
    key only (`load_demo`, refused in production); otherwise 256 random bits."""
    name = " ".join(name.split())
    problems = []
    if not name:
        problems.append(Problem.of(ApiError.KEY_NAME_REQUIRED, "name"))
    wanted = [s for s in Scope.values if s in scopes]
    if not wanted or set(scopes) - set(Scope.values):
        problems.append(Problem.of(ApiError.KEY_SCOPES_REQUIRED, "scopes"))
    if expires_on is not None and expires_on <= today:
        problems.append(Problem.of(ApiError.KEY_EXPIRY_PAST, "expires_on"))
    if problems:
        raise BusinessError.of(problems)
    if Scope.READ not in wanted:
        wanted.insert(0, Scope.READ)
    if secret is None:
        prefix = secrets.token_hex(4)
        secret = f"{KEY_MARK}_{prefix}_{secrets.token_urlsafe(32)}"
    else:
        prefix = secret.split("_", 2)[1]
    expires_at = timezone.make_aware(datetime.combine(expires_on, time.max)) if expires_on else None
    key = ApiKey.objects.create(
        company=company,
        name=name[:80],
        prefix=prefix,
        secret_hash=_hash(secret),
        scopes=wanted,
        created_by=by,
        expires_at=expires_at,
    )
    audit.record(
        AuditAction.API_KEY_CREATED,
        by=by,
        target=key,
        company_id=company.pk,
        prefix=prefix,
        scopes=wanted,
    )
    return NewKey(key, secret)


@transaction.atomic(durable=True)
def revoke_key(*, key_id: int, company: Company | None, by: User | None) -> ApiKey:
    """Stop a key at once. `company` None: staff, who may revoke any key."""
    keys = ApiKey.objects.select_for_update()
    if company is not None:
        keys = keys.filter(company=company)
    key = keys.get(pk=key_id)
    if key.revoked_at is not None:
        raise BusinessError(ApiError.KEY_ALREADY_REVOKED)
    key.revoked_at = timezone.now()
    key.revoked_by = by
    key.save(update_fields=["revoked_at", "revoked_by"])
    audit.record(
        AuditAction.API_KEY_REVOKED, by=by, target=key, company_id=key.company_id, prefix=key.prefix
    )
    return key


def find_key(presented: str) -> tuple[ApiKey | None, ApiError | None]:
    """The key a caller presents, or why it is refused (unknown, revoked, expired)."""
    parts = presented.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_MARK:
        return None, ApiError.KEY_INVALID
    key = ApiKey.objects.select_related("company").filter(prefix=parts[1]).first()
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(presented.strip())):
        return None, ApiError.KEY_INVALID
    if key.revoked_at is not None:
        return None, ApiError.KEY_REVOKED
    if key.expires_at is not None and timezone.now() >= key.expires_at:
        return None, ApiError.KEY_EXPIRED
    return key, None
