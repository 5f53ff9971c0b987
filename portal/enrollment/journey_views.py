"""The employee's enrollment steps, from "Mon profil" to "Votre adhésion est terminée !"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from portal.accounts.models import Role, User
from portal.companies.models import Product
from portal.core.errors import BusinessError
from portal.enrollment import journey
from portal.enrollment.forms import BankForm, DependantForm, ProfileForm
from portal.enrollment.models import (
    JOURNEY_ORDER,
    DebitMandate,
    JourneyStep,
    Membership,
    MembershipStatus,
)
from portal.signatures import services as signing
from portal.signatures.journey import sign_enrollment
from portal.signatures.models import EnvelopeStatus, Purpose, SignatureEnvelope
from portal.waivers import rules as waiver_rules
from portal.waivers import services as waiver_services
from portal.waivers.models import Waiver, WaiverStatus

View = Callable[..., HttpResponse | FileResponse]
STEP_URLS = {
    JourneyStep.PROFILE: "enrollment:profile",
    JourneyStep.DEPENDANTS: "enrollment:dependants",
    JourneyStep.COVERAGE: "enrollment:coverage",
    JourneyStep.BANK: "enrollment:bank",
    JourneyStep.SIGNATURE: "enrollment:signature",
}


def member_view(view: View) -> View:
    """Logged-in employees only, on their own membership (another one is a 404)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, membership_id: int, *args: Any, **kwargs: Any) -> Any:
        user = request.user
        assert isinstance(user, User)
        if user.role != Role.MEMBER:
            raise PermissionDenied
        try:
            membership = journey.get_membership_for_member(user, membership_id)
        except Membership.DoesNotExist as missing:
            raise Http404 from missing
        return view(request, membership, *args, **kwargs)

    return wrapper


def _context(membership: Membership, step: JourneyStep, **extra: Any) -> dict[str, Any]:
    steps = [
        {
            "label": s.label,
            "done": membership.step_done(s),
            "current": s == step,
            "url": reverse(STEP_URLS[s], args=[membership.pk]),
            "reachable": s == JOURNEY_ORDER[0] or membership.step_done(JOURNEY_ORDER[i - 1]),
        }
        for i, s in enumerate(JOURNEY_ORDER)
    ]
    return {"membership": membership, "employee": membership.employee, "steps": steps, **extra}


def _step_url(membership: Membership, step: JourneyStep) -> str:
    return reverse(STEP_URLS[step], args=[membership.pk])


def _finished_url(membership: Membership) -> str:
    """The last page of a journey that cannot be changed any more (signed or waived)."""
    name = "waiver_done" if membership.status == MembershipStatus.WAIVED else "done"
    return reverse(f"enrollment:{name}", args=[membership.pk])


def _signed(request: HttpRequest, membership: Membership) -> HttpResponse | None:
    """The steps are closed once signed (or waived): back to the end of the journey; and
    when the 60 days of the invitation are over: the page says what to do instead."""
    if not membership.editable_by_employee:
        messages.info(request, journey.SIGNED_ALREADY)
        return redirect(_finished_url(membership))
    if journey.online_deadline_passed(membership, timezone.now()):
        return render(
            request,
            "enrollment/journey/expired.html",
            _context(membership, JourneyStep.PROFILE),
            status=410,
        )
    return None


@member_view
def resume(request: HttpRequest, membership: Membership) -> HttpResponse:
    """ "Finaliser mon adhésion": back where the employee left off."""
    if not membership.editable_by_employee:
        return redirect(_finished_url(membership))
    return redirect(_step_url(membership, journey.next_step(membership)))


@member_view
def profile(request: HttpRequest, membership: Membership) -> HttpResponse:
    """ "Mon profil", with the guide's dialog for fields the employee may leave wrong."""
    if (response := _signed(request, membership)) is not None:
        return response
    today = timezone.localdate()
    current = journey.profile_of(membership.employee)
    form = ProfileForm(request.POST or None, initial=ProfileForm.initial_from(current))
    warnings: list[str] = []
    if request.method == "POST" and form.is_valid():
        check = journey.check_profile(membership, form.to_profile(), today=today)
        if check.errors:
            form.show(check.errors)
        elif "cancel" in request.POST:
            pass  # "Annuler" in the dialog: back to the form as typed, to correct it
        elif check.warnings and "continue" not in request.POST:
            warnings = [w.message for w in check.warnings]
        else:
            try:
                journey.save_profile(
                    membership=membership, profile=form.to_profile(), by=_user(request), today=today
                )
            except BusinessError as error:
                form.add_error(None, error.message)
            else:
                return redirect(_step_url(membership, JourneyStep.DEPENDANTS))
    context = _context(membership, JourneyStep.PROFILE, form=form, warnings=warnings)
    return render(request, "enrollment/journey/profile.html", context)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@member_view
def dependants(request: HttpRequest, membership: Membership) -> HttpResponse:
    """ "Mes bénéficiaires": the list, "Ajouter un bénéficiaire", "Poursuivre sans bénéficiaire"."""
    if (response := _signed(request, membership)) is not None:
        return response
    if not membership.step_done(JourneyStep.PROFILE):
        return redirect(_step_url(membership, JourneyStep.PROFILE))
    if request.method == "POST":
        try:
            journey.finish_dependants(membership=membership, by=_user(request))
        except BusinessError as error:
            messages.error(request, error.message)
        else:
            return redirect(_step_url(membership, JourneyStep.COVERAGE))
    context = _context(
        membership, JourneyStep.DEPENDANTS, dependants=list(membership.dependants.all())
    )
    return render(request, "enrollment/journey/dependants.html", context)


@member_view
def dependant(
    request: HttpRequest, membership: Membership, dependant_id: int | None = None
) -> HttpResponse:
    """ "Bénéficiaire": add one, or edit it ("Enregistrer" / "Annuler")."""
    if (response := _signed(request, membership)) is not None:
        return response
    if not membership.step_done(JourneyStep.PROFILE):
        return redirect(_step_url(membership, JourneyStep.PROFILE))
    employee = membership.employee
    existing = None
    if dependant_id is not None:
        existing = membership.dependants.filter(pk=dependant_id).first()
        if existing is None:
            raise Http404
    initial = DependantForm.initial_from(existing, employee.nir) if existing else None
    form = DependantForm(
        request.POST or None,
        initial=initial,
        member_name=employee.full_name,
        member_nir=employee.nir,
    )
    if request.method == "POST" and form.is_valid():
        today = timezone.localdate()
        facts, address = form.to_facts(), form.to_address()
        problems = journey.check_dependant(
            membership, facts, address, editing=dependant_id, today=today
        )
        if problems:
            form.show(problems)
        else:
            try:
                journey.save_dependant(
                    membership=membership,
                    facts=facts,
                    address=address,
                    dependant_id=dependant_id,
                    by=_user(request),
                    today=today,
                )
            except BusinessError as error:
                form.add_error(None, error.message)
            else:
                return redirect(_step_url(membership, JourneyStep.DEPENDANTS))
    context = _context(membership, JourneyStep.DEPENDANTS, form=form, dependant=existing)
    return render(request, "enrollment/journey/dependant.html", context)


@member_view
def remove_dependant(
    request: HttpRequest, membership: Membership, dependant_id: int
) -> HttpResponse:
    """ "Supprimer" (POST only)."""
    if request.method != "POST":
        return redirect(_step_url(membership, JourneyStep.DEPENDANTS))
    try:
        journey.remove_dependant(
            membership=membership, dependant_id=dependant_id, by=_user(request)
        )
    except BusinessError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Le bénéficiaire a été supprimé.")
    return redirect(_step_url(membership, JourneyStep.DEPENDANTS))


@member_view
def coverage(request: HttpRequest, membership: Membership) -> HttpResponse:
    """ "Mes garanties": the offered choices as cards, with what each costs the employee."""
    if (response := _signed(request, membership)) is not None:
        return response
    if not membership.step_done(JourneyStep.DEPENDANTS):
        return redirect(_step_url(membership, journey.next_step(membership)))
    choices = journey.offers(membership)
    error = ""
    if request.method == "POST":
        raw = request.POST.get("option", "")
        if raw not in {"base", *(str(o.option.pk) for o in choices if o.option)}:
            error = "Choisissez une des garanties proposées."
        else:
            try:
                journey.choose_coverage(
                    membership=membership,
                    option_id=None if raw == "base" else int(raw),
                    by=_user(request),
                )
            except BusinessError as failure:
                error = failure.message
            else:
                return redirect(_step_url(membership, JourneyStep.BANK))
    selected = (
        ("base" if membership.option_id is None else str(membership.option_id))
        if membership.coverage_chosen
        else ""
    )
    context = _context(
        membership, JourneyStep.COVERAGE, offers=choices, selected=selected, error=error
    )
    return render(request, "enrollment/journey/coverage.html", context)


@member_view
def coverage_table(
    request: HttpRequest, membership: Membership, product_id: int
) -> HttpResponse | FileResponse:
    """ "Voir les garanties": the coverage table of a product offered to the member."""
    group = membership.insured_group
    offered = [group.base_product_id, *group.option_products.values_list("pk", flat=True)]
    if product_id not in offered:
        raise Http404
    product = Product.objects.get(pk=product_id)
    if not product.coverage_table:
        raise Http404("Tableau de garanties non disponible.")
    return FileResponse(
        product.coverage_table.open("rb"),
        as_attachment=True,
        filename=f"Tableau de garanties {product.code.replace('/', '-')}.pdf",
        content_type="application/pdf",
    )


@member_view
def bank(request: HttpRequest, membership: Membership) -> HttpResponse:
    """ "Mes coordonnées bancaires" — only when the employee pays something."""
    if (response := _signed(request, membership)) is not None:
        return response
    if not membership.step_done(JourneyStep.COVERAGE):
        return redirect(_step_url(membership, journey.next_step(membership)))
    needed = journey.needs_bank_details(membership)
    dependants = list(membership.dependants.all())
    form = BankForm(
        request.POST or None,
        initial=BankForm.initial_from(membership),
        dependants=dependants,
    )
    if request.method == "POST":
        try:
            if not needed:
                journey.skip_bank_details(membership=membership, by=_user(request))
                return redirect(_step_url(membership, JourneyStep.SIGNATURE))
            if form.is_valid():
                details = form.to_details()
                problems = journey.check_bank_details(membership, details)
                if problems:
                    form.show(problems)
                else:
                    journey.save_bank_details(
                        membership=membership, details=details, by=_user(request)
                    )
                    return redirect(_step_url(membership, JourneyStep.SIGNATURE))
        except BusinessError as error:
            form.add_error(None, error.message)
    costs = journey.current_costs(membership)
    context = _context(membership, JourneyStep.BANK, form=form, needed=needed, costs=costs)
    return render(request, "enrollment/journey/bank.html", context)


# --- Signature électronique ---------------------------------------------------------------------


def _ready_to_sign(membership: Membership) -> bool:
    return membership.step_done(JourneyStep.BANK)


@member_view
def signature(request: HttpRequest, membership: Membership) -> HttpResponse:
    """ "Bientôt terminé !" (1/4)."""
    if (response := _signed(request, membership)) is not None:
        return response
    if not _ready_to_sign(membership):
        return redirect(_step_url(membership, journey.next_step(membership)))
    return render(
        request, "enrollment/journey/signature.html", _context(membership, JourneyStep.SIGNATURE)
    )


@member_view
def summary(request: HttpRequest, membership: Membership) -> HttpResponse:
    """ "Récapitulatif — Veuillez relire vos informations saisies" (2/4), then "Valider"."""
    if (response := _signed(request, membership)) is not None:
        return response
    if not _ready_to_sign(membership):
        return redirect(_step_url(membership, journey.next_step(membership)))
    if request.method == "POST":
        try:
            journey.confirm_summary(
                membership=membership,
                offers_consent=request.POST.get("offers") == "on",
                by=_user(request),
            )
        except BusinessError as error:
            messages.error(request, error.message)
        else:
            return redirect("enrollment:bulletin", membership.pk)
    mandate = DebitMandate.objects.filter(membership=membership).select_related("account").first()
    context = _context(
        membership,
        JourneyStep.SIGNATURE,
        dependants=list(membership.dependants.all()),
        accounts={(a.purpose, a.dependant_id): a for a in membership.bank_accounts.all()},
        mandate=mandate,
        costs=journey.current_costs(membership),
    )
    return render(request, "enrollment/journey/summary.html", context)


def _open_envelope(
    membership: Membership, purpose: str = Purpose.ENROLLMENT
) -> SignatureEnvelope | None:
    return (
        SignatureEnvelope.objects.filter(membership=membership, purpose=purpose)
        .exclude(status=EnvelopeStatus.ABANDONED)
        .order_by("-pk")
        .first()
    )


@member_view
def bulletin(request: HttpRequest, membership: Membership) -> HttpResponse:
    """ "Mon bulletin d'inscription" (3/4): the dossier to read, the two boxes, "Signer"."""
    if (response := _signed(request, membership)) is not None:
        return response
    if not _ready_to_sign(membership):
        return redirect(_step_url(membership, journey.next_step(membership)))
    meta = signing.RequestMeta.from_request(request)
    envelope = _open_envelope(membership)
    if request.method == "GET" or envelope is None:
        # The dossier as it stands now (the employee may have come back to change it).
        envelope = signing.prepare_envelope(
            membership=membership,
            purpose=Purpose.ENROLLMENT,
            documents=[("Dossier d'adhésion", "enrollment", journey.dossier_pdf(membership))],
            by=_user(request),
            meta=meta,
        )
    error = ""
    if request.method == "POST":
        ticked = [request.POST.get(f"consent{i}") == "on" for i in (1, 2)]
        if not all(ticked):
            error = "Veuillez cocher les cases ci-dessus"
        else:
            for wording in journey.BULLETIN_CONSENTS:
                signing.record_consent(
                    envelope=envelope,
                    wording=wording,
                    version=journey.CONSENTS_VERSION,
                    meta=meta,
                )
            return redirect("enrollment:sms", membership.pk)
    context = _context(
        membership,
        JourneyStep.SIGNATURE,
        envelope=envelope,
        consents=journey.BULLETIN_CONSENTS,
        error=error,
        bulletins=1,
    )
    return render(request, "enrollment/journey/bulletin.html", context)


@member_view
def bulletin_pdf(request: HttpRequest, membership: Membership) -> HttpResponse | FileResponse:
    """ "Télécharger mon bulletin d'adhésion": the dossier shown (signed, once signed)."""
    envelope = (
        SignatureEnvelope.objects.filter(membership=membership, purpose=Purpose.ENROLLMENT)
        .exclude(status=EnvelopeStatus.ABANDONED)
        .order_by("-pk")
        .first()
    )
    if envelope is None:
        raise Http404
    document = envelope.documents.order_by("pk").first()
    if document is None:
        raise Http404
    signed = envelope.status == EnvelopeStatus.SIGNED and bool(document.signed_file)
    file = document.signed_file if signed else document.unsigned_file
    name = "dossier-adhesion-signe.pdf" if signed else "bulletin-adhesion.pdf"
    return FileResponse(
        file.open("rb"), as_attachment=True, filename=name, content_type="application/pdf"
    )


PAGES: dict[str, tuple[str, str, str, str]] = {
    # purpose: (the page with the boxes to tick, "sms", "code", the last page)
    Purpose.ENROLLMENT: ("bulletin", "sms", "code", "done"),
    Purpose.WAIVER: ("waiver_sign", "waiver_sms", "waiver_code", "waiver_done"),
}


@member_view
def sms(
    request: HttpRequest, membership: Membership, purpose: str = Purpose.ENROLLMENT
) -> HttpResponse:
    """ "Votre numéro de téléphone portable" → "Envoyer le sms" (4/4)."""
    if (response := _signed(request, membership)) is not None:
        return response
    consent_page, _, code_page, _ = PAGES[purpose]
    envelope = _open_envelope(membership, purpose)
    if envelope is None or not envelope.consents.exists():
        return redirect(f"enrollment:{consent_page}", membership.pk)
    error = ""
    phone = request.POST.get("phone", membership.employee.phone)
    if request.method == "POST":
        try:
            signing.send_code(
                envelope=envelope, phone=phone, meta=signing.RequestMeta.from_request(request)
            )
        except BusinessError as failure:
            error = failure.message
        else:
            return redirect(f"enrollment:{code_page}", membership.pk)
    step = JourneyStep.SIGNATURE if purpose == Purpose.ENROLLMENT else JourneyStep.PROFILE
    context = _context(membership, step, phone=phone, error=error, back=consent_page)
    return render(request, "enrollment/journey/sms.html", context)


def _complete(envelope: SignatureEnvelope, membership: Membership, user: User) -> None:
    """What the signature changes: the enrollment signed, or the waiver granted."""
    if envelope.purpose == Purpose.ENROLLMENT:
        sign_enrollment(envelope=envelope, by=user)
        return
    requested = _requested_waiver(membership)
    document = envelope.documents.order_by("pk").first()
    if requested is None or document is None:
        return
    with document.signed_file.open("rb") as handle:
        signed_pdf = handle.read()
    waiver_services.grant_after_signature(waiver=requested, signed_request_pdf=signed_pdf, by=user)


@member_view
def code(
    request: HttpRequest, membership: Membership, purpose: str = Purpose.ENROLLMENT
) -> HttpResponse:
    """ "Veuillez saisir le code reçu sur votre téléphone" → "Signer"; "Je n'ai pas reçu le
    code"."""
    if (response := _signed(request, membership)) is not None:
        return response
    _, sms_page, code_page, done_page = PAGES[purpose]
    envelope = _open_envelope(membership, purpose)
    if envelope is None or envelope.status != EnvelopeStatus.CODE_SENT:
        return redirect(f"enrollment:{sms_page}", membership.pk)
    meta = signing.RequestMeta.from_request(request)
    error = ""
    if request.method == "POST" and "resend" in request.POST:
        try:
            signing.send_code(envelope=envelope, phone=envelope.phone, meta=meta)
        except BusinessError as failure:
            error = failure.message
        else:
            messages.success(request, "Un nouveau code vous a été envoyé.")
            return redirect(f"enrollment:{code_page}", membership.pk)
    elif request.method == "POST":
        # Not in a transaction of ours: a wrong code must stay counted (signatures.services).
        try:
            signed_envelope = signing.verify_code(
                envelope=envelope, code=request.POST.get("code", ""), meta=meta
            )
        except BusinessError as failure:
            if failure.code != "envelope_signed":  # a second click on "Signer": done already
                error = failure.message
        else:
            _complete(signed_envelope, membership, _user(request))
        if not error:
            return redirect(f"enrollment:{done_page}", membership.pk)
    step = JourneyStep.SIGNATURE if purpose == Purpose.ENROLLMENT else JourneyStep.PROFILE
    context = _context(membership, step, envelope=envelope, error=error)
    return render(request, "enrollment/journey/code.html", context)


@member_view
def done(request: HttpRequest, membership: Membership) -> HttpResponse:
    """ "Votre adhésion est terminée !" and "Télécharger mon dossier"."""
    if membership.signed_at is None:
        return redirect(
            _finished_url(membership)
            if membership.status == MembershipStatus.WAIVED
            else reverse("enrollment:resume", args=[membership.pk])
        )
    return render(
        request, "enrollment/journey/done.html", _context(membership, JourneyStep.SIGNATURE)
    )


# --- Dispense d'adhésion (instead of enrolling) --------------------------------------------------


@member_view
def waiver(request: HttpRequest, membership: Membership) -> HttpResponse:
    """ "Demander une dispense d'adhésion": the legal case, its proof, the end date it implies."""
    if (response := _signed(request, membership)) is not None:
        return response
    company = membership.contract.company
    if not company.waivers_enabled:
        raise Http404
    cases = waiver_services.offered_cases(membership)
    errors: dict[str, list[str]] = {}
    chosen = request.POST.get("case", "")
    if request.method == "POST":
        raw_end = request.POST.get("end_date", "")
        end_date = None
        if raw_end:
            try:
                end_date = date.fromisoformat(raw_end)
            except ValueError:
                errors["end_date"] = ["Saisissez une date valide (jj/mm/aaaa)."]
        upload = request.FILES.get("proof")
        if not chosen:
            errors["case"] = ["Choisissez le cas de dispense qui correspond à votre situation."]
        if not errors:
            try:
                waiver_services.request_waiver(
                    membership=membership,
                    case_code=chosen,
                    end_date=end_date,
                    proof_name=upload.name or "" if upload else "",
                    proof_data=upload.read() if upload else None,
                    by=_user(request),
                    today=timezone.localdate(),
                )
            except waiver_services.WaiverRequestRejected as rejected:
                for problem in rejected.problems:
                    errors.setdefault(problem.field, []).append(problem.message)
            except BusinessError as failure:
                errors.setdefault("case", []).append(failure.message)
            else:
                return redirect("enrollment:waiver_sign", membership.pk)
    context = _context(
        membership,
        JourneyStep.PROFILE,
        cases=cases,
        chosen=chosen,
        errors=errors,
        end_date=request.POST.get("end_date", ""),
        consequences=waiver_rules.CONSEQUENCES_STATEMENT,
        max_megabytes=settings.PROOF_MAX_MEGABYTES,
    )
    return render(request, "enrollment/journey/waiver.html", context)


def _requested_waiver(membership: Membership) -> Waiver | None:
    return (
        Waiver.objects.filter(membership=membership, status=WaiverStatus.REQUESTED)
        .order_by("-pk")
        .first()
    )


@member_view
def waiver_sign(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The written request to read, the consequences box to tick, then the SMS code."""
    if (response := _signed(request, membership)) is not None:
        return response
    requested = _requested_waiver(membership)
    if requested is None:
        return redirect("enrollment:waiver", membership.pk)
    meta = signing.RequestMeta.from_request(request)
    envelope = _open_envelope(membership, Purpose.WAIVER)
    if request.method == "GET" or envelope is None:
        with requested.request_pdf.open("rb") as handle:
            pdf = handle.read()
        envelope = signing.prepare_envelope(
            membership=membership,
            purpose=Purpose.WAIVER,
            documents=[("Demande de dispense d'adhésion", "waiver", pdf)],
            by=_user(request),
            meta=meta,
        )
    error = ""
    if request.method == "POST":
        if request.POST.get("consequences") != "on":
            error = "Veuillez cocher la case ci-dessus"
        else:
            signing.record_consent(
                envelope=envelope,
                wording=waiver_rules.CONSEQUENCES_STATEMENT,
                version=journey.CONSENTS_VERSION,
                meta=meta,
            )
            return redirect("enrollment:waiver_sms", membership.pk)
    context = _context(
        membership,
        JourneyStep.PROFILE,
        waiver=requested,
        case=waiver_rules.get_case(requested.case_code),
        consequences=waiver_rules.CONSEQUENCES_STATEMENT,
        error=error,
    )
    return render(request, "enrollment/journey/waiver_sign.html", context)


@member_view
def waiver_pdf(request: HttpRequest, membership: Membership) -> HttpResponse | FileResponse:
    """The written request, as shown (or as signed, once signed)."""
    found = (
        Waiver.objects.filter(membership=membership).exclude(request_pdf="").order_by("-pk").first()
    )
    if found is None:
        raise Http404
    signed = bool(found.signed_request_pdf)
    file = found.signed_request_pdf if signed else found.request_pdf
    return FileResponse(
        file.open("rb"),
        as_attachment=True,
        filename="demande-de-dispense-signee.pdf" if signed else "demande-de-dispense.pdf",
        content_type="application/pdf",
    )


@member_view
def waiver_done(request: HttpRequest, membership: Membership) -> HttpResponse:
    """ "Votre demande de dispense est enregistrée"."""
    granted = Waiver.objects.filter(membership=membership, status=WaiverStatus.GRANTED).first()
    if granted is None:
        return redirect("enrollment:waiver", membership.pk)
    context = _context(
        membership,
        JourneyStep.PROFILE,
        waiver=granted,
        case=waiver_rules.get_case(granted.case_code),
    )
    return render(request, "enrollment/journey/waiver_done.html", context)
