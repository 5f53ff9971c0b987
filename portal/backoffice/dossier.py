"""The dossier page: everything the insurer's check needs on one page, and its decisions.

`/backoffice/dossiers/<id>/` reads a request (affiliation, waiver, termination, death) with a
constant number of queries; opening one that shows a NIR or an IBAN is audited. The decisions
are POST forms calling the owners' services (`portal.backoffice.decisions`).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import caches
from django.core.files.base import File
from django.db.models import Prefetch, prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from portal.backoffice import decisions
from portal.backoffice.access import screen_context, staff_user, staff_view
from portal.backoffice.choices import SEND_BACK_REASONS
from portal.backoffice.identity import Compared, compare_identity
from portal.cards.models import MembershipCard
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError
from portal.core.nir import check_nir, format_nir
from portal.enrollment import rules
from portal.enrollment.dossiers import Dossier
from portal.enrollment.journey import current_costs, facts_of
from portal.enrollment.models import (
    BankAccount,
    DebitMandate,
    Dependant,
    Employee,
    Membership,
)
from portal.signatures.models import EnvelopeStatus, Purpose, SignatureEnvelope, SignedDocument
from portal.signatures.pades import INVALID, SignatureCheck, check_signature
from portal.tracking.models import Reason, Request, RequestEvent, State
from portal.waivers.models import Waiver, WaiverRenewal


@dataclass(frozen=True)
class CheckedDependant:
    dependant: Dependant
    age: int
    nir: str  # formatted, "" when attached
    attached_to: str  # the NIR the child is attached to ("rattachement"), formatted
    problems: list[str]


def check_dependants(membership: Membership, *, today: date) -> list[CheckedDependant]:
    """Each dependant with their NIR or attachment and the rules' findings (twin rank, age
    against the contract's limits, NIR), as the journey checks them."""
    dependants = list(membership.dependants.all())
    contract = membership.contract
    member_nir = membership.employee.nir
    facts = [facts_of(dependant) for dependant in dependants]  # once each, not once per pair
    checked = []
    for index, dependant in enumerate(dependants):
        problems = rules.check_dependant(
            facts[index],
            others=facts[:index] + facts[index + 1 :],
            member_nir=member_nir,
            child_max_age=contract.child_max_age,
            child_max_age_extended=contract.child_max_age_extended,
            today=today,
        )
        own = dependant.nir
        checked.append(
            CheckedDependant(
                dependant=dependant,
                age=rules.age_on(dependant.birth_date, today),
                nir=format_nir(own) if own else "",
                attached_to=""
                if own
                else format_nir(dependant.parent_nir or member_nir)
                if (dependant.parent_nir or member_nir)
                else "",
                problems=[p.message for p in problems],
            )
        )
    return checked


def validated(signed_pdf: bytes) -> SignatureCheck:
    """pyHanko's validation of `signed_pdf`, remembered by the file's SHA-256 and the trust
    root's version: the same bytes give the same result, so a dossier reopened within the hour
    is not validated again, while any changed byte (a new signature, a tampered file) is
    validated on opening. The cache is per process, in memory (`signature_checks`), bounded in
    size and lifetime (an hour), and never a database write on this GET."""
    root = os.stat(settings.SIGNING_CERT_FILE).st_mtime_ns
    key = f"pades:{hashlib.sha256(signed_pdf).hexdigest()}:{root}"
    cache = caches["signature_checks"]
    found = cache.get(key)
    if isinstance(found, SignatureCheck):
        return found
    check = check_signature(signed_pdf)
    cache.set(key, check)
    return check


@dataclass(frozen=True)
class CheckedDocument:
    document: SignedDocument
    signature: SignatureCheck
    missing: bool = False  # the stored file cannot be read (lost from the storage)
    purged: bool = False  # deleted at the end of its retention (portal/core/retention.py)


@dataclass
class DossierView:
    """What the dossier page shows."""

    request: Request
    events: list[RequestEvent]
    employee: Employee
    dossier: Dossier | None = None
    compared: list[Compared] = field(default_factory=list)
    nir: str = ""
    nir_errors: list[str] = field(default_factory=list)
    nir_warnings: list[str] = field(default_factory=list)
    dependants: list[CheckedDependant] = field(default_factory=list)
    coverage: list[dict[str, Any]] = field(default_factory=list)
    accounts: list[BankAccount] = field(default_factory=list)
    mandate: DebitMandate | None = None
    envelope: SignatureEnvelope | None = None
    documents: list[CheckedDocument] = field(default_factory=list)
    waiver: Waiver | None = None
    renewal: WaiverRenewal | None = None  # a new proof to keep a waiver (R2.11)
    cards: list[MembershipCard] = field(default_factory=list)

    @property
    def differences(self) -> int:
        return sum(1 for row in self.compared if row.differs)

    @property
    def shows_personal_numbers(self) -> bool:
        return bool(self.nir or self.accounts)

    @property
    def to_check(self) -> bool:
        """Signed, waiting for the insurer ("En cours")."""
        return self.request.state == State.IN_PROGRESS


def load_request(request_id: int) -> Request:
    found = (
        Request.objects.select_related(
            "company", "employee__company", "membership__contract", "membership__employee"
        )
        .prefetch_related(Prefetch("events", queryset=RequestEvent.objects.select_related("actor")))
        .filter(pk=request_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def build(item: Request, *, today: date) -> DossierView:
    """The page's content for the request `item` (a constant number of queries)."""
    employee = item.employee
    view = DossierView(request=item, events=list(item.events.all()), employee=employee)
    view.nir = format_nir(employee.nir) if employee.nir else ""
    if employee.nir:
        civility = employee.civility if employee.civility in ("M", "MME") else None
        errors, warnings = check_nir(
            employee.nir, birth_date=employee.birth_date, civility=civility
        )
        view.nir_errors = [p.message for p in errors]
        view.nir_warnings = [p.message for p in warnings]
    if item.reason == Reason.WAIVER:
        view.waiver = Waiver.objects.filter(request=item).first()
        if view.waiver is None:
            view.renewal = (
                WaiverRenewal.objects.select_related("waiver").filter(request=item).first()
            )
            view.waiver = view.renewal.waiver if view.renewal else None
    if item.reason != Reason.AFFILIATION or item.membership is None:
        return view
    view.compared = compare_identity(employee)
    membership = item.membership
    dossier = Dossier.of(membership)
    view.dossier = dossier
    # The lead membership as `Dossier.of` read it, its dependants and accounts added to it
    # (no second read of the membership).
    lead = dossier.lead
    prefetch_related_objects(
        [lead],
        Prefetch("dependants", queryset=Dependant.objects.order_by("pk")),
        Prefetch(
            "bank_accounts",
            queryset=BankAccount.objects.filter(replaced_at=None).select_related("dependant"),
        ),
    )
    view.dependants = check_dependants(lead, today=today)
    view.accounts = sorted(lead.bank_accounts.all(), key=lambda a: (a.dependant_id or 0, a.pk))
    view.mandate = lead.live_mandate()
    for member in dossier.memberships:
        row: dict[str, Any] = {"membership": member, "contract": member.contract}
        if member.pk == lead.pk and dossier.health is not None:
            row["product"] = member.insured_group.base_product
            row["costs"] = current_costs(lead)
        else:
            row["product"] = member.insured_group.base_product
            row["clause"] = member.get_beneficiary_clause_display()
        view.coverage.append(row)
    if item.state == State.CLOSED:  # a card is made when the dossier is put "en gestion"
        view.cards = list(
            MembershipCard.objects.filter(membership_id__in=dossier.ids, superseded_at=None)
            .select_related("membership__contract")
            .order_by("membership_id")
        )
    view.envelope = (
        SignatureEnvelope.objects.filter(
            membership_id__in=dossier.ids,
            purpose=Purpose.ENROLLMENT,
            status__in=[EnvelopeStatus.SIGNED, EnvelopeStatus.RETURNED],
        )
        .order_by("-signed_at", "-pk")
        .first()
    )
    if view.envelope is not None:
        for document in view.envelope.documents.order_by("position"):
            if document.signed_file:
                try:
                    with document.signed_file.open("rb") as handle:
                        signed = handle.read()
                except OSError:  # the page still opens: staff see the file is missing
                    view.documents.append(CheckedDocument(document, INVALID, missing=True))
                    continue
                view.documents.append(CheckedDocument(document, validated(signed)))
            elif document.signed_sha256:
                view.documents.append(CheckedDocument(document, INVALID, purged=True))
    return view


@staff_view
@require_GET
def dossier_page(request: HttpRequest, request_id: int) -> HttpResponse:
    item = load_request(request_id)
    view = build(item, today=timezone.localdate())
    if view.shows_personal_numbers:
        # Reading a NIR or an IBAN is logged: who, when, which dossier (rules.md R8.6).
        audit.record(
            AuditAction.DOSSIER_VIEWED,
            by=staff_user(request),
            target=item,
            company_id=item.company_id,
            request=request,
            nir=bool(view.nir),
            iban=bool(view.accounts),
        )
    return render(
        request,
        "backoffice/dossier.html",
        screen_context(
            request,
            title=f"Dossier — {item.get_reason_display()} — {item.employee.full_name}",
            view=view,
            send_back_reasons=SEND_BACK_REASONS,
        ),
    )


@staff_view
@xframe_options_sameorigin
@require_GET
def dossier_document(request: HttpRequest, request_id: int, kind: str, pk: int) -> HttpResponseBase:
    """A signed PDF of the dossier ("signe") or a waiver's proof ("justificatif"), shown in
    the browser (framed only by the back office itself); each opening is audited."""
    item = load_request(request_id)
    file: File[bytes]
    if kind == "signe":
        document = get_object_or_404(
            SignedDocument.objects.select_related("envelope"),
            pk=pk,
            envelope__membership__employee_id=item.employee_id,
        )
        if not document.signed_file:
            raise Http404
        file, content_type, name = document.signed_file, "application/pdf", f"{document.kind}.pdf"
    elif kind == "justificatif":
        waiver = get_object_or_404(Waiver, pk=pk, request=item)
        if not waiver.proof:
            raise Http404
        file, content_type = waiver.proof, waiver.proof_content_type or "application/pdf"
        name = f"justificatif-{waiver.pk}"
    elif kind == "nouveau-justificatif":
        renewal = get_object_or_404(WaiverRenewal, pk=pk, request=item)
        if not renewal.proof:
            raise Http404
        file, content_type = renewal.proof, renewal.proof_content_type
        name = f"nouveau-justificatif-{renewal.pk}"
    else:
        raise Http404
    audit.record(
        AuditAction.DOSSIER_DOCUMENT_VIEWED,
        by=staff_user(request),
        target=item,
        company_id=item.company_id,
        request=request,
        document=kind,
        document_id=pk,
    )
    response = FileResponse(
        file.open("rb"), as_attachment=False, filename=name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    response["Cache-Control"] = "private, no-store"
    return response


DECISIONS = {
    "mettre-en-gestion": decisions.put_in_management,
    "renvoyer": decisions.send_back,
    "accepter": decisions.accept_waiver,
    "refuser": decisions.refuse_waiver,
    "annuler": decisions.cancel,
}


@staff_view
@require_POST
def decide(request: HttpRequest, request_id: int, decision: str) -> HttpResponse:
    """One decision on the dossier, through its service; its message on the page."""
    service = DECISIONS.get(decision)
    if service is None:
        raise Http404
    item = get_object_or_404(Request, pk=request_id)
    try:
        done = service(
            request_id=item.pk,
            reasons=request.POST.getlist("motifs"),
            text=request.POST.get("motif", ""),
            by=staff_user(request),
        )
    except BusinessError as error:
        for problem in error.problems:
            messages.error(request, problem.message)
    else:
        messages.success(request, done)
    return redirect(reverse("backoffice:dossier", args=[item.pk]))


@staff_view
def bulk_page(request: HttpRequest) -> HttpResponse:
    """ "Mise en gestion groupée": the signed affiliations with no difference and no proof
    to look at, to put "en gestion" together."""
    if request.method == "POST":
        chosen = [int(v) for v in request.POST.getlist("demandes") if v.isdigit()]
        if not chosen:
            messages.error(request, "Sélectionnez au moins un dossier.")
        else:
            outcome = decisions.put_in_management_many(request_ids=chosen, by=staff_user(request))
            if outcome.done:
                messages.success(request, outcome.summary)
            for problem in outcome.refused:
                messages.error(request, problem)
        return redirect(reverse("backoffice:bulk"))
    if request.method != "GET":
        raise Http404
    return render(
        request,
        "backoffice/bulk.html",
        screen_context(
            request,
            title="Mise en gestion groupée",
            candidates=decisions.bulk_candidates(),
        ),
    )
