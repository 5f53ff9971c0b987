"""Employee events: pre-enrollment, invitation links, account activation."""

from __future__ import annotations

import secrets
import string
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portal.accounts.models import Role, User, hash_token
from portal.companies.models import Company, InsuredGroup
from portal.core import audit
from portal.core.crypto import digest
from portal.core.errors import BusinessError
from portal.core.postal import find_commune
from portal.enrollment.declarations import EmployeeDeclaration
from portal.enrollment.models import Employee, Invitation, Membership

INVITATION_DAYS = 60  # user guide: the link is personal and valid 60 days


def new_member_number() -> str:
    """A 9-digit member number not used yet."""
    while True:
        number = str(100_000_000 + secrets.randbelow(900_000_000))
        if not Membership.objects.filter(member_number=number).exists():
            return number


def provisional_password() -> str:
    """A random password that meets the policy (lower, upper, digit, special; 12 characters)."""
    alphabet = string.ascii_letters + string.digits
    core = "".join(secrets.choice(alphabet) for _ in range(8))
    return (
        secrets.choice(string.ascii_uppercase)
        + core
        + secrets.choice(string.digits)
        + secrets.choice("-!?*#")
        + secrets.choice(string.ascii_lowercase)
    )


def pre_enroll(
    *, company: Company, declaration: EmployeeDeclaration, group: InsuredGroup, by: User | None
) -> Membership:
    """Create the employee, their login and their membership (covered from the effective date).

    Called inside the declaring transaction, after `validate_declaration` passed.
    """
    d = declaration
    assert d.birth_date and d.hire_date and d.effective_date  # validated
    commune = find_commune(d.postal_code, d.city) if d.postal_code and d.city else None
    user = User.objects.create_user(
        d.email,
        None,
        role=Role.MEMBER,
        first_name=d.first_name,
        last_name=d.last_name,
    )
    employee = Employee(
        company=company,
        civility=d.civility,
        last_name=d.last_name.upper(),
        first_name=d.first_name,
        birth_date=d.birth_date,
        nir=d.nir,
        nir_digest=digest(d.nir) if d.nir else "",
        fund_code=d.fund_code,
        alsace_moselle=bool(d.alsace_moselle),
        street_number=d.street_number,
        street_name=d.street_name,
        staircase_floor=d.staircase_floor,
        building=d.building,
        locality=d.locality,
        postal_code=d.postal_code,
        city=d.city,
        insee_code=commune.insee_code if commune else "",
        country=d.country,
        email=d.email,
        employee_number=d.employee_number,
        hire_date=d.hire_date,
        user=user,
    )
    employee.set_search_names()
    employee.save()
    membership = Membership.objects.create(
        employee=employee,
        contract=group.contract,
        insured_group=group,
        member_number=new_member_number(),
        effective_date=d.effective_date,
    )
    audit.record("employee_pre_enrolled", by=by, target=membership, company_id=company.pk)
    return membership


def issue_invitation(*, membership: Membership, now: datetime) -> Invitation:
    """A new 60-day link; the earlier unused ones stop working."""
    Invitation.objects.filter(membership=membership, used_at__isnull=True, revoked_at=None).update(
        revoked_at=now
    )
    token = secrets.token_urlsafe(32)
    return Invitation.objects.create(
        membership=membership,
        token=token,
        token_hash=hash_token(token),
        sent_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )


def invitation_url(invitation: Invitation) -> str:
    return settings.SITE_URL + reverse("enrollment:activate", args=[invitation.token])


def get_invitation(token: str) -> Invitation:
    """The usable invitation behind `token`, or BusinessError with what to do."""
    invitation = (
        Invitation.objects.select_related("membership__employee__user", "membership__contract")
        .filter(token_hash=hash_token(token))
        .first()
    )
    now = timezone.now()
    if invitation is None or invitation.revoked_at is not None:
        raise BusinessError("invitation_invalid", INVITATION_INVALID)
    if invitation.used_at is not None:
        raise BusinessError("invitation_used", INVITATION_USED)
    if now >= invitation.expires_at:
        raise BusinessError("invitation_expired", INVITATION_EXPIRED)
    return invitation


INVITATION_INVALID = (
    "Ce lien d'affiliation n'est pas valide ou a été remplacé par un lien plus récent. "
    "Utilisez le dernier e-mail reçu, ou demandez à votre employeur de vous renvoyer le lien."
)
INVITATION_USED = (
    "Ce lien a déjà servi à activer votre compte : il ne fonctionne qu'une seule fois. "
    "Connectez-vous avec votre adresse e-mail et le mot de passe que vous avez choisi."
)
INVITATION_EXPIRED = (
    "Ce lien a expiré : il n'était valable que 60 jours. Demandez à votre employeur de vous "
    "renvoyer un lien, ou finalisez votre adhésion avec un bulletin papier disponible auprès "
    "de votre chargé d'affaires."
)


@transaction.atomic
def activate_account(*, token: str, password: str) -> Membership:
    """The employee chose a password from the invitation link; the link then stops working."""
    invitation = Invitation.objects.select_for_update().filter(token_hash=hash_token(token)).first()
    if invitation is None:
        raise BusinessError("invitation_invalid", INVITATION_INVALID)
    invitation = get_invitation(token)  # same checks, with the row now locked
    membership = invitation.membership
    user = membership.employee.user
    assert user is not None
    user.set_password(password)
    user.save(update_fields=["password"])
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    audit.record(
        "account_activated", by=user, target=membership, company_id=membership.contract.company_id
    )
    return membership
