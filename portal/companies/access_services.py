""" "Mes accès": a company's correspondent gives a colleague, its chartered accountant or its
broker access to the company's space, with chosen rights and an optional last day, and withdraws
it; the insurer's staff see and stop any of them. Every change is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from portal.accounts.models import Role, User
from portal.accounts.services import send_welcome_link
from portal.companies.errors import AccessError
from portal.companies.models import AccessRight, Company, DelegatedAccess, DelegateKind
from portal.companies.queries import rights_of
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError, Problem
from portal.notifications.services import send_email


def require_right(user: User, company: Company, right: AccessRight) -> None:
    """Refuse what `user`'s access to `company` does not allow."""
    if right not in rights_of(user, company):
        raise BusinessError(AccessError.RIGHT_MISSING, right=AccessRight(right).label)


@dataclass(frozen=True)
class Invitation:
    email: str
    first_name: str
    last_name: str
    kind: str
    rights: list[str]
    expires_on: date | None


def _check(invitation: Invitation, own: frozenset[str], today: date) -> list[Problem]:
    problems = []
    try:
        validate_email(invitation.email)
    except ValidationError:
        problems.append(Problem.of(AccessError.INVITEE_EMAIL_INVALID, "email"))
    if not invitation.first_name or not invitation.last_name:
        problems.append(Problem.of(AccessError.NAME_REQUIRED, "last_name"))
    if set(invitation.rights) - own:
        problems.append(Problem.of(AccessError.RIGHTS_BEYOND_OWN, "rights"))
    if invitation.expires_on is not None and invitation.expires_on < today:
        problems.append(Problem.of(AccessError.EXPIRY_PAST, "expires_on"))
    return problems


@transaction.atomic(durable=True)
def grant_access(
    *, companies: list[Company], invitation: Invitation, by: User, today: date
) -> list[DelegatedAccess]:
    """Give the person at `invitation.email` access to each of `companies` (those the inviter
    manages). A new person gets a login and its link to choose a password; someone who has a
    login already (another company's correspondent, an accountant serving several clients)
    keeps it, and is told by e-mail. All or nothing."""
    companies = sorted({c.pk: c for c in companies}.values(), key=lambda c: c.pk)
    Company.objects.select_for_update().filter(pk__in=[c.pk for c in companies]).order_by(
        "pk"
    ).first()  # one grant at a time per company
    own: frozenset[str] = frozenset(AccessRight.values)
    for company in companies:
        require_right(by, company, AccessRight.MANAGE)
        own &= rights_of(by, company)
    email = invitation.email.strip().lower()
    invitation = Invitation(
        email,
        " ".join(invitation.first_name.split()),
        " ".join(invitation.last_name.split()),
        invitation.kind if invitation.kind in DelegateKind.values else DelegateKind.COLLEAGUE,
        [r for r in AccessRight.values if r in invitation.rights],
        invitation.expires_on,
    )
    problems = _check(invitation, own, today)
    if not companies:
        problems.append(Problem.of(AccessError.COMPANIES_REQUIRED, "companies"))
    if problems:
        raise BusinessError.of(problems)
    person = User.objects.filter(email__iexact=email).first()
    if person is not None and person.role != Role.CORRESPONDENT:
        raise BusinessError(AccessError.EMAIL_REFUSED, field="email")
    if person is not None:
        for company in companies:
            if (
                company.correspondents.filter(pk=person.pk).exists()
                or DelegatedAccess.objects.filter(
                    company=company, user=person, revoked_at=None
                ).exists()
            ):
                raise BusinessError(AccessError.ALREADY, field="email", company=company.legal_name)
    created = person is None
    if person is None:
        person = User.objects.create_user(
            email,
            None,
            first_name=invitation.first_name[:150],
            last_name=invitation.last_name[:150],
            role=Role.CORRESPONDENT,
        )
    given = []
    for company in companies:
        access = DelegatedAccess.objects.create(
            company=company,
            user=person,
            kind=invitation.kind,
            rights=invitation.rights,
            expires_on=invitation.expires_on,
            granted_by=by,
        )
        audit.record(
            AuditAction.ACCESS_GRANTED,
            by=by,
            target=access,
            company_id=company.pk,
            person=person.pk,
            kind=access.kind,
            rights=access.rights,
            expires_on=access.expires_on.isoformat() if access.expires_on else None,
            new_login=created,
        )
        given.append(access)
    if created:
        send_welcome_link(user=person, by=by)
    else:
        send_email(
            to=person.email,
            template="access_granted",
            context={"user": person, "accesses": given, "by": by},
        )
    return given


@transaction.atomic(durable=True)
def revoke_access(*, access_id: int, company: Company | None, by: User) -> DelegatedAccess:
    """Withdraw an access at once (its next page is refused). `company` None: the insurer's
    staff, who may stop any access."""
    accesses = DelegatedAccess.objects.select_for_update().select_related("company", "user")
    if company is not None:
        require_right(by, company, AccessRight.MANAGE)
        accesses = accesses.filter(company=company)
    access = accesses.get(pk=access_id)
    if access.revoked_at is not None:
        raise BusinessError(AccessError.ALREADY_REVOKED)
    access.revoked_at = timezone.now()
    access.revoked_by = by
    access.save(update_fields=["revoked_at", "revoked_by"])
    audit.record(
        AuditAction.ACCESS_REVOKED,
        by=by,
        target=access,
        company_id=access.company_id,
        person=access.user_id,
        by_insurer=company is None,
    )
    return access
