"""Content of the waivers' letters, rendered by the worker when they are posted."""

from __future__ import annotations

from django.conf import settings

from portal.documents.rendering import render_pdf
from portal.notifications.rendering import Rendered, register, render_text
from portal.waivers import rules
from portal.waivers.models import Waiver


def render_letter_waiver_ending(waiver_id: int) -> Rendered:
    """The notice of a waiver's end, posted to an employee without e-mail."""
    waiver = Waiver.objects.select_related("employee", "membership__contract__company").get(
        pk=waiver_id
    )
    assert waiver.membership is not None and waiver.end_date is not None
    employee = waiver.employee
    context = {
        "brand": settings.PORTAL_BRAND,
        "site_url": settings.SITE_URL,
        "employee": employee,
        "company": waiver.membership.contract.company,
        "contract": waiver.membership.contract,
        "membership": waiver.membership,
        "waiver": waiver,
        "case": rules.get_case(waiver.case_code),
        "affiliation_from": rules.affiliation_due(waiver.end_date),
        "address_lines": employee.letter_address_lines(),
    }
    return Rendered(
        subject="La fin de votre dispense d'adhésion",
        body_text=render_text("letters/waiver_ending.txt", context),
        attachment=(
            "fin-de-dispense.pdf",
            render_pdf(
                "letters/waiver_ending.html", context, title="La fin de votre dispense d'adhésion"
            ),
        ),
    )


def register_renderers() -> None:
    register("letter_waiver_ending", render_letter_waiver_ending)
