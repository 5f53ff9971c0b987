"""The portability certificate, and the message that brings it to the former employee."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string

from portal.documents.rendering import render_pdf
from portal.notifications.rendering import Rendered, register, render_text
from portal.terminations.models import Termination
from portal.terminations.rules import portability_start


def _context(termination: Termination) -> dict[str, object]:
    membership = termination.membership
    employee = membership.employee
    return {
        "brand": settings.PORTAL_BRAND,
        "site_url": settings.SITE_URL,
        "termination": termination,
        "membership": membership,
        "employee": employee,
        "company": membership.contract.company,
        "portability_start": portability_start(contract_end=termination.termination_date),
        "dependants": list(membership.dependants.values_list("kind", flat=True)),
        "address_lines": employee.letter_address_lines(),
    }


def _termination(termination_id: int) -> Termination:
    return Termination.objects.select_related(
        "membership__employee", "membership__contract__company"
    ).get(pk=termination_id)


def portability_certificate(termination: Termination) -> bytes:
    """ "Attestation de portabilité": the guarantees kept, from when, until when."""
    return render_pdf(
        "terminations/portability_certificate.html",
        _context(termination),
        title="Attestation de portabilité",
    )


def render_portability_email(termination_id: int) -> Rendered:
    termination = _termination(termination_id)
    context = _context(termination)
    return Rendered(
        subject=" ".join(render_text("emails/portability_subject.txt", context).split()),
        body_text=render_text("emails/portability_body.txt", context),
        body_html=render_to_string("emails/portability_body.html", context),
        attachment=("attestation-portabilite.pdf", portability_certificate(termination)),
    )


def render_portability_letter(termination_id: int) -> Rendered:
    """Without e-mail: a letter (the certificate, addressed) in the letter outbox."""
    termination = _termination(termination_id)
    context = {**_context(termination), "letter": True}
    pdf = render_pdf(
        "terminations/portability_certificate.html", context, title="Attestation de portabilité"
    )
    return Rendered(
        subject="Maintien de vos garanties (portabilité)",
        body_text="Courrier : attestation de portabilité des garanties.",
        attachment=("courrier-portabilite.pdf", pdf),
    )


def register_renderers() -> None:
    register("portability", render_portability_email)
    register("portability_letter", render_portability_letter)
