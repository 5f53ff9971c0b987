"""The staff queue "À traiter": the back office's home, the requests to process by motif.

Each motif (Affiliation, Dispense, Résiliation, Décès) lists its requests "En cours" by default,
oldest first (since they became "En cours"), with filters (company, contract, source, state)
and one search box (name, member number, or NIR through its keyed digest). A staff member takes
a request ("Je prends") so that two people do not work the same one; the holder releases it
("Libérer"); another takes it over ("Reprendre", after a confirmation page).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.views import safe_next
from portal.backoffice.access import screen_context, staff_user, staff_view
from portal.backoffice.dsn_anomalies import open_anomalies
from portal.companies.models import Company, Contract
from portal.core.crypto import digest
from portal.core.errors import BusinessError
from portal.core.nir import normalise_nir
from portal.tracking.models import Reason, Request, Source, State
from portal.tracking.queries import name_matches
from portal.tracking.services import release_request, take_request

PAGE_SIZE = 25

# The queues, in the order the screen shows them.
QUEUES = [Reason.AFFILIATION, Reason.WAIVER, Reason.TERMINATION, Reason.DEATH]

# A NIR as typed: 13 or 15 characters once spaces, dots and dashes are removed (Corsica: 2A/2B).
_NIR_RE = re.compile(r"^[12378]\d{4}(?:\d{2}|2A|2B)\d{6}(?:\d{2})?$")
_NUMBER_RE = re.compile(r"^\d{1,12}$")


@dataclass(frozen=True)
class Filters:
    """What the queue's form asks for; every value as typed in the query string."""

    motif: str = Reason.AFFILIATION
    state: str = State.IN_PROGRESS
    company: int | None = None
    contract: int | None = None
    source: str = ""
    search: str = ""

    @classmethod
    def of(cls, params: dict[str, str]) -> Filters:
        motif = params.get("motif", "")
        state = params.get("etat", State.IN_PROGRESS)
        source = params.get("origine", "")
        return cls(
            motif=motif if motif in Reason.values else Reason.AFFILIATION,
            state=state if state in State.values or state == "tous" else State.IN_PROGRESS,
            company=_int(params.get("entreprise", "")),
            contract=_int(params.get("contrat", "")),
            source=source if source in Source.values else "",
            search=params.get("q", "").strip()[:100],
        )


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def search_matches(text: str) -> Q:
    """The search box: a NIR (spaces allowed) through the keyed digest, a member number, or
    the start of "nom prénom" / "prénom nom". Never a scan of decrypted NIRs."""
    compact = normalise_nir(text)
    if _NIR_RE.match(compact):
        # The digest is of the 15-character NIR; 13 characters (no key) cannot be matched.
        return Q(employee__nir_digest=digest(compact)) if len(compact) == 15 else Q(pk=None)
    if _NUMBER_RE.match(compact):
        return Q(membership__member_number=compact)
    return name_matches(text)


def filtered(filters: Filters) -> QuerySet[Request]:
    """The requests the filters select, every motif (the counts group them)."""
    requests = Request.objects.all()
    if filters.state != "tous":
        requests = requests.filter(state=filters.state)
    if filters.company is not None:
        requests = requests.filter(company_id=filters.company)
    if filters.contract is not None:
        requests = requests.filter(membership__contract_id=filters.contract)
    if filters.source:
        requests = requests.filter(source=filters.source)
    if filters.search:
        requests = requests.filter(search_matches(filters.search))
    return requests


def queue_counts(filters: Filters) -> dict[str, int]:
    """Each motif's number of requests under the same filters: one grouped query."""
    found = dict(
        filtered(filters)
        .order_by()
        .values_list("reason")
        .annotate(n=Count("*"))
        .values_list("reason", "n")
    )
    return {reason: found.get(reason, 0) for reason in QUEUES}


def queue(filters: Filters) -> QuerySet[Request, int]:
    """One motif's request ids, oldest first: since they became "En cours" for that state,
    since they were created otherwise. Only ids, so that a far page's OFFSET walks the queue's
    index alone (`request_queue_idx`), not the joined rows; `page_of` reads the page's rows."""
    order = (
        ["in_progress_since", "id"] if filters.state == State.IN_PROGRESS else ["created_at", "id"]
    )
    return (
        filtered(filters).filter(reason=filters.motif).order_by(*order).values_list("pk", flat=True)
    )


# What a queue row shows, read as plain columns: no model instances to build for 25 rows.
ROW_COLUMNS = (
    "pk",
    "state",
    "source",
    "created_at",
    "in_progress_since",
    "assigned_at",
    "assigned_to_id",
    "assigned_to__first_name",
    "assigned_to__last_name",
    "assigned_to__email",
    "employee__first_name",
    "employee__last_name",
    "company__legal_name",
    "membership__contract__number",
    "membership__member_number",
)


def page_of(ids: list[int]) -> list[dict[str, Any]]:
    """The columns each row of the requests `ids` shows, in the order of `ids` (one query)."""
    found = {row["pk"]: row for row in Request.objects.filter(pk__in=ids).values(*ROW_COLUMNS)}
    return [found[pk] for pk in ids if pk in found]


def dossier_prefix() -> str:
    """The dossier pages' path before the request id (`backoffice:dossier`, built beside this
    queue, is `/backoffice/dossiers/<id>/`): one string for every row, no reverse per row."""
    return reverse("backoffice:queue") + "dossiers/"


def age_label(since: datetime | None, now: datetime) -> str:
    """How long a request has waited: "12 jours", "5 h", "moins d'une heure"."""
    if since is None:
        return ""
    delta = now - since
    if delta.days >= 1:
        return f"{delta.days} jour{'s' if delta.days > 1 else ''}"
    hours = delta.seconds // 3600
    return f"{hours} h" if hours else "moins d'une heure"


@dataclass(frozen=True)
class Row:
    """One line of the queue, its cells already text (the template only places them)."""

    pk: int
    since: datetime | None
    age: str
    holder: str  # "Pris par … le …", or ""
    name: str  # "NOM Prénom"
    spoken: str  # "Prénom Nom", for the buttons' hidden labels
    company: str
    contract: str
    member_number: str
    source: str
    state: str
    action: str  # "take", "release", "takeover" or "" (not "En cours")


SOURCE_LABELS = dict(Source.choices)
STATE_LABELS = dict(State.choices)


def rows_of(page: Page[int], filters: Filters, me: int) -> list[Row]:
    now = timezone.now()
    rows = []
    for item in page_of(list(page.object_list)):
        since = (
            item["in_progress_since"] if filters.state == State.IN_PROGRESS else item["created_at"]
        )
        holder = ""
        holder_id = item["assigned_to_id"]
        if holder_id is not None and item["assigned_at"] is not None:
            at = timezone.localtime(item["assigned_at"]).strftime("%d/%m/%Y à %H:%M")
            name = f"{item['assigned_to__first_name']} {item['assigned_to__last_name']}".strip()
            holder = f"Pris par {name or item['assigned_to__email']} le {at}"
        action = ""
        if item["state"] == State.IN_PROGRESS:
            action = "release" if holder_id == me else ("takeover" if holder_id else "take")
        first, last = item["employee__first_name"], item["employee__last_name"]
        rows.append(
            Row(
                pk=item["pk"],
                since=timezone.localtime(since) if since else None,
                age=age_label(since, now),
                holder=holder,
                name=f"{last.upper()} {first}",
                spoken=f"{first} {last}",
                company=item["company__legal_name"],
                contract=item["membership__contract__number"] or "",
                member_number=item["membership__member_number"] or "",
                source=SOURCE_LABELS.get(item["source"], item["source"]),
                state=STATE_LABELS.get(item["state"], item["state"]),
                action=action,
            )
        )
    return rows


@require_GET
@staff_view
def to_process(request: HttpRequest) -> HttpResponse:
    """ "À traiter": the queues with their counts, one queue's requests, the filters."""
    filters = Filters.of(request.GET.dict())
    counts = queue_counts(filters)
    paginator = Paginator(queue(filters), PAGE_SIZE)
    # The motif's count is the grouped query's: the paginator does not count again.
    paginator.count = counts[filters.motif]
    page = paginator.get_page(request.GET.get("page"))
    companies = list(Company.objects.order_by("legal_name").only("pk", "legal_name", "siret"))
    contracts = (
        list(Contract.objects.filter(company_id=filters.company).order_by("number"))
        if filters.company is not None
        else []
    )
    params = request.GET.copy()
    params.pop("page", None)
    motif_params = params.copy()
    queues = []
    for reason in QUEUES:
        motif_params["motif"] = reason
        queues.append(
            {
                "reason": reason,
                "label": Reason(reason).label,
                "count": counts[reason],
                "query": motif_params.urlencode(),
                "current": reason == filters.motif,
            }
        )
    context = screen_context(
        request,
        title="À traiter",
        filters=filters,
        queues=queues,
        page=page,
        rows=rows_of(page, filters, staff_user(request).pk),
        companies=companies,
        contracts=contracts,
        states=[*State.choices, ("tous", "Tous les états")],
        sources=Source.choices,
        page_query=params.urlencode(),
        here=request.get_full_path(),
        here_quoted=quote(request.get_full_path(), safe="/"),
        dossiers=dossier_prefix(),
        me=staff_user(request).pk,
        dsn_anomalies=open_anomalies().count(),
    )
    return render(request, "backoffice/queue.html", context)


def _back(request: HttpRequest) -> HttpResponse:
    return redirect(safe_next(request) or reverse("backoffice:queue"))


def _posted_id(request: HttpRequest) -> int:
    value = request.POST.get("demande", "")
    if not value.isdigit():
        raise Http404("Demande introuvable.")
    return int(value)


@require_POST
@staff_view
def take(request: HttpRequest) -> HttpResponse:
    """ "Je prends" the request `demande` (and "Reprendre", confirmed: `reprendre=1`)."""
    try:
        taken = take_request(
            _posted_id(request),
            staff_user(request),
            takeover=request.POST.get("reprendre") == "1",
        )
    except Request.DoesNotExist:
        raise Http404("Demande introuvable.") from None
    except BusinessError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Vous avez pris la demande de {taken.employee}.")
    return _back(request)


@require_POST
@staff_view
def release(request: HttpRequest) -> HttpResponse:
    """ "Libérer": the holder gives the request `demande` back to the queue."""
    try:
        released = release_request(_posted_id(request), staff_user(request))
    except Request.DoesNotExist:
        raise Http404("Demande introuvable.") from None
    except BusinessError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"La demande de {released.employee} est libérée.")
    return _back(request)


@require_GET
@staff_view
def confirm_takeover(request: HttpRequest) -> HttpResponse:
    """ "Reprendre": the confirmation page, naming who holds the request `demande` and since
    when; its button posts to "Je prends" with `reprendre=1`."""
    value = request.GET.get("demande", "")
    item = (
        Request.objects.select_related("employee", "company", "assigned_to")
        .filter(pk=int(value))
        .first()
        if value.isdigit()
        else None
    )
    if item is None:
        raise Http404("Demande introuvable.")
    context = screen_context(
        request, title="Reprendre une demande", item=item, next=safe_next(request) or ""
    )
    return render(request, "backoffice/queue_takeover.html", context)
