"""The API, version 1: the fourth door of the one validation path (after the form, the file and
the DSN). Each endpoint calls the service the portal's page calls, with the same rules and the
same problem codes and messages; the key decides the company and the rights."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    prefetch_related_objects,
)
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import BaseModel, field_validator
from pydantic_core import PydanticCustomError

from portal.api.auth import require
from portal.api.errors import ApiError
from portal.api.idempotency import run_once
from portal.api.models import ApiKey, Scope
from portal.api.problems import ApiProblem
from portal.companies.models import Company, InsuredGroup
from portal.enrollment.choices import DependantKind
from portal.enrollment.declarations import EmployeeDeclaration
from portal.enrollment.models import Dependant, Employee, Membership, MembershipStatus
from portal.imports.models import ImportBatch, ImportRow, ImportStatus
from portal.imports.processing import describe
from portal.imports.services import start_import
from portal.terminations.rules import TerminationMotif
from portal.terminations.services import terminate_membership_step
from portal.tracking.models import Reason, Request, Source, State
from portal.tracking.queries import events_with_messages, timeline
from portal.tracking.services import (
    cancel_declaration_step,
    declare_batch,
    declare_employee,
    send_reminder,
)

router = Router()


class ProblemOut(BaseModel):
    field: str = Field(description="Le champ en cause (vide : l'appel entier).")
    code: str = Field(description="Code stable, le même que celui du formulaire et du fichier.")
    message: str


class ProblemDetails(BaseModel):
    """RFC 9457 (`application/problem+json`)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    code: str
    errors: list[ProblemOut]


Problems: dict[int, Any] = {
    400: ProblemDetails,
    401: ProblemDetails,
    403: ProblemDetails,
    404: ProblemDetails,
    422: ProblemDetails,
    429: ProblemDetails,
}


def _key(request: HttpRequest) -> ApiKey:
    key = request.auth  # type: ignore[attr-defined]
    assert isinstance(key, ApiKey)
    return key


def _company(request: HttpRequest) -> Company:
    return _key(request).company


def _not_found(what: str) -> ApiProblem:
    return ApiProblem(404, ApiError.NOT_FOUND, what=what)


MAX_ID = 2**63 - 1  # beyond, no row has that id (and a database would refuse the number)


def _known(identifier: int, what: str) -> int:
    """An id that may exist: others are answered 404 before any query."""
    if not 1 <= identifier <= MAX_ID:
        raise _not_found(what)
    return identifier


# --- Pages of results: an opaque cursor on the id, the next page costing what the first does. ---


class Page(BaseModel):
    next_cursor: str | None = Field(
        description="À repasser dans « cursor » pour la page suivante ; null : dernière page."
    )


def _after(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        value = base64.urlsafe_b64decode(cursor.encode() + b"==").decode()
        last = int(value.removeprefix("id:"))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiProblem(422, ApiError.CURSOR_INVALID, field="cursor") from None
    if not value.startswith("id:") or not 0 <= last <= MAX_ID:
        raise ApiProblem(422, ApiError.CURSOR_INVALID, field="cursor")
    return last


def _utc(moment: datetime) -> datetime:
    """`changed_since` in UTC (the local time when it has no offset): any offset ISO 8601
    allows reads, however far from the databases' own range (PostgreSQL refuses beyond ±16 h)."""
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ApiProblem(
            422, ApiError.INVALID_REQUEST, field="changed_since", detail="date hors limites."
        ) from None


def _cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def _page(rows: QuerySet[Any], limit: int) -> tuple[list[Any], str | None]:
    found = list(rows[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    return found, _cursor(found[-1].pk) if more else None


# --- The company, its insured groups and products. ---


class ContractOut(BaseModel):
    id: int
    number: str
    kind: str
    kind_label: str
    start_date: date


class ProductOut(BaseModel):
    code: str
    label: str
    kind: str


class GroupOut(BaseModel):
    id: int
    code: str
    label: str
    contract_id: int
    contract_number: str
    contract_kind: str
    base_product: ProductOut
    options: list[ProductOut]


class CompanyOut(BaseModel):
    id: int
    legal_name: str
    siret: str
    contracts: list[ContractOut]


@router.get("/company", response={200: CompanyOut, **Problems}, summary="Votre entreprise")
def company(request: HttpRequest) -> dict[str, Any]:
    c = _company(request)
    return {
        "id": c.pk,
        "legal_name": c.legal_name,
        "siret": c.siret,
        "contracts": [
            {
                "id": k.pk,
                "number": k.number,
                "kind": k.kind,
                "kind_label": k.get_kind_display(),
                "start_date": k.start_date,
            }
            for k in c.contracts.order_by("kind", "id")
        ],
    }


def _product(p: Any) -> dict[str, str]:
    return {"code": p.code, "label": p.label, "kind": p.kind}


@router.get(
    "/insured-groups",
    response={200: list[GroupOut], **Problems},
    summary="Groupes d'assurés et produits",
)
def insured_groups(request: HttpRequest) -> list[dict[str, Any]]:
    groups = (
        InsuredGroup.objects.filter(contract__company=_company(request))
        .select_related("contract", "base_product")
        .prefetch_related("option_products")
        .order_by("contract__kind", "code", "id")
    )
    return [
        {
            "id": g.pk,
            "code": g.code,
            "label": g.label,
            "contract_id": g.contract_id,
            "contract_number": g.contract.number,
            "contract_kind": g.contract.kind,
            "base_product": _product(g.base_product),
            "options": [_product(p) for p in g.option_products.all()],
        }
        for g in groups
    ]


# --- Employees. ---


class MembershipOut(BaseModel):
    id: int
    member_number: str
    contract_number: str
    contract_kind: str
    insured_group_code: str
    status: str
    status_label: str
    status_changed_at: datetime
    effective_date: date
    end_date: date | None


class EmployeeOut(BaseModel):
    id: int
    civility: str
    last_name: str
    first_name: str
    birth_date: date
    hire_date: date
    employee_number: str
    email: str
    declared_at: datetime
    memberships: list[MembershipOut]


class DependantCount(BaseModel):
    kind: str
    label: str
    count: int


class EmployeeDetailOut(EmployeeOut):
    dependants: list[DependantCount] = Field(
        description="Le nombre de bénéficiaires par type, par adhésion : jamais leurs noms."
    )


class EmployeePage(Page):
    employees: list[EmployeeOut]


def _membership(m: Membership) -> dict[str, Any]:
    return {
        "id": m.pk,
        "member_number": m.member_number,
        "contract_number": m.contract.number,
        "contract_kind": m.contract.kind,
        "insured_group_code": m.insured_group.code,
        "status": m.status,
        "status_label": m.get_status_display(),
        "status_changed_at": m.status_changed_at,
        "effective_date": m.effective_date,
        "end_date": m.end_date,
    }


def _employee(e: Employee) -> dict[str, Any]:
    return {
        "id": e.pk,
        "civility": e.civility,
        "last_name": e.last_name,
        "first_name": e.first_name,
        "birth_date": e.birth_date,
        "hire_date": e.hire_date,
        "employee_number": e.employee_number,
        "email": e.email,
        "declared_at": e.created_at,
        "memberships": [_membership(m) for m in e.memberships.all()],
    }


MEMBERSHIPS = Prefetch(
    "memberships",
    queryset=Membership.objects.select_related("contract", "insured_group").order_by(
        "contract__kind", "-effective_date", "-id"
    ),
)


class EmployeeFilters(Schema):
    status: MembershipStatus | None = Field(
        None, description="Les salariés ayant une adhésion dans ce statut."
    )
    changed_since: datetime | None = Field(
        None,
        description="Les salariés déclarés, ou dont une adhésion a changé de statut, depuis.",
    )
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


@router.get(
    "/employees",
    response={200: EmployeePage, **Problems},
    summary="Vos salariés, par pages",
)
def employees(request: HttpRequest, filters: Query[EmployeeFilters]) -> dict[str, Any]:
    rows = Employee.objects.filter(company=_company(request), pk__gt=_after(filters.cursor))
    memberships = Membership.objects.filter(employee=OuterRef("pk"))
    if filters.status:
        rows = rows.filter(Exists(memberships.filter(status=filters.status)))
    if filters.changed_since:
        since = _utc(filters.changed_since)
        rows = rows.filter(
            Q(created_at__gte=since) | Exists(memberships.filter(status_changed_at__gte=since))
        )
    found, after = _page(rows.prefetch_related(MEMBERSHIPS).order_by("pk"), filters.limit)
    return {"employees": [_employee(e) for e in found], "next_cursor": after}


@router.get(
    "/employees/{int:employee_id}",
    response={200: EmployeeDetailOut, **Problems},
    summary="Un salarié",
)
def employee(request: HttpRequest, employee_id: int) -> dict[str, Any]:
    found = (
        Employee.objects.filter(company=_company(request), pk=_known(employee_id, "Salarié"))
        .prefetch_related(MEMBERSHIPS)
        .first()
    )
    if found is None:
        raise _not_found("Salarié")
    counts = (
        Dependant.objects.filter(
            Dependant.not_ended_on(timezone.localdate()), membership__employee=found
        )
        .values("kind")
        .annotate(n=Count("id"))
        .order_by("kind")
    )
    labels = dict(DependantKind.choices)
    return {
        **_employee(found),
        "dependants": [
            {"kind": c["kind"], "label": labels.get(c["kind"], c["kind"]), "count": c["n"]}
            for c in counts
        ],
    }


class Body(BaseModel):
    """What a caller sends: no NUL character in any text (no database stores one, no door
    accepts one: the form's fields refuse it too)."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise PydanticCustomError("nul_character", "caractère nul interdit")
        return value


class DeclarationIn(Body):
    """An employee to declare: the fields of the form "Ajouter un ou plusieurs collaborateurs",
    with the same rules and messages."""

    civility: str = Field(description="« M » ou « MME ».")
    last_name: str
    first_name: str
    birth_date: date | None
    hire_date: date | None
    effective_date: date | None = Field(description="Date d'effet du contrat.")
    insured_group_ids: list[int] = Field(
        description="Un groupe d'assurés par contrat rejoint (voir /insured-groups)."
    )
    alsace_moselle: bool | None = Field(description="Régime local Alsace Moselle.")
    nir: str = ""
    fund_code: str = ""
    street_number: str = ""
    street_name: str = ""
    staircase_floor: str = ""
    building: str = ""
    locality: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = "FRANCE"
    email: str = ""
    employee_number: str = ""

    def declaration(self) -> EmployeeDeclaration:
        return EmployeeDeclaration(**self.model_dump())


class DeclaredOut(BaseModel):
    request_id: int
    employee_id: int
    request_state: str
    corrections: list[ProblemOut] = Field(
        description="Ce que la déclaration a corrigé d'elle-même (ville)."
    )


@router.post(
    "/employees",
    response={201: DeclaredOut, **Problems},
    summary="Déclarer un salarié",
    description="Avec un en-tête `Idempotency-Key`, un appel répété rend la première réponse.",
)
def declare(request: HttpRequest, payload: DeclarationIn) -> Status[Any]:
    key = _key(request)
    require(key, Scope.DECLARE)

    def event() -> tuple[int, dict[str, Any]]:
        made = declare_employee(
            company=key.company,
            declaration=payload.declaration(),
            source=Source.API,
            by=None,
            today=timezone.localdate(),
        )
        return 201, {
            "request_id": made.pk,
            "employee_id": made.employee_id,
            "request_state": made.state,
            "corrections": [],
        }

    return Status(*run_once(request, key, event))


class BatchIn(Body):
    employees: list[DeclarationIn]


class BatchItemOut(BaseModel):
    index: int = Field(description="La position du salarié dans la liste envoyée (0 : le premier).")
    declared: bool
    request_id: int | None
    employee_id: int | None
    problems: list[ProblemOut] = Field(
        description="Les erreurs d'un salarié refusé, ou les corrections d'un salarié déclaré."
    )


class BatchOut(BaseModel):
    declared_count: int
    rejected_count: int
    results: list[BatchItemOut]


@router.post(
    "/employees/batch",
    response={200: BatchOut, **Problems},
    summary="Déclarer plusieurs salariés",
    description=(
        "Chaque salarié est vérifié comme une ligne de fichier : ceux qui sont acceptés sont "
        "déclarés, les autres rendus avec leurs erreurs. Au plus `API_BATCH_MAX` par appel."
    ),
)
def declare_many(request: HttpRequest, payload: BatchIn) -> Status[Any]:
    key = _key(request)
    require(key, Scope.DECLARE)
    if not payload.employees:
        raise ApiProblem(422, ApiError.BATCH_EMPTY, field="employees")
    if len(payload.employees) > settings.API_BATCH_MAX:
        raise ApiProblem(
            422, ApiError.BATCH_TOO_LARGE, field="employees", limit=settings.API_BATCH_MAX
        )

    def event() -> tuple[int, dict[str, Any]]:
        items = declare_batch(
            company=key.company,
            declarations=[e.declaration() for e in payload.employees],
            source=Source.API,
            by=None,
            today=timezone.localdate(),
        )
        results = [
            {
                "index": i,
                "declared": item.declared is not None,
                "request_id": item.declared.request_id if item.declared else None,
                "employee_id": item.declared.employee_id if item.declared else None,
                "problems": [p.as_dict() for p in item.problems],
            }
            for i, item in enumerate(items)
        ]
        declared = sum(1 for r in results if r["declared"])
        return 200, {
            "declared_count": declared,
            "rejected_count": len(results) - declared,
            "results": results,
        }

    return Status(*run_once(request, key, event))


# --- Terminations. ---


class TerminationIn(Body):
    hire_date: date | None = Field(description="Date d'embauche (celle de la déclaration).")
    termination_date: date | None = Field(description="Date de fin du contrat de travail.")
    motif: TerminationMotif
    portability: bool | None = Field(
        None, description="Maintien des garanties (portabilité), quand le motif l'ouvre."
    )


class TerminationOut(BaseModel):
    termination_id: int
    membership_id: int
    request_id: int | None
    membership_status: str
    end_date: date | None
    portability_until: date | None


@router.post(
    "/memberships/{int:membership_id}/termination",
    response={201: TerminationOut, **Problems},
    summary="Résilier une adhésion",
    description="Avec un en-tête `Idempotency-Key`, un appel répété rend la première réponse.",
)
def terminate(request: HttpRequest, membership_id: int, payload: TerminationIn) -> Status[Any]:
    key = _key(request)
    require(key, Scope.TERMINATE)
    _known(membership_id, "Adhésion")
    if not Membership.objects.filter(pk=membership_id, contract__company=key.company).exists():
        raise _not_found("Adhésion")

    def event() -> tuple[int, dict[str, Any]]:
        done = terminate_membership_step(
            company=key.company,
            membership_id=membership_id,
            hire_date=payload.hire_date,
            termination_date=payload.termination_date,
            motif=payload.motif.value,
            portability=payload.portability,
            by=None,
            today=timezone.localdate(),
            source=Source.API,
        )
        membership = Membership.objects.get(pk=membership_id)
        return 201, {
            "termination_id": done.pk,
            "membership_id": membership_id,
            "request_id": done.request_id,
            "membership_status": membership.status,
            "end_date": membership.end_date,
            "portability_until": done.portability_end,
        }

    return Status(*run_once(request, key, event))


# --- Requests, their timeline, cancelling and reminding. ---


class RequestOut(BaseModel):
    id: int
    reason: str
    reason_label: str
    state: str
    state_label: str
    source: str
    employee_id: int
    membership_id: int | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class TimelineOut(BaseModel):
    at: datetime
    label: str


class RequestDetailOut(RequestOut):
    timeline: list[TimelineOut]


class RequestPage(Page):
    requests: list[RequestOut]


class RequestFilters(Schema):
    state: State | None = None
    reason: Reason | None = None
    changed_since: datetime | None = Field(None, description="Créées ou modifiées depuis.")
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


def _request(r: Request) -> dict[str, Any]:
    return {
        "id": r.pk,
        "reason": r.reason,
        "reason_label": r.get_reason_display(),
        "state": r.state,
        "state_label": r.get_state_display(),
        "source": r.source,
        "employee_id": r.employee_id,
        "membership_id": r.membership_id,
        "created_at": r.created_at,
        "updated_at": r.updated_at,
        "closed_at": r.closed_at,
    }


@router.get("/requests", response={200: RequestPage, **Problems}, summary="Vos demandes")
def requests(request: HttpRequest, filters: Query[RequestFilters]) -> dict[str, Any]:
    rows = Request.objects.filter(company=_company(request), pk__gt=_after(filters.cursor))
    if filters.state:
        rows = rows.filter(state=filters.state)
    if filters.reason:
        rows = rows.filter(reason=filters.reason)
    if filters.changed_since:
        rows = rows.filter(updated_at__gte=_utc(filters.changed_since))
    found, after = _page(rows.order_by("pk"), filters.limit)
    return {"requests": [_request(r) for r in found], "next_cursor": after}


def _get_request(company: Company, request_id: int) -> Request:
    found = Request.objects.filter(company=company, pk=_known(request_id, "Demande")).first()
    if found is None:
        raise _not_found("Demande")
    return found


@router.get(
    "/requests/{int:request_id}",
    response={200: RequestDetailOut, **Problems},
    summary="Une demande et sa chronologie",
)
def request_detail(request: HttpRequest, request_id: int) -> dict[str, Any]:
    found = _get_request(_company(request), request_id)
    prefetch_related_objects([found], events_with_messages())
    entries = timeline(found)
    return {**_request(found), "timeline": [{"at": e.at, "label": e.label} for e in entries]}


class CancelIn(Body):
    reason: str = Field(description="Motif de l'annulation (obligatoire).")


@router.post(
    "/requests/{int:request_id}/cancel",
    response={200: RequestOut, **Problems},
    summary="Annuler une déclaration « En attente »",
)
def cancel(request: HttpRequest, request_id: int, payload: CancelIn) -> Status[Any]:
    key = _key(request)
    require(key, Scope.DECLARE)
    _get_request(key.company, request_id)

    def event() -> tuple[int, dict[str, Any]]:
        done = cancel_declaration_step(
            company=key.company, request_id=request_id, reason=payload.reason, by=None
        )
        return 200, _request(done)

    return Status(*run_once(request, key, event))


@router.post(
    "/requests/{int:request_id}/reminders",
    response={200: RequestOut, **Problems},
    summary="Relancer le salarié",
    description="Au plus une relance par jour et par demande.",
)
def remind(request: HttpRequest, request_id: int) -> Status[Any]:
    key = _key(request)
    require(key, Scope.DECLARE)
    _get_request(key.company, request_id)
    done = send_reminder(request_id=request_id, company=key.company, by=None)
    return Status(200, _request(done))


# --- File imports. ---


class ImportOut(BaseModel):
    id: int
    filename: str
    status: str
    status_label: str
    total_rows: int
    processed_rows: int
    percent: int
    declared_count: int
    rejected_count: int
    refusal: str
    created_at: datetime
    finished_at: datetime | None


class RejectedRowOut(BaseModel):
    line: int
    errors: list[ProblemOut]
    messages: list[str] = Field(description="Les messages du fichier des rejets, ligne par ligne.")


class Paging(Schema):
    cursor: str | None = None
    limit: int = Field(100, ge=1, le=500)


class RejectedPage(Page):
    rows: list[RejectedRowOut]


def _import(b: ImportBatch) -> dict[str, Any]:
    percent = 100 if b.status == ImportStatus.DONE else 0
    if b.total_rows and b.status != ImportStatus.DONE:
        percent = b.processed_rows * 100 // b.total_rows
    return {
        "id": b.pk,
        "filename": b.filename,
        "status": b.status,
        "status_label": b.get_status_display(),
        "total_rows": b.total_rows,
        "processed_rows": b.processed_rows,
        "percent": percent,
        "declared_count": b.declared_count,
        "rejected_count": b.rejected_count,
        "refusal": b.refusal,
        "created_at": b.created_at,
        "finished_at": b.finished_at,
    }


@router.post(
    "/imports",
    response={202: ImportOut, **Problems},
    summary="Importer un fichier de salariés",
    description="Le fichier du modèle (xlsx, xls, ods ou csv), lu par le worker ; suivez sa "
    "progression sur /imports/{id}.",
)
def upload(
    request: HttpRequest,
    file: File[UploadedFile],
    insured_group_ids: Form[list[int]],
) -> Status[Any]:
    key = _key(request)
    require(key, Scope.DECLARE)
    wanted = [i for i in insured_group_ids if 1 <= i <= MAX_ID]
    groups = list(
        InsuredGroup.objects.filter(pk__in=wanted, contract__company=key.company).select_related(
            "contract"
        )
    )
    groups.sort(key=lambda g: insured_group_ids.index(g.pk))
    if len(groups) != len(set(insured_group_ids)):
        groups = []  # an unknown group: refused by the service, with its message

    with transaction.atomic(durable=True):
        batch = start_import(company=key.company, groups=groups, upload=file, by=None)
    return Status(202, _import(batch))


def _get_import(company: Company, import_id: int) -> ImportBatch:
    found = ImportBatch.objects.filter(company=company, pk=_known(import_id, "Import")).first()
    if found is None:
        raise _not_found("Import")
    return found


@router.get("/imports/{int:import_id}", response={200: ImportOut, **Problems}, summary="Un import")
def import_detail(request: HttpRequest, import_id: int) -> dict[str, Any]:
    return _import(_get_import(_company(request), import_id))


@router.get(
    "/imports/{int:import_id}/rejected-rows",
    response={200: RejectedPage, **Problems},
    summary="Les lignes refusées d'un import",
)
def rejected_rows(request: HttpRequest, import_id: int, paging: Query[Paging]) -> dict[str, Any]:
    batch = _get_import(_company(request), import_id)
    # Rows since corrected and declared in the browser are no longer rejected.
    rows = ImportRow.objects.filter(
        batch=batch, declared_at=None, pk__gt=_after(paging.cursor)
    ).order_by("pk")
    found, after = _page(rows, paging.limit)
    return {
        "rows": [
            {
                "line": r.number,
                "errors": r.errors,
                "messages": [describe(p) for p in r.errors],
            }
            for r in found
        ],
        "next_cursor": after,
    }
