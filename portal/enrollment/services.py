"""Employee events: pre-enrollment, invitation links, account activation."""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from stdnum import luhn

from portal.accounts.models import Role, User, hash_token, new_identifier
from portal.companies.models import Company, InsuredGroup
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.bulk import insert_rows, present_values, reserve_ids
from portal.core.crypto import digest
from portal.core.errors import BusinessError
from portal.core.transactions import within_business_event
from portal.enrollment import transitions
from portal.enrollment.declarations import (
    DatabaseLookups,
    EmployeeDeclaration,
    validate_declaration,
)
from portal.enrollment.effects import MembershipChange, membership_changed
from portal.enrollment.errors import EnrollmentError
from portal.enrollment.models import (
    Dependant,
    Employee,
    Invitation,
    Membership,
    MembershipStatus,
    search_key,
)

INVITATION_DAYS = 60  # user guide: the link is personal and valid 60 days


class PrefilledDependant(NamedTuple):
    """A dependant as another door (the DSN's S21.G00.73) gives it: only what it knows; the
    employee completes and corrects it in "Mes bénéficiaires" before signing."""

    kind: str  # a DependantKind value
    last_name: str
    first_name: str
    birth_date: date
    nir: str = ""  # 15 characters when known


@within_business_event
def prefill_dependants(
    *, membership: Membership, dependants: list[PrefilledDependant], by: User | None
) -> list[int]:
    """Add the given dependants to a pre-enrolled health membership (its "Mes bénéficiaires"
    shows them). One step of the declaring event; returns the ids created."""
    if not dependants or not membership.contract.is_health:
        return []
    if membership.status != MembershipStatus.PRE_ENROLLED:
        return []
    created = []
    for given in dependants:
        civility = {"1": "M", "2": "MME"}.get(given.nir[:1], "")
        dependant = Dependant.objects.create(
            membership=membership,
            kind=given.kind,
            civility=civility,
            last_name=" ".join(given.last_name.split()).upper(),
            first_name=" ".join(given.first_name.split()),
            birth_date=given.birth_date,
            nir=given.nir,
        )
        created.append(dependant.pk)
        audit.record(
            AuditAction.DEPENDANT_SAVED,
            by=by,
            target=membership,
            company_id=membership.contract.company_id,
            dependant=dependant.pk,
            kind=dependant.kind,
            new=True,
            prefilled=True,
        )
    return created


def _unique_codes(model: type[Any], field: str, count: int, make: Callable[[], str]) -> list[str]:
    """`count` new random codes not used yet in `model.field` nor among themselves."""
    codes: set[str] = set()
    while len(codes) < count:
        candidates = {make() for _ in range(count - len(codes))} - codes
        taken = present_values(model, field, candidates)
        codes |= candidates - taken
    return list(codes)


def member_number(membership_id: int) -> str:
    """ "N° adhérent": the membership's id on 8 digits or more, then a Luhn check digit that
    catches a mistyped digit or two swapped ones (phone, letters)."""
    number = f"{membership_id:08d}"
    return number + luhn.calc_check_digit(number)


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


# The employee columns `pre_enroll` writes, in the order of `_employee_row`.
EMPLOYEE_COLUMNS = (
    "company_id",
    "user_id",
    "civility",
    "last_name",
    "first_name",
    "birth_date",
    "nir",
    "nir_digest",
    "fund_code",
    "alsace_moselle",
    "street_number",
    "street_name",
    "staircase_floor",
    "building",
    "locality",
    "postal_code",
    "city",
    "insee_code",
    "country",
    "email",
    "employee_number",
    "hire_date",
    "created_at",
    "search_name",
    "search_name_reversed",
    "declared_identity",
)

# The identity the employer declares, kept as declared in `Employee.declared_identity`.
DECLARED_FIELDS = (
    "civility",
    "last_name",
    "first_name",
    "birth_date",
    "fund_code",
    "alsace_moselle",
    "street_number",
    "street_name",
    "building",
    "postal_code",
    "city",
    "country",
    "email",
)


def declared_identity(d: EmployeeDeclaration, nir_digest: str) -> dict[str, Any]:
    """The declaration as `Employee.declared_identity` keeps it: JSON values, the NIR's
    digest and never the NIR itself."""
    values: dict[str, Any] = {name: getattr(d, name) for name in DECLARED_FIELDS}
    values["last_name"] = d.last_name.upper()
    values["alsace_moselle"] = bool(d.alsace_moselle)
    values["birth_date"] = d.birth_date.isoformat() if d.birth_date else None
    values["nir_digest"] = nir_digest
    return values


class PreEnrolled(NamedTuple):
    """A new pre-enrollment, as `pre_enroll` wrote it (no model instance: files are large).

    `membership_id` is the dossier's lead membership (health when joined): it carries the
    affiliation request and the invitation for every contract the employee joins."""

    employee_id: int
    membership_id: int
    employee: tuple[Any, ...]  # the EMPLOYEE_COLUMNS values

    def employee_instance(self) -> Employee:
        """The employee as a model instance (e.g. to address a letter), without a query."""
        values = dict(zip(EMPLOYEE_COLUMNS, self.employee, strict=True))
        return Employee(pk=self.employee_id, **values)

    def column(self, name: str) -> Any:
        return self.employee[EMPLOYEE_INDEX[name]]


EMPLOYEE_INDEX = {name: i for i, name in enumerate(EMPLOYEE_COLUMNS)}


def _employee_row(
    d: EmployeeDeclaration, company: Company, user_id: int, now: datetime
) -> tuple[Any, ...]:
    last_name = d.last_name.upper()
    last, first = search_key(last_name), search_key(d.first_name)
    nir_digest = digest(d.nir) if d.nir else ""
    return (
        company.pk,
        user_id,
        d.civility,
        last_name,
        d.first_name,
        d.birth_date,
        d.nir,
        nir_digest,
        d.fund_code,
        bool(d.alsace_moselle),
        d.street_number,
        d.street_name,
        d.staircase_floor,
        d.building,
        d.locality,
        d.postal_code,
        d.city,
        d.insee_code,
        d.country,
        d.email,
        d.employee_number,
        d.hire_date,
        now,
        f"{last} {first}",
        f"{first} {last}",
        declared_identity(d, nir_digest),
    )


def _login_email(email: str, held: set[str]) -> str:
    return "" if email.lower() in held else email


def pre_enroll(
    *,
    company: Company,
    declarations: list[EmployeeDeclaration],
    groups: dict[int, InsuredGroup],
    by: User | None,
    now: datetime,
) -> list[PreEnrolled]:
    """Create the employees, their logins and their memberships, in bulk (same order).

    Each employee joins each declared insured group's contract (one membership each) from the
    effective date. Called inside the declaring
    transaction, after `validate_declaration` passed for every declaration.
    """
    count = len(declarations)
    identifiers = _unique_codes(User, "identifier", count, new_identifier)
    unusable = make_password(None)  # no password until the employee chooses one
    # An e-mail that is already another login's (elsewhere: the employer is never told) stays
    # the employee's, for the invitation, but the new login goes without it: the employee
    # signs in with the identifier.
    held = present_values(User, "email", [d.email for d in declarations], case_insensitive=True)
    user_ids = insert_rows(
        User,
        ["identifier", "email", "role", "first_name", "last_name", "password", "date_joined"],
        [
            (
                identifier,
                _login_email(d.email, held),
                Role.MEMBER,
                d.first_name,
                d.last_name,
                unusable,
                now,
            )
            for d, identifier in zip(declarations, identifiers, strict=True)
        ],
        ids=True,
    )
    employees = [
        _employee_row(d, company, user_id, now)
        for d, user_id in zip(declarations, user_ids, strict=True)
    ]
    employee_ids = insert_rows(Employee, EMPLOYEE_COLUMNS, employees, ids=True)
    # One membership per contract joined; the first (health when joined) leads the dossier.
    membership_ids = reserve_ids(Membership, sum(len(d.insured_group_ids) for d in declarations))
    rows, leads, next_id = [], [], iter(membership_ids)
    for d, employee_id in zip(declarations, employee_ids, strict=True):
        for position, group_id in enumerate(d.insured_group_ids):
            membership_id = next(next_id)
            if position == 0:
                leads.append(membership_id)
            group = groups[group_id]
            rows.append(
                (
                    membership_id,
                    employee_id,
                    group.contract_id,
                    group_id,
                    member_number(membership_id),
                    d.effective_date,
                    now,
                )
            )
    insert_rows(
        Membership,
        [
            "id",
            "employee_id",
            "contract_id",
            "insured_group_id",
            "member_number",
            "effective_date",
            "status_changed_at",
        ],
        rows,
    )
    audit.record(
        AuditAction.EMPLOYEES_PRE_ENROLLED, by=by, company_id=company.pk, memberships=membership_ids
    )
    return [PreEnrolled(*values) for values in zip(employee_ids, leads, employees, strict=True)]


def add_memberships(
    *,
    employee: Employee,
    groups: list[InsuredGroup],
    effective_date: date,
    by: User | None,
    now: datetime,
) -> list[int]:
    """An employee already declared joins more contracts (after `validate_joining`): one
    membership "En attente d'adhésion" per group, in the groups' order (health first); their
    ids. Called inside the declaring transaction."""
    assert transaction.get_connection().in_atomic_block, "add_memberships runs in a transaction"
    ids = reserve_ids(Membership, len(groups))
    insert_rows(
        Membership,
        [
            "id",
            "employee_id",
            "contract_id",
            "insured_group_id",
            "member_number",
            "effective_date",
            "status_changed_at",
        ],
        [
            (pk, employee.pk, g.contract_id, g.pk, member_number(pk), effective_date, now)
            for pk, g in zip(ids, groups, strict=True)
        ],
    )
    audit.record(
        AuditAction.EMPLOYEES_PRE_ENROLLED, by=by, company_id=employee.company_id, memberships=ids
    )
    return ids


def invitation_expiry(sent_at: datetime) -> datetime:
    """60 days later at the same Paris wall-clock time: across a change to or from summer time
    the link still expires on the 60th local day ("Il expire dans 60 jours")."""
    return timezone.localtime(sent_at) + timedelta(days=INVITATION_DAYS)


def issue_invitations(*, membership_ids: list[int], now: datetime) -> list[int]:
    """A 60-day link for each new membership (bulk); the invitations' ids, same order."""
    expires_at = invitation_expiry(now)
    rows = []
    for membership_id in membership_ids:
        token = secrets.token_urlsafe(32)
        rows.append((membership_id, token, hash_token(token), now, expires_at))
    return insert_rows(
        Invitation,
        ["membership_id", "token", "token_hash", "sent_at", "expires_at"],
        rows,
        ids=True,
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
        expires_at=invitation_expiry(now),
    )


def invitation_url(invitation: Invitation) -> str:
    return settings.SITE_URL + reverse("journey:activate", args=[invitation.token])


def get_invitation(token: str) -> Invitation:
    """The usable invitation behind `token`, or BusinessError with what to do."""
    invitation = (
        Invitation.objects.select_related("membership__employee__user", "membership__contract")
        .filter(token_hash=hash_token(token))
        .first()
    )
    now = timezone.now()
    if invitation is None or invitation.revoked_at is not None:
        raise BusinessError(EnrollmentError.INVITATION_INVALID)
    if invitation.used_at is not None:
        raise BusinessError(EnrollmentError.INVITATION_USED)
    if now >= invitation.expires_at:
        raise BusinessError(EnrollmentError.INVITATION_EXPIRED)
    return invitation


@transaction.atomic(durable=True)
def activate_account(*, token: str, password: str) -> Membership:
    """The employee chose a password from the invitation link; the link then stops working."""
    invitation = Invitation.objects.select_for_update().filter(token_hash=hash_token(token)).first()
    if invitation is None:
        raise BusinessError(EnrollmentError.INVITATION_INVALID)
    invitation = get_invitation(token)  # same checks, with the row now locked
    membership = invitation.membership
    user = membership.employee.user
    assert user is not None
    user.set_password(password)
    user.save(update_fields=["password"])
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    audit.record(
        AuditAction.ACCOUNT_ACTIVATED,
        by=user,
        target=membership,
        company_id=membership.contract.company_id,
    )
    return membership


# --- The owner of `Membership.status`: nothing else moves a membership. ---

MEMBERSHIP_FIELDS = frozenset({"signed_at", "journey_step", "end_date", "effective_date"})


def move_membership(
    membership_id: int,
    to_status: str,
    *,
    by: User | None,
    now: datetime | None = None,
    cover_until: date | None = None,
    **changes: Any,
) -> Membership:
    """Move one membership to `to_status` if the transition table allows it from its current
    (locked) status, with the fields that change with it (`signed_at`, `journey_step`,
    `end_date`, `effective_date` — a waiver's end sets when the cover starts): sets
    `status_changed_at`, writes the audit event, tells the listeners when it enters or leaves
    "active" (`cover_until`: see `membership_changed`).
    Returns the locked row."""
    assert transaction.get_connection().in_atomic_block, "move_membership runs in a transaction"
    unknown = set(changes) - MEMBERSHIP_FIELDS
    assert not unknown, f"move_membership does not change {sorted(unknown)}"
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("employee", "contract")
        .get(pk=membership_id)
    )
    from_status = membership.status
    if not transitions.can_move(from_status, to_status):
        raise BusinessError(
            EnrollmentError.MEMBERSHIP_MOVE_REFUSED,
            current=MembershipStatus(from_status).label,
            wanted=MembershipStatus(to_status).label,
        )
    now = now or timezone.now()
    membership.status = to_status
    membership.status_changed_at = now
    for field, value in changes.items():
        setattr(membership, field, value)
    membership.save(update_fields=["status", "status_changed_at", *changes])
    audit.record(
        AuditAction.MEMBERSHIP_MOVED,
        by=by,
        target=membership,
        company_id=membership.contract.company_id,
        from_status=from_status,
        to_status=to_status,
    )
    # Only "active" (put en gestion) changes what the member holds: entering it (from signed, or
    # a termination undone) or leaving it (terminated).
    if MembershipStatus.ACTIVE in (from_status, to_status):
        membership_changed(membership.pk, MembershipChange.STATUS, cover_until=cover_until)
    return membership


def change_cover_end(membership_id: int, *, cover_until: date, by: User | None) -> Membership:
    """A terminated membership whose cover runs past its end date (portability) ends it
    earlier or later: the listeners (the card) follow. The status does not change."""
    assert transaction.get_connection().in_atomic_block, "change_cover_end runs in a transaction"
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("contract")
        .get(pk=membership_id)
    )
    if membership.status != MembershipStatus.TERMINATED:
        raise BusinessError(
            EnrollmentError.MEMBERSHIP_MOVE_REFUSED,
            current=MembershipStatus(membership.status).label,
            wanted=MembershipStatus.TERMINATED.label,
        )
    audit.record(
        AuditAction.MEMBERSHIP_COVER_END_CHANGED,
        by=by,
        target=membership,
        company_id=membership.contract.company_id,
        cover_until=cover_until.isoformat(),
    )
    membership_changed(membership.pk, MembershipChange.STATUS, cover_until=cover_until)
    return membership


def others_to_enroll(membership: Membership) -> bool:
    """The employee still has another contract of their dossier to enroll in (e.g. the
    provident contract when the health one is waived or terminated)."""
    return (
        Membership.objects.filter(
            employee_id=membership.employee_id, status=MembershipStatus.PRE_ENROLLED
        )
        .exclude(pk=membership.pk)
        .exists()
    )


def revoke_invitations(*, membership_id: int, now: datetime) -> list[int]:
    """The membership's unused links stop working; the ids of those revoked (to reinstate)."""
    ids = list(
        Invitation.objects.filter(
            membership_id=membership_id, used_at=None, revoked_at=None
        ).values_list("pk", flat=True)
    )
    Invitation.objects.filter(pk__in=ids).update(revoked_at=now)
    return ids


def reinstate_invitations(*, invitation_ids: list[int]) -> None:
    """Links revoked by an event that is undone work again (unless used, or expired: then
    the employer's "Relancer" sends a fresh one, as for any expired link)."""
    Invitation.objects.filter(pk__in=invitation_ids, used_at=None).update(revoked_at=None)


# --- Staff corrections ---------------------------------------------------------------------------

# What staff may correct about an employee: identity, address and contact (the declaration's
# own names). Hire date, memberships and statuses move through their own services.
CORRECTABLE_FIELDS = (
    "civility",
    "last_name",
    "first_name",
    "birth_date",
    "nir",
    "fund_code",
    "alsace_moselle",
    "street_number",
    "street_name",
    "staircase_floor",
    "building",
    "locality",
    "postal_code",
    "city",
    "country",
    "email",
    "employee_number",
)


def _declaration_of(employee: Employee, membership: Membership) -> EmployeeDeclaration:
    values = {name: getattr(employee, name) for name in CORRECTABLE_FIELDS}
    return EmployeeDeclaration(
        **values,
        hire_date=employee.hire_date,
        effective_date=membership.effective_date,
        insured_group_ids=list(
            employee.memberships.order_by("pk").values_list("insured_group_id", flat=True)
        ),
    )


@transaction.atomic
def correct_employee(
    employee_id: int,
    changes: Mapping[str, Any],
    *,
    by: User,
    reason: str,
    today: date,
) -> list[str]:
    """Staff correct an employee's identity, address or contact; the changed fields' names.

    The corrected employee goes through the one validation path (not a duplicate of
    themselves); the NIR's digest and the search names (the employee's and their requests')
    are recomputed, and the audit event names the changed fields, never the NIR's value.
    Raises `BusinessError` with every problem at once.
    """
    unknown = set(changes) - set(CORRECTABLE_FIELDS)
    if unknown:
        raise ValueError(f"not correctable here: {sorted(unknown)}")
    if not reason.strip():
        raise BusinessError(EnrollmentError.EMPLOYEE_CORRECTION_REASON_REQUIRED, field="reason")
    employee = (
        Employee.objects.select_for_update(of=("self",))
        .select_related("company", "user")
        .get(pk=employee_id)
    )
    membership = employee.memberships.order_by("-effective_date", "-pk").first()
    assert membership is not None  # an employee is declared with a membership
    declaration = _declaration_of(employee, membership)
    for name, value in changes.items():
        setattr(declaration, name, value)
    result = validate_declaration(
        declaration,
        company=employee.company,
        today=today,
        lookups=DatabaseLookups(employee.company, employee=employee),
    )
    if not result.ok:
        raise BusinessError.of(result.errors)
    d = declaration
    new_values: dict[str, Any] = {name: getattr(d, name) for name in CORRECTABLE_FIELDS}
    new_values["last_name"] = d.last_name.upper()
    new_values["alsace_moselle"] = bool(d.alsace_moselle)
    changed = [name for name, value in new_values.items() if getattr(employee, name) != value]
    if not changed:
        return []
    for name, value in new_values.items():
        setattr(employee, name, value)
    employee.insee_code = d.insee_code
    employee.nir_digest = digest(d.nir) if d.nir else ""
    employee.set_search_names()
    employee.save(
        update_fields=[
            *CORRECTABLE_FIELDS,
            "insee_code",
            "nir_digest",
            "search_name",
            "search_name_reversed",
        ]
    )
    employee.requests.update(
        search_name=employee.search_name, search_name_reversed=employee.search_name_reversed
    )
    user = employee.user
    login_fields = [name for name in ("email", "first_name", "last_name") if name in changed]
    if user is not None and login_fields:
        # The login carries the same e-mail and name (see `pre_enroll`).
        # As at the declaration: an address another login has stays the employee's only.
        elsewhere = User.objects.filter(email__iexact=employee.email).exclude(pk=user.pk)
        user.email = "" if employee.email and elsewhere.exists() else employee.email
        user.first_name, user.last_name = d.first_name, d.last_name
        user.save(update_fields=login_fields)
    audit.record(
        AuditAction.EMPLOYEE_CORRECTED,
        by=by,
        target=employee,
        company_id=employee.company_id,
        changed=changed,
        reason=reason.strip(),
    )
    return changed
