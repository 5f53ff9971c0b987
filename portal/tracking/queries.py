"""Reading requests and employees of a company, with the filters of the employer's lists."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from portal.companies.models import Company
from portal.enrollment.models import (
    Employee,
    Invitation,
    Membership,
    MembershipStatus,
    search_key,
)
from portal.tracking.models import Request

PAGE_SIZE = 20


def name_matches(text: str) -> Q:
    """ "Nom Prénom", "Prénom Nom" or the start of either, on indexed prefix columns."""
    key = search_key(text)
    return Q(search_name__startswith=key) | Q(search_name_reversed__startswith=key)


def requests_of(
    company: Company, *, state: str = "", reason: str = "", name: str = ""
) -> QuerySet[Request]:
    """The company's requests, newest first, filtered as "Mes demandes" asks."""
    requests = Request.objects.filter(company=company)
    if state:
        requests = requests.filter(state=state)
    if reason:
        requests = requests.filter(reason=reason)
    if name:
        requests = requests.filter(name_matches(name))
    return (
        requests.select_related("employee", "membership")
        .prefetch_related(
            Prefetch(
                "membership__invitations",
                queryset=Invitation.objects.filter(used_at=None, revoked_at=None),
                to_attr="open_invitations",
            )
        )
        .order_by("-created_at", "-id")
    )


def get_request_for_company(company: Company, request_id: int) -> Request:
    request = (
        Request.objects.filter(company=company, pk=request_id).select_related("employee").first()
    )
    if request is None:
        raise Http404("Demande introuvable.")
    return request


def employees_of(
    company: Company, *, status: str = "", group: str = "", name: str = ""
) -> QuerySet[Employee]:
    """The company's employees by name, filtered as "Mes collaborateurs" asks."""
    employees = Employee.objects.filter(company=company)
    memberships = Membership.objects.filter(employee=OuterRef("pk"))
    if status:
        employees = employees.filter(Exists(memberships.filter(status=status)))
    if group:
        employees = employees.filter(Exists(memberships.filter(insured_group__code=group)))
    if name:
        employees = employees.filter(name_matches(name))
    return employees.prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.select_related("insured_group", "contract").order_by(
                "-effective_date", "-id"
            ),
        )
    ).order_by("last_name", "first_name", "id")


def get_employee_for_company(company: Company, employee_id: int) -> Employee:
    employee = Employee.objects.filter(company=company, pk=employee_id).first()
    if employee is None:
        raise Http404("Salarié introuvable.")
    return employee


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    label: str


def timeline(request: Request) -> list[TimelineEntry]:
    """The request's events, with the employee's own steps (account activated) in order."""
    entries = [
        TimelineEntry(
            e.at, f"{e.get_kind_display()} : {e.note}" if e.note else e.get_kind_display()
        )
        for e in request.events.all()
    ]
    if request.membership is not None:
        for invitation in request.membership.invitations.all():
            if invitation.used_at is not None:
                entries.append(TimelineEntry(invitation.used_at, "Compte activé par le salarié"))
    return sorted(entries, key=lambda e: e.at)


EXPORT_HEADER = [
    "Nom",
    "Prénom",
    "N° adhérent",
    "N° contrat",
    "Groupe d'assurés",
    "Statut",
    "Date d'effet",
    "Date de fin",
    "Matricule",
    "Date d'embauche",
    "Email",
]


def export_rows(company: Company) -> Iterator[list[object]]:
    """One row per membership of the company's employees, read in chunks (constant memory).

    Only what the employer may know (rules.md R8.3): no NIR, no dependants, no bank details.
    """
    memberships = (
        Membership.objects.filter(employee__company=company)
        .order_by("employee__last_name", "employee__first_name", "employee_id", "id")
        .values_list(
            "employee__last_name",
            "employee__first_name",
            "member_number",
            "contract__number",
            "insured_group__code",
            "status",
            "effective_date",
            "end_date",
            "employee__employee_number",
            "employee__hire_date",
            "employee__email",
        )
    )
    labels = dict(MembershipStatus.choices)
    for row in memberships.iterator(chunk_size=2000):
        values: list[object] = list(row)
        values[5] = labels[str(values[5])]
        yield values
