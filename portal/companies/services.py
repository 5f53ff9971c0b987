"""Company set-up events done by the insurer's staff."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from portal.accounts.models import Role, User
from portal.accounts.services import send_welcome_link
from portal.companies.models import Company
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError

EMAIL_TAKEN = (
    "Cette adresse e-mail a déjà un identifiant : ajoutez-lui des entreprises "
    "au lieu d'en créer un second (1 e-mail = 1 identifiant)."
)


@transaction.atomic
def create_correspondent(
    *, email: str, first_name: str, last_name: str, companies: Iterable[Company], by: User
) -> User:
    """Create an HR correspondent login for one or several companies and e-mail its link."""
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise BusinessError("email_taken", EMAIL_TAKEN, field="email")
    user = User.objects.create_user(
        email, None, first_name=first_name, last_name=last_name, role=Role.CORRESPONDENT
    )
    companies = list(companies)
    user.companies.set(companies)
    audit.record(
        AuditAction.CORRESPONDENT_CREATED, by=by, target=user, companies=[c.pk for c in companies]
    )
    send_welcome_link(user=user, by=by)
    return user


@transaction.atomic
def set_correspondent_companies(*, user: User, companies: Iterable[Company], by: User) -> None:
    """Change which companies a correspondent manages."""
    companies = list(companies)
    before = set(user.companies.values_list("pk", flat=True))
    user.companies.set(companies)
    after = {c.pk for c in companies}
    if before != after:
        audit.record(
            AuditAction.CORRESPONDENT_COMPANIES_CHANGED,
            by=by,
            target=user,
            added=sorted(after - before),
            removed=sorted(before - after),
        )
