"""Demo data of the member requests (the lead's `load_demo` calls `load_member_requests_demo`
once the demo employees exist): at BOULANGERIES MARTIN SAS, Monique PUYOT's pending "Ajout de
bénéficiaire" (her newborn son Léo, with a small valid PDF birth certificate), and Julien FABRE's
accepted "Radiation de bénéficiaire" (his spouse, after a divorce)."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone
from fpdf import FPDF

from portal.accounts.models import User
from portal.enrollment.choices import DependantKind
from portal.enrollment.models import Membership, MembershipStatus
from portal.enrollment.rules import DependantFacts
from portal.member_requests import services
from portal.member_requests.models import MemberRequest

DEMO_COMPANY = "BOULANGERIES MARTIN SAS"


def _pdf(text: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


def _health_membership(last_name: str) -> Membership | None:
    return (
        Membership.objects.filter(
            employee__company__legal_name=DEMO_COMPANY,
            employee__last_name__iexact=last_name,
            contract__kind="health",
            status=MembershipStatus.ACTIVE,
        )
        .select_related("employee")
        .first()
    )


def load_member_requests_demo(*, staff: User, today: date | None = None) -> None:
    """Idempotent: a member who already has requests is left as they are."""
    today = today or timezone.localdate()
    puyot = _health_membership("Puyot")
    if puyot is not None and not MemberRequest.objects.filter(employee=puyot.employee).exists():
        born = today - timedelta(days=5)
        services.request_addition(
            membership=puyot,
            life_event="birth",
            event_date=born,
            facts=DependantFacts(
                kind=DependantKind.CHILD,
                civility="M",
                last_name=puyot.employee.last_name,
                first_name="Léo",
                birth_date=born,
                twin_rank=1,
            ),
            proof=services.Proof("acte-de-naissance.pdf", _pdf("Acte de naissance (demo)")),
            by=puyot.employee.user,
            today=today,
        )
    fabre = _health_membership("Fabre")
    if fabre is None or MemberRequest.objects.filter(employee=fabre.employee).exists():
        return
    spouse = fabre.dependants.filter(kind=DependantKind.SPOUSE, cover_end=None).first()
    if spouse is None:
        return
    removal = services.request_removal(
        dependant=spouse,
        life_event="divorce",
        event_date=today - timedelta(days=10),
        proof=services.Proof("jugement-de-divorce.pdf", _pdf("Jugement de divorce (demo)")),
        by=fabre.employee.user,
        today=today,
    )
    services.accept_request(request_id=removal.pk, by=staff, today=today)
