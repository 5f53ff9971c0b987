"""Employee events: pre-enrollment, invitation links, account activation."""

from __future__ import annotations

import functools
import secrets
import string
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portal.accounts.models import Role, User, hash_token, new_identifier
from portal.companies.models import Company, InsuredGroup
from portal.core import audit
from portal.core.addresses import commune_key
from portal.core.bulk import insert_many
from portal.core.crypto import digest
from portal.core.errors import BusinessError
from portal.core.models import PostalCode
from portal.enrollment.declarations import EmployeeDeclaration
from portal.enrollment.models import Employee, Invitation, Membership

INVITATION_DAYS = 60  # user guide: the link is personal and valid 60 days


def _unique_codes(model: type[Any], field: str, count: int, make: Callable[[], str]) -> list[str]:
    """`count` new random codes not used yet in `model.field` nor among themselves."""
    codes: set[str] = set()
    while len(codes) < count:
        candidates = {make() for _ in range(count - len(codes))} - codes
        taken = set(
            model.objects.filter(**{f"{field}__in": candidates}).values_list(field, flat=True)
        )
        codes |= candidates - taken
    return list(codes)


def _member_number() -> str:
    return str(100_000_000 + secrets.randbelow(900_000_000))


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
    *,
    company: Company,
    declarations: list[EmployeeDeclaration],
    groups: dict[int, InsuredGroup],
    by: User | None,
    now: datetime,
) -> list[Membership]:
    """Create the employees, their logins and their memberships, in bulk (same order).

    Each employee is covered from the effective date. Called inside the declaring
    transaction, after `validate_declaration` passed for every declaration.
    """
    identifiers = _unique_codes(User, "identifier", len(declarations), new_identifier)
    unusable = make_password(None)  # no password until the employee chooses one
    users = insert_many(
        [
            User(
                identifier=identifier,
                email=d.email,
                role=Role.MEMBER,
                first_name=d.first_name,
                last_name=d.last_name,
                password=unusable,
                date_joined=now,
            )
            for d, identifier in zip(declarations, identifiers, strict=True)
        ]
    )
    employees = []
    for d, user in zip(declarations, users, strict=True):
        assert d.birth_date and d.hire_date  # validated
        commune = find_commune_in(d)
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
            insee_code=commune,
            country=d.country,
            email=d.email,
            employee_number=d.employee_number,
            hire_date=d.hire_date,
            user=user,
            created_at=now,
        )
        employee.set_search_names()
        employees.append(employee)
    employees = insert_many(employees)
    numbers = _unique_codes(Membership, "member_number", len(declarations), _member_number)
    memberships = insert_many(
        [
            Membership(  # type: ignore[misc]  # the dates and group were validated
                employee=employee,
                contract=groups[d.insured_group_id].contract,  # type: ignore[index]
                insured_group=groups[d.insured_group_id],  # type: ignore[index]
                member_number=number,
                effective_date=d.effective_date,
                status_changed_at=now,
            )
            for d, employee, number in zip(declarations, employees, numbers, strict=True)
        ]
    )
    audit.record(
        "employees_pre_enrolled",
        by=by,
        company_id=company.pk,
        memberships=[m.pk for m in memberships],
    )
    return memberships


def find_commune_in(d: EmployeeDeclaration) -> str:
    """The INSEE code of the declared commune ("" when unknown or abroad)."""
    if not (d.postal_code and d.city) or d.country != "FRANCE":
        return ""
    commune = _communes_cache().get((d.postal_code, commune_key(d.city)))
    return commune or ""


@functools.cache
def _communes_cache() -> dict[tuple[str, str], str]:
    """(postal code, commune key) → INSEE code, for the whole shipped list (read once)."""
    table: dict[tuple[str, str], str] = {}
    for postal_code, insee, name, label in PostalCode.objects.values_list(
        "postal_code", "insee_code", "commune", "routing_label"
    ).iterator(chunk_size=5000):
        table.setdefault((postal_code, commune_key(label)), insee)
        table.setdefault((postal_code, commune_key(name)), insee)
    return table


def issue_invitations(*, memberships: list[Membership], now: datetime) -> list[Invitation]:
    """A 60-day link for each new membership (bulk)."""
    tokens = [secrets.token_urlsafe(32) for _ in memberships]
    return insert_many(
        [
            Invitation(
                membership=membership,
                token=token,
                token_hash=hash_token(token),
                sent_at=now,
                expires_at=now + timedelta(days=INVITATION_DAYS),
            )
            for membership, token in zip(memberships, tokens, strict=True)
        ]
    )


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
