"""The member's space ("Mon espace perso") once enrolled: home, "Mes garanties", "Mes
coordonnées", "Mes documents", "Mes demandes". Phone first: every page is one column at 390 px.

Each page is the logged-in member's own: an HR or staff login gets a 403, a logged-out visitor
the member's login page, another member's membership or document a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from portal.accounts.models import Role, User
from portal.cards.models import MembershipCard
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError
from portal.enrollment import contact, journey
from portal.enrollment.models import Employee, Membership, MembershipStatus
from portal.enrollment.rules import Costs
from portal.journey.forms import CoordinatesForm
from portal.member_requests.queries import requests_of as member_requests_of
from portal.signatures.models import EnvelopeStatus, Purpose, SignatureEnvelope
from portal.terminations.messages import portability_certificate
from portal.terminations.models import Termination
from portal.tracking.models import STAFF_ONLY_EVENTS, Reason, Request, RequestEvent
from portal.waivers import ending as waiver_ending
from portal.waivers import rules as waiver_rules
from portal.waivers.models import RenewalStatus, Waiver, WaiverRenewal, WaiverStatus

View = Callable[..., HttpResponse | FileResponse]
LOGIN = "accounts:member_login"


def member_space(view: View) -> View:
    """Logged-in members only (HR and staff: 403); the view gets the member's employee file
    (None for a login no employee is attached to)."""

    @login_required(login_url=LOGIN)
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        user = request.user
        if not isinstance(user, User) or user.role != Role.MEMBER:
            raise PermissionDenied("Cette page est celle de l'espace perso d'un adhérent.")
        employee = (
            Employee.objects.select_related("company", "user").filter(user_id=user.pk).first()
        )
        return view(request, employee, *args, **kwargs)

    return wrapper


def _memberships(employee: Employee | None) -> list[Membership]:
    if employee is None:
        return []
    return list(
        employee.memberships.select_related(
            "employee__company", "contract", "insured_group__base_product", "option"
        )
        .prefetch_related("dependants")
        .order_by("contract__kind", "pk")
    )


def _own_membership(employee: Employee | None, membership_id: int) -> Membership:
    for membership in _memberships(employee):
        if membership.pk == membership_id:
            return membership
    raise Http404("Adhésion introuvable.")


# --- Accueil ----------------------------------------------------------------------------------


def _day(value: date) -> str:
    return format_date(value, "d/m/Y")


@dataclass(frozen=True)
class Standing:
    """What the home page says of a membership: its state in plain words, one sentence on the
    cover, and what to do next (if anything)."""

    status: str
    sentence: str
    covered: bool  # the "Date d'effet" is a date of cover
    next_step: str = ""


def membership_standing(
    membership: Membership,
    today: date,
    *,
    termination: Termination | None = None,
    waiver: Waiver | None = None,
) -> Standing:
    """Each state in its own words: only an enrollment in force says "couvert(e)"."""
    start = membership.effective_date
    end = membership.end_date
    match membership.status:
        case MembershipStatus.PRE_ENROLLED:
            return Standing(
                "Adhésion à finaliser",
                f"Finalisez votre adhésion : vos garanties prendront effet le {_day(start)}.",
                covered=True,
                next_step="Complétez votre profil, vos bénéficiaires, vos garanties et vos "
                "coordonnées bancaires, puis signez avec le code reçu par SMS.",
            )
        case MembershipStatus.SIGNED:
            return Standing(
                "Adhésion en cours de vérification",
                "Votre adhésion est signée : nos services vérifient vos informations. "
                f"Vos garanties prennent effet le {_day(start)}.",
                covered=True,
                next_step="Rien à faire : vous serez prévenu(e) par e-mail dès que votre "
                "adhésion sera enregistrée, avec votre carte mutualiste.",
            )
        case MembershipStatus.ACTIVE:
            sentence = (
                f"Adhésion active depuis le {_day(start)} : vous êtes couvert(e)."
                if start <= today
                else f"Adhésion enregistrée : vous serez couvert(e) à partir du {_day(start)}."
            )
            return Standing("Adhésion active", sentence, covered=True)
        case MembershipStatus.TERMINATED:
            if termination is not None and termination.portability_last_day is not None:
                until = termination.portability_last_day
                verb = "se poursuivent" if until >= today else "ont pris fin le"
                tail = f"jusqu'au {_day(until)}" if until >= today else _day(until)
                return Standing(
                    f"Radié(e) le {_day(termination.termination_date)} — portabilité jusqu'au "
                    f"{_day(until)}",
                    f"Au titre de la portabilité, vos garanties {verb} {tail}, sans cotisation.",
                    covered=True,
                    next_step="Envoyez-nous chaque mois votre attestation France Travail "
                    "(« Ma portabilité »)."
                    if until >= today
                    else "",
                )
            if end is None:
                return Standing("Radié(e)", "Votre adhésion a pris fin.", covered=True)
            if end < today:
                return Standing(
                    f"Radié(e) le {_day(end)}", f"Votre adhésion a pris fin le {_day(end)}.", True
                )
            return Standing(
                f"Radiation au {_day(end)}", f"Votre adhésion prend fin le {_day(end)}.", True
            )
        case MembershipStatus.WAIVER_REQUESTED:
            return Standing(
                "Dispense demandée, en cours de vérification",
                "Nos services vérifient votre demande de dispense et son justificatif.",
                covered=False,
                next_step="Rien à faire : vous serez prévenu(e) par e-mail de notre réponse.",
            )
        case MembershipStatus.WAIVED:
            if waiver is not None and waiver.end_date:
                return Standing(
                    f"Dispensé(e) jusqu'au {_day(waiver.end_date)}",
                    "Vous êtes dispensé(e) d'adhésion à ce contrat jusqu'au "
                    f"{_day(waiver.end_date)} : vous ne bénéficiez pas de ses garanties.",
                    covered=False,
                    next_step="Avant cette date, envoyez-nous un nouveau justificatif ou "
                    "adhérez au contrat."
                    if _renewable(waiver)
                    else "Cette dispense ne peut pas être prolongée : à cette date, votre "
                    "adhésion au contrat devient obligatoire. Vous pouvez adhérer dès maintenant.",
                )
            return Standing(
                "Dispensé(e) d'adhésion",
                "Vous êtes dispensé(e) d'adhésion à ce contrat : vous ne bénéficiez pas de ses "
                "garanties.",
                covered=False,
            )
        case _:
            return Standing(
                "Déclaration annulée",
                "Votre employeur a annulé cette déclaration : vous ne bénéficiez pas des "
                "garanties de ce contrat.",
                covered=False,
            )


def _renewable(waiver: Waiver) -> bool:
    case = waiver_rules.get_case(waiver.case_code)
    return case is not None and case.renewable


def _terminations(memberships: list[Membership]) -> dict[int, Termination]:
    found = Termination.objects.filter(membership__in=memberships, undone_at=None).order_by(
        "membership_id", "-created_at"
    )
    latest: dict[int, Termination] = {}
    for termination in found:
        latest.setdefault(termination.membership_id, termination)
    return latest


def _granted_waivers(memberships: list[Membership]) -> dict[int, Waiver]:
    """Each membership's waiver in force, with the new proof it waits on (`waiting`)."""
    found = (
        Waiver.objects.filter(membership__in=memberships, status=WaiverStatus.GRANTED)
        .order_by("membership_id", "-pk")
        .prefetch_related(
            Prefetch(
                "renewals",
                queryset=WaiverRenewal.objects.filter(status=RenewalStatus.SUBMITTED),
                to_attr="waiting",
            )
        )
    )
    latest: dict[int, Waiver] = {}
    for waiver in found:
        assert waiver.membership_id is not None
        latest.setdefault(waiver.membership_id, waiver)
    return latest


def _current_cards(memberships: list[Membership]) -> dict[int, MembershipCard]:
    cards = MembershipCard.objects.filter(membership__in=memberships, superseded_at=None)
    return {card.membership_id: card for card in cards}


@member_space
@require_safe
def home(request: HttpRequest, employee: Employee | None) -> HttpResponse:
    """ "Mon espace perso": each membership in plain words, what to do next, the card."""
    memberships = _memberships(employee)
    today = timezone.localdate()
    terminations = _terminations(memberships)
    waivers = _granted_waivers(memberships)
    cards = _current_cards(memberships)
    rows = [
        {
            "membership": m,
            "standing": membership_standing(
                m, today, termination=terminations.get(m.pk), waiver=waivers.get(m.pk)
            ),
            "card": cards.get(m.pk),
            "waiver": (waiver := waivers.get(m.pk)),
            # `waiting`: the new proof being checked, prefetched by `_granted_waivers`.
            "can_renew": bool(
                waiver
                and waiver_ending.offers_renewal(waiver)
                and not getattr(waiver, "waiting", None)
            ),
            "portability": (t := terminations.get(m.pk)) is not None and t.portability,
        }
        for m in memberships
    ]
    context = {"employee": employee, "rows": rows, "section": "home"}
    return render(request, "journey/space.html", context)


@member_space
@require_safe
def card_page(request: HttpRequest, employee: Employee | None, membership_id: int) -> HttpResponse:
    """ "Ma carte mutualiste" on screen, as it prints (the current version), and its PDF."""
    membership = _own_membership(employee, membership_id)
    card = _current_cards([membership]).get(membership.pk)
    if card is None:
        raise Http404("Votre carte mutualiste n'est pas encore disponible.")
    context = {"membership": membership, "card": card, "section": "home"}
    return render(request, "journey/space_card.html", context)


# --- Mes garanties ----------------------------------------------------------------------------


# Past the journey: the cover is the base plan and the option chosen (none: the base alone).
SETTLED = frozenset({MembershipStatus.SIGNED, MembershipStatus.ACTIVE, MembershipStatus.TERMINATED})


def _chosen(membership: Membership) -> bool:
    return (
        membership.coverage_chosen
        or membership.status in SETTLED
        or not membership.contract.is_health
    )


def _costs(membership: Membership) -> Costs | None:
    if not _chosen(membership) or not membership.contract.is_health:
        return None
    try:
        return journey.current_costs(membership)
    except (StopIteration, ValueError):  # the product's rates changed since: not shown
        return None


@member_space
@require_safe
def coverage(request: HttpRequest, employee: Employee | None) -> HttpResponse:
    """ "Mes garanties": the chosen cover, its table, the family's monthly price, the date."""
    rows = []
    for membership in _memberships(employee):
        if membership.status in {
            MembershipStatus.WAIVED,
            MembershipStatus.WAIVER_REQUESTED,
            MembershipStatus.CANCELLED,
        }:
            continue
        products = [membership.insured_group.base_product]
        if membership.option is not None:
            products.append(membership.option)
        rows.append(
            {
                "membership": membership,
                "products": products,
                "costs": _costs(membership),
                "chosen": _chosen(membership),
                "dependants": list(membership.dependants.all()),
            }
        )
    context = {"employee": employee, "rows": rows, "section": "coverage"}
    return render(request, "journey/space_coverage.html", context)


# --- Mes coordonnées --------------------------------------------------------------------------


class ContactForm(CoordinatesForm):
    """ "Mes coordonnées": address and phone (the rules are `contact.check_contact`'s)."""

    FIELD_OF = {"street_name": "street", "street_number": "street", "building": "complement"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].label = "Téléphone portable"
        self.fields["phone"].help_text = "Il reçoit les codes de signature par SMS."
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"
        for name in ("street", "postal_code", "city"):
            self.fields[name].widget.attrs["aria-required"] = "true"

    def to_contact(self) -> contact.Contact:
        data = self.cleaned_data
        return contact.Contact(
            street=data.get("street") or "",
            complement=data.get("complement") or "",
            postal_code=data.get("postal_code") or "",
            city=data.get("city") or "",
            country=data.get("country") or "FRANCE",
            phone=data.get("phone") or "",
        )

    def show(self, error: BusinessError) -> None:
        for problem in error.problems:
            name = self.FIELD_OF.get(problem.field, problem.field)
            self.add_error(name if name in self.fields else None, problem.message)


class EmailForm(forms.Form):
    email = forms.CharField(
        label="Nouvelle adresse e-mail",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"required": "Saisissez votre nouvelle adresse e-mail."},
    )


@member_space
@never_cache
def contact_details(request: HttpRequest, employee: Employee | None) -> HttpResponse:
    """ "Mes coordonnées": the postal address and phone (saved at once, checked like the
    declaration's), the e-mail address (changed once the new address confirms it)."""
    if employee is None:
        raise Http404("Aucune adhésion n'est rattachée à votre compte.")
    user = request.user
    assert isinstance(user, User)
    current = contact.contact_of(employee)
    posted = request.POST if request.method == "POST" else None
    address_form = ContactForm(
        posted if posted and "address" in posted else None, initial=current.__dict__
    )
    email_form = EmailForm(posted if posted and "email_change" in posted else None)
    if address_form.is_bound and address_form.is_valid():
        try:
            corrections = contact.save_contact(
                employee=employee,
                contact=address_form.to_contact(),
                by=user,
                today=timezone.localdate(),
            )
        except BusinessError as error:
            address_form.show(error)
        else:
            messages.success(request, "Vos coordonnées sont enregistrées.")
            for correction in corrections:
                messages.info(request, correction.message)
            return redirect("journey:space_contact")
    if email_form.is_bound and email_form.is_valid():
        try:
            contact.request_email_change(
                employee=employee, email=email_form.cleaned_data["email"], by=user
            )
        except BusinessError as error:
            email_form.add_error("email", error.message)
        else:
            messages.success(
                request,
                "Un lien de confirmation est envoyé à votre nouvelle adresse : elle remplacera "
                "l'actuelle dès que vous l'aurez suivi.",
            )
            return redirect("journey:space_contact")
    status = 200
    if (address_form.is_bound and address_form.errors) or (
        email_form.is_bound and email_form.errors
    ):
        status = 400
    context = {
        "employee": employee,
        "address_form": address_form,
        "email_form": email_form,
        "section": "contact",
    }
    return render(request, "journey/space_contact.html", context, status=status)


@never_cache
def email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link sent to the new address: "Confirmer ma nouvelle adresse e-mail" (a POST: the
    page opened by a mail scanner changes nothing)."""
    try:
        link = contact.email_change_link(token)
    except BusinessError as error:
        return render(request, "journey/space_email_invalid.html", {"error": error}, status=410)
    if request.method == "POST":
        try:
            contact.confirm_email_change(token=token)
        except BusinessError as error:
            return render(request, "journey/space_email_invalid.html", {"error": error}, status=410)
        messages.success(request, "Votre nouvelle adresse e-mail est enregistrée.")
        if request.user.is_authenticated and request.user.pk == link.user_id:
            return redirect("journey:space_contact")
        return redirect("accounts:member_login")
    return render(request, "journey/space_email_confirm.html", {"new_email": link.new_email})


# --- Mes documents ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    title: str
    detail: str
    url: str


def _signed_dossier(membership: Membership) -> bool:
    return SignatureEnvelope.objects.filter(
        membership=membership, purpose=Purpose.ENROLLMENT, status=EnvelopeStatus.SIGNED
    ).exists()


@member_space
@require_safe
def documents(request: HttpRequest, employee: Employee | None) -> HttpResponse:
    """ "Mes documents": the signed dossier, the card, the portability certificate, the waiver
    request, the coverage tables."""
    from django.urls import reverse

    memberships = _memberships(employee)
    cards = _current_cards(memberships)
    terminations = _terminations(memberships)
    groups = []
    for membership in memberships:
        docs: list[Document] = []
        if membership.signed_at and _signed_dossier(membership):
            docs.append(
                Document(
                    "Mon dossier d'adhésion signé",
                    f"Signé le {_day(timezone.localtime(membership.signed_at).date())}",
                    reverse("journey:bulletin_pdf", args=[membership.pk]),
                )
            )
        if membership.pk in cards:
            card = cards[membership.pk]
            docs.append(
                Document(
                    "Ma carte mutualiste",
                    f"Valable du {_day(card.valid_from)} au {_day(card.printed_until)}",
                    reverse("journey:card", args=[membership.pk]),
                )
            )
        termination = terminations.get(membership.pk)
        if termination is not None and termination.portability:
            docs.append(
                Document(
                    "Mon attestation de portabilité",
                    f"Garanties maintenues jusqu'au {_day(termination.portability_last_day)}"
                    if termination.portability_last_day
                    else "",
                    reverse("journey:space_portability", args=[termination.pk]),
                )
            )
        if membership.waivers.exclude(signed_request_pdf="").exists():
            docs.append(
                Document(
                    "Ma demande de dispense signée",
                    "",
                    reverse("journey:waiver_pdf", args=[membership.pk]),
                )
            )
        products = [membership.insured_group.base_product]
        if membership.option is not None:
            products.append(membership.option)
        for product in products:
            if product.coverage_table:
                docs.append(
                    Document(
                        f"Tableau de garanties — {product.label}",
                        "",
                        reverse("journey:coverage_table", args=[membership.pk, product.pk]),
                    )
                )
        groups.append({"membership": membership, "documents": docs})
    context = {
        "employee": employee,
        "groups": groups,
        "section": "documents",
        "portability": any(t.portability for t in terminations.values()),
    }
    return render(request, "journey/space_documents.html", context)


@member_space
@require_safe
def portability(
    request: HttpRequest, employee: Employee | None, termination_id: int
) -> HttpResponse:
    """ "Mon attestation de portabilité", as it was sent (rendered from the termination)."""
    termination = (
        Termination.objects.select_related("membership__employee", "membership__contract__company")
        .filter(
            pk=termination_id,
            membership__employee=employee,
            portability=True,
            undone_at=None,
        )
        .first()
        if employee is not None
        else None
    )
    if termination is None:
        raise Http404("Attestation introuvable.")
    audit.record(
        AuditAction.MEMBER_DOCUMENT_DOWNLOADED,
        by=request.user,
        target=termination.membership,
        document="portability_certificate",
    )
    response = HttpResponse(portability_certificate(termination), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="attestation-portabilite.pdf"'
    return response


# --- Mes demandes -----------------------------------------------------------------------------

# The timeline the employer sees, minus what is the employer's or the insurer's own business:
# the employer's letters and cancellations of its own declarations are shown, the staff's
# internal handling ("Je prends", reassignments) is not.


@member_space
@require_safe
def my_requests(request: HttpRequest, employee: Employee | None) -> HttpResponse:
    """ "Mes demandes": the member's requests (affiliation, waiver, termination) with their
    timeline, and what they asked themselves (beneficiaries, documents)."""
    requests: list[Request] = []
    if employee is not None:
        events = RequestEvent.objects.exclude(kind__in=STAFF_ONLY_EVENTS).order_by("at", "pk")
        requests = list(
            Request.objects.filter(employee=employee)
            .exclude(reason=Reason.DEATH)
            .select_related("membership__contract")
            .prefetch_related(Prefetch("events", queryset=events, to_attr="shown_events"))
            .order_by("-created_at", "-pk")
        )
    context = {
        "employee": employee,
        "requests": requests,
        "member_requests": member_requests_of(employee.pk) if employee is not None else [],
        "section": "requests",
    }
    return render(request, "journey/space_requests.html", context)
