"""Reading a company's employees, with the filters of "Mes collaborateurs", and its export."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404

from portal.companies.models import Company, ContractKind
from portal.core.keyset import COUNT_CAP
from portal.enrollment.models import Employee, Membership, MembershipStatus
from portal.tracking.queries import name_matches

# "Mes collaborateurs", by the accent-free name (`Employee`'s index follows it).
EMPLOYEE_ORDER = ("search_name", "id")


def employees_of(
    company: Company, *, status: str = "", group: str = "", name: str = ""
) -> QuerySet[Employee]:
    """The company's employees by name, filtered as "Mes collaborateurs" asks.

    Ordered by the accent-free key (`search_name`, "nom prénom"), so PÉLISSIER comes before
    PETIT on SQLite and PostgreSQL alike, whatever the database's collation."""
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
                "contract__kind", "-effective_date", "-id"
            ),
        )
    ).order_by(*EMPLOYEE_ORDER)


def employees_count(
    company: Company, *, status: str = "", group: str = ""
) -> tuple[int, bool] | None:
    """The (capped) count of "Mes collaborateurs" filtered by status or insured group, read on
    the memberships' (contract, status) index rather than one membership lookup per employee
    of the company; None without such a filter (the list's own count is then as fast)."""
    if not (status or group):
        return None
    memberships = Membership.objects.filter(contract__company=company)
    if status:
        memberships = memberships.filter(status=status)
    if group:
        memberships = memberships.filter(insured_group__code=group)
    found = memberships.order_by().values("employee_id").distinct()[: COUNT_CAP + 1].count()
    return (COUNT_CAP, True) if found > COUNT_CAP else (found, False)


def get_employee_for_company(company: Company, employee_id: int) -> Employee:
    employee = Employee.objects.filter(company=company, pk=employee_id).first()
    if employee is None:
        raise Http404("Salarié introuvable.")
    return employee


EXPORT_HEADER = [
    "Nom",
    "Prénom",
    "N° adhérent",
    "N° contrat",
    "Contrat",
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

    "Contrat" is the contract's kind ("Complémentaire Santé" / "Prévoyance"). Only what the
    employer may know (rules.md R8.3): no NIR, no dependants, no bank details.
    """
    memberships = (
        Membership.objects.filter(employee__company=company)
        .order_by("employee__search_name", "employee_id", "id")
        .values_list(
            "employee__last_name",
            "employee__first_name",
            "member_number",
            "contract__number",
            "contract__kind",
            "insured_group__code",
            "status",
            "effective_date",
            "end_date",
            "employee__employee_number",
            "employee__hire_date",
            "employee__email",
        )
    )
    kinds = dict(ContractKind.choices)
    labels = dict(MembershipStatus.choices)
    for row in memberships.iterator(chunk_size=2000):
        values: list[object] = list(row)
        values[4] = kinds[str(values[4])]
        values[6] = labels[str(values[6])]
        yield values
