"""A member's own coordinates during the contract's life ("Mes coordonnées"): their postal
address and phone, checked by the declaration's rules, and their e-mail address, changed only
once the new address confirms it (a link sent there, and a notice to the old one)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from portal.accounts.models import LinkPurpose, OneTimeLink, User, hash_token
from portal.accounts.services import check_link, issue_link
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError, Problem
from portal.enrollment.errors import EnrollmentError
from portal.enrollment.journey import check_profile, format_phone, profile_of
from portal.enrollment.models import Employee, Membership
from portal.notifications.rendering import Secret
from portal.notifications.services import send_email

# The declaration's fields an address or phone problem is reported on.
CONTACT_FIELDS = frozenset(
    {
        "street_number",
        "street_name",
        "building",
        "staircase_floor",
        "locality",
        "postal_code",
        "city",
        "insee_code",
        "country",
        "phone",
    }
)


@dataclass(frozen=True)
class Contact:
    """ "Mes coordonnées" as the member types them."""

    street: str
    complement: str
    postal_code: str
    city: str
    country: str
    phone: str


def contact_of(employee: Employee) -> Contact:
    profile = profile_of(employee)
    return Contact(
        street=profile.street,
        complement=profile.complement,
        postal_code=profile.postal_code,
        city=profile.city,
        country=profile.country,
        phone=profile.phone,
    )


def _reference_membership(employee: Employee) -> Membership:
    membership = employee.memberships.select_related("contract").order_by("-pk").first()
    if membership is None:
        raise BusinessError(EnrollmentError.MEMBERSHIP_UNKNOWN)
    return membership


def check_contact(
    employee: Employee, contact: Contact, *, today: date
) -> tuple[list[Problem], list[Problem]]:
    """The address and phone problems (blocking, then corrections made such as a city set to
    its postal code's only commune), with the declaration's rules and messages; the other
    fields of the member's identity are not the page's business."""
    membership = _reference_membership(employee)
    profile = replace(
        profile_of(employee),
        street=contact.street,
        complement=contact.complement,
        postal_code=contact.postal_code,
        city=contact.city,
        country=contact.country,
        phone=contact.phone,
    )
    check = check_profile(membership, profile, today=today)
    return (
        [p for p in check.errors if p.field in CONTACT_FIELDS],
        [p for p in check.warnings if p.field in CONTACT_FIELDS],
    )


@transaction.atomic(durable=True)
def save_contact(*, employee: Employee, contact: Contact, by: User, today: date) -> list[Problem]:
    """ "Enregistrer" the member's new address and phone; refused with every problem found.
    Returns the corrections made (to tell the member)."""
    locked = Employee.objects.select_for_update().select_related("company").get(pk=employee.pk)
    problems, corrections = check_contact(locked, contact, today=today)
    if problems:
        raise BusinessError.of(problems)
    membership = _reference_membership(locked)
    profile = replace(
        profile_of(locked),
        street=contact.street,
        complement=contact.complement,
        postal_code=contact.postal_code,
        city=contact.city,
        country=contact.country,
        phone=contact.phone,
    )
    d = check_profile(membership, profile, today=today).declaration
    changes = {
        "street_number": d.street_number,
        "street_name": d.street_name,
        "building": d.building,
        "postal_code": d.postal_code,
        "city": d.city,
        "insee_code": d.insee_code,
        "country": d.country,
        "phone": format_phone(contact.phone) or "" if contact.phone.strip() else "",
    }
    changed = [name for name, value in changes.items() if getattr(locked, name) != value]
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.save(update_fields=list(changes))
    audit.record(
        AuditAction.CONTACT_DETAILS_SAVED,
        by=by,
        target=locked,
        company_id=locked.company_id,
        changed=changed,
    )
    return corrections


# --- The e-mail address ------------------------------------------------------------------------


def email_change_validity() -> timedelta:
    return timedelta(hours=settings.EMAIL_CHANGE_LINK_HOURS)


def _normalised_email(text: str) -> str:
    email = text.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise BusinessError(EnrollmentError.EMAIL_INVALID, field="email") from None
    return email


def _taken(email: str, user: User) -> bool:
    return User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists()


def email_change_url(token: str) -> str:
    return settings.SITE_URL + reverse("journey:space_email_confirm", args=[token])


@transaction.atomic(durable=True)
def request_email_change(*, employee: Employee, email: str, by: User) -> OneTimeLink:
    """ "Modifier mon e-mail": a confirmation link to the new address (the change waits for
    it), a notice to the current one. The login and the employer's file keep the current
    address until the link is followed."""
    user = employee.user
    if user is None:
        raise BusinessError(EnrollmentError.MEMBERSHIP_UNKNOWN)
    new = _normalised_email(email)
    if new == (user.email or "").lower():
        raise BusinessError(EnrollmentError.EMAIL_UNCHANGED, field="email")
    if _taken(new, user):
        raise BusinessError(EnrollmentError.EMAIL_UNAVAILABLE, field="email")
    token = issue_link(user=user, purpose=LinkPurpose.EMAIL_CHANGE)
    link = OneTimeLink.objects.get(token_hash=hash_token(token))
    link.new_email = new
    link.save(update_fields=["new_email"])
    hours = settings.EMAIL_CHANGE_LINK_HOURS
    send_email(
        to=new,
        template="email_change_confirm",
        context={
            "employee": employee,
            "url": Secret(email_change_url(token), "[lien de confirmation envoyé]"),
            "hours": hours,
        },
    )
    if user.email:
        send_email(
            to=user.email,
            template="email_change_requested",
            context={"employee": employee, "new_email": new, "hours": hours},
        )
    audit.record(
        AuditAction.EMAIL_CHANGE_REQUESTED,
        by=by,
        target=employee,
        company_id=employee.company_id,
    )
    return link


def email_change_link(token: str, *, now: datetime | None = None) -> OneTimeLink:
    """The pending change behind `token`, or BusinessError (invalid, used, expired)."""
    link = (
        OneTimeLink.objects.select_related("user")
        .filter(token_hash=hash_token(token), purpose=LinkPurpose.EMAIL_CHANGE)
        .first()
    )
    return check_link(link, now or timezone.now())


def confirm_email_change(*, token: str, now: datetime | None = None) -> Employee:
    """ "Confirmer ma nouvelle adresse": the login and the member's file take it together."""
    now = now or timezone.now()
    try:
        with transaction.atomic(durable=True):
            link = check_link(
                OneTimeLink.objects.select_for_update()
                .select_related("user")
                .filter(token_hash=hash_token(token), purpose=LinkPurpose.EMAIL_CHANGE)
                .first(),
                now,
            )
            user = User.objects.select_for_update().get(pk=link.user_id)
            employee = Employee.objects.select_for_update().get(user=user)
            if _taken(link.new_email, user):
                raise BusinessError(EnrollmentError.EMAIL_UNAVAILABLE, field="email")
            old = user.email
            user.email = link.new_email
            user.save(update_fields=["email"])
            employee.email = link.new_email
            employee.save(update_fields=["email"])
            link.used_at = now
            link.save(update_fields=["used_at"])
            if old:
                send_email(
                    to=old,
                    template="email_changed",
                    context={"employee": employee, "new_email": link.new_email},
                )
            audit.record(
                AuditAction.EMAIL_CHANGED, by=user, target=employee, company_id=employee.company_id
            )
    except IntegrityError:  # another login took the address between the check and the save
        raise BusinessError(EnrollmentError.EMAIL_UNAVAILABLE, field="email") from None
    return employee
