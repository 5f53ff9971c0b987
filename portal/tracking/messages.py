"""Content of the messages queued when employees are declared, rendered by the worker."""

from __future__ import annotations

import functools

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from portal.documents.rendering import render_pdf
from portal.enrollment.dossiers import Dossier
from portal.enrollment.models import Invitation, Membership
from portal.enrollment.services import invitation_url, provisional_password
from portal.notifications.rendering import Rendered, Secret, register, render_text


def _brand() -> dict[str, object]:
    return {"brand": settings.PORTAL_BRAND, "site_url": settings.SITE_URL}


def render_invitation(invitation_id: int, template: str = "invitation") -> Rendered:
    """ "Votre nouvelle mutuelle d'entreprise" (or its reminder), with the personal link."""
    invitation = Invitation.objects.select_related(
        "membership__employee", "membership__contract__company"
    ).get(pk=invitation_id)
    membership = invitation.membership
    dossier = Dossier.of(membership)
    url = invitation_url(invitation)
    context = {
        **_brand(),
        "offer_phrase": dossier.offer_phrase,
        "joining_phrase": dossier.joining_phrase,
        "employee": membership.employee,
        "company": membership.contract.company,
        "membership": membership,
        "url": url,
        "days_left": invitation.days_left(timezone.localdate()),
    }
    return Rendered(
        subject=" ".join(render_text(f"emails/{template}_subject.txt", context).split()),
        body_text=render_text(f"emails/{template}_body.txt", context),
        body_html=render_to_string(f"emails/{template}_body.html", context),
        secrets=(Secret(url, "[lien d'invitation envoyé]"),),
    )


def _letter_context(membership_id: int) -> dict[str, object]:
    membership = Membership.objects.select_related("employee__user", "contract__company").get(
        pk=membership_id
    )
    employee = membership.employee
    return {
        **_brand(),
        "employee": employee,
        "company": membership.contract.company,
        "membership": membership,
        "address_lines": employee.letter_address_lines(),
    }


def render_letter_login(membership_id: int) -> Rendered:
    """The first letter: the login identifier and the member number."""
    context = _letter_context(membership_id)
    user = context["employee"].user  # type: ignore[attr-defined]
    context["identifier"] = user.identifier
    return Rendered(
        subject="Votre identifiant",
        body_text=render_text("letters/login.txt", context),
        attachment=(
            "identifiant.pdf",
            render_pdf("letters/login.html", context, title="Votre identifiant"),
        ),
    )


def render_letter_password(membership_id: int) -> Rendered:
    """The second letter: a provisional password, set on the account when it is printed."""
    context = _letter_context(membership_id)
    user = context["employee"].user  # type: ignore[attr-defined]
    password = provisional_password()
    user.set_password(password)
    user.password_change_required = True  # the letter says they will choose their own
    user.save(update_fields=["password", "password_change_required"])
    context["password"] = password
    return Rendered(
        subject="Votre mot de passe provisoire",
        body_text=render_text("letters/password.txt", context),
        attachment=(
            "mot-de-passe.pdf",
            render_pdf("letters/password.html", context, title="Votre mot de passe provisoire"),
        ),
        # The PDF carries the password: it is kept sealed until posted, then gone.
        secrets=(Secret(password, "[mot de passe provisoire envoyé]"),),
    )


def register_renderers() -> None:
    register("invitation", render_invitation)
    register(
        "invitation_reminder", functools.partial(render_invitation, template="invitation_reminder")
    )
    register(
        "invitation_after_waiver",
        functools.partial(render_invitation, template="invitation_after_waiver"),
    )
    register("letter_login", render_letter_login)
    register("letter_password", render_letter_password)
