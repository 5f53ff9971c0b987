"""The end of the employee's journey: the summary, the dossier, the SMS signature — and the
waiver ("dispense") asked instead of enrolling, signed the same way."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from portal.accounts.models import User
from portal.core.errors import BusinessError
from portal.enrollment import journey
from portal.enrollment.journey_views import (
    closed_response,
    current_user,
    member_view,
    step_context,
    step_url,
)
from portal.enrollment.models import DebitMandate, JourneyStep, Membership, MembershipStatus
from portal.signatures import services as signing
from portal.signatures.journey import sign_enrollment
from portal.signatures.models import EnvelopeStatus, Purpose, SignatureEnvelope
from portal.waivers import rules as waiver_rules
from portal.waivers import services as waiver_services
from portal.waivers.models import Waiver, WaiverStatus

# --- Signature électronique ---------------------------------------------------------------------


def _ready_to_sign(membership: Membership) -> bool:
    return membership.step_done(JourneyStep.BANK)


@member_view
def signature(request: HttpRequest, membership: Membership) -> HttpResponse:
    """ "Bientôt terminé !" (1/4)."""
    if (response := closed_response(request, membership)) is not None:
        return response
    if not _ready_to_sign(membership):
        return redirect(step_url(membership, journey.next_step(membership)))
    return render(
        request,
        "enrollment/journey/signature.html",
        step_context(membership, JourneyStep.SIGNATURE),
    )


@member_view
def summary(request: HttpRequest, membership: Membership) -> HttpResponse:
    """ "Récapitulatif — Veuillez relire vos informations saisies" (2/4), then "Valider"."""
    if (response := closed_response(request, membership)) is not None:
        return response
    if not _ready_to_sign(membership):
        return redirect(step_url(membership, journey.next_step(membership)))
    if request.method == "POST":
        try:
            journey.confirm_summary(
                membership=membership,
                offers_consent=request.POST.get("offers") == "on",
                by=current_user(request),
            )
        except BusinessError as error:
            messages.error(request, error.message)
        else:
            return redirect("enrollment:bulletin", membership.pk)
    mandate = DebitMandate.objects.filter(membership=membership).select_related("account").first()
    context = step_context(
        membership,
        JourneyStep.SIGNATURE,
        dependants=list(membership.dependants.all()),
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
    if (response := closed_response(request, membership)) is not None:
        return response
    if not _ready_to_sign(membership):
        return redirect(step_url(membership, journey.next_step(membership)))
    meta = signing.RequestMeta.from_request(request)
    envelope = _open_envelope(membership)
    if request.method == "GET" or envelope is None:
        # The dossier as it stands now (the employee may have come back to change it).
        envelope = signing.prepare_envelope(
            membership=membership,
            purpose=Purpose.ENROLLMENT,
            documents=[("Dossier d'adhésion", "enrollment", journey.dossier_pdf(membership))],
            by=current_user(request),
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
    context = step_context(
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
    if (response := closed_response(request, membership)) is not None:
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
    context = step_context(membership, step, phone=phone, error=error, back=consent_page)
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
    if (response := closed_response(request, membership)) is not None:
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
            _complete(signed_envelope, membership, current_user(request))
        if not error:
            return redirect(f"enrollment:{done_page}", membership.pk)
    step = JourneyStep.SIGNATURE if purpose == Purpose.ENROLLMENT else JourneyStep.PROFILE
    context = step_context(membership, step, envelope=envelope, error=error)
    return render(request, "enrollment/journey/code.html", context)


@member_view
def done(request: HttpRequest, membership: Membership) -> HttpResponse:
    """ "Votre adhésion est terminée !" and "Télécharger mon dossier"."""
    if membership.editable_by_employee:
        return redirect("enrollment:resume", membership.pk)
    if membership.status == MembershipStatus.WAIVED:
        return redirect("enrollment:waiver_done", membership.pk)
    return render(
        request, "enrollment/journey/done.html", step_context(membership, JourneyStep.SIGNATURE)
    )


# --- Dispense d'adhésion (instead of enrolling) --------------------------------------------------


@member_view
def waiver(request: HttpRequest, membership: Membership) -> HttpResponse:
    """ "Demander une dispense d'adhésion": the legal case, its proof, the end date it implies."""
    if (response := closed_response(request, membership)) is not None:
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
                    by=current_user(request),
                    today=timezone.localdate(),
                )
            except BusinessError as rejected:
                for problem in rejected.problems:
                    errors.setdefault(problem.field or "case", []).append(problem.message)
            else:
                return redirect("enrollment:waiver_sign", membership.pk)
    context = step_context(
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
    if (response := closed_response(request, membership)) is not None:
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
            by=current_user(request),
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
    context = step_context(
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
    context = step_context(
        membership,
        JourneyStep.PROFILE,
        waiver=granted,
        case=waiver_rules.get_case(granted.case_code),
    )
    return render(request, "enrollment/journey/waiver_done.html", context)
