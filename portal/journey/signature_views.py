"""The end of the employee's journey: the summary, the dossier, the SMS signature — and the
waiver ("dispense") asked instead of enrolling, signed the same way."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from portal.core.errors import BusinessError
from portal.core.nir import format_nir
from portal.enrollment import journey
from portal.enrollment.banking import mask_iban
from portal.enrollment.dossiers import Dossier
from portal.enrollment.models import (
    AccountPurpose,
    BankAccount,
    Dependant,
    JourneyStep,
    Membership,
    MembershipStatus,
)
from portal.journey import sms_signing
from portal.journey.journey_views import (
    closed_response,
    current_user,
    member_view,
    step_context,
    step_url,
)
from portal.signatures import services as signing
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
        "journey/signature.html",
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
        user = current_user(request)
        try:
            journey.confirm_summary(
                membership=membership,
                offers_consent=request.POST.get("offers") == "on",
                by=user,
            )
            # The dossier as it stands now, made once here: the bulletin page only shows it.
            signing.prepare_envelope(
                membership=membership,
                purpose=Purpose.ENROLLMENT,
                by=user,
                meta=signing.RequestMeta.from_request(request),
            )
        except BusinessError as error:
            messages.error(request, error.message)
        else:
            return redirect("journey:bulletin", membership.pk)
    mandate = membership.live_mandate()
    dependants = list(membership.dependants.select_related("benefits_account"))
    costs = journey.current_costs(membership)
    benefits = BankAccount.objects.filter(
        membership=membership, purpose=AccountPurpose.BENEFITS, dependant=None
    ).first()
    context = step_context(
        membership,
        JourneyStep.SIGNATURE,
        dependants=[
            (d, _dependant_nir(d, membership), _shown_account(_own_account(d))) for d in dependants
        ],
        mandate=mandate,
        **journey.debit_schedule(mandate, costs),
        debit_account=_shown_account(mandate.account if mandate else None),
        benefits_account=_shown_account(benefits),
        nir=_shown_nir(membership.employee.nir),
        costs=costs,
        covers=journey.provident_covers(Dossier.of(membership)),
    )
    return render(request, "journey/summary.html", context)


def _own_account(dependant: Dependant) -> BankAccount | None:
    try:
        return dependant.benefits_account
    except BankAccount.DoesNotExist:
        return None


def _shown_account(account: BankAccount | None) -> dict[str, str] | None:
    """An account as the summary shows it: its holder, the IBAN masked, the BIC."""
    if account is None:
        return None
    return {"holder": account.holder, "iban": mask_iban(account.iban), "bic": account.bic}


def _dependant_nir(dependant: Dependant, membership: Membership) -> str:
    """ "Numéro de sécurité sociale": the dependant's own, else the one they are attached to."""
    return _shown_nir(dependant.nir or dependant.parent_nir or membership.employee.nir)


def _shown_nir(nir: str) -> str:
    try:
        return format_nir(nir)
    except ValueError:
        return nir


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
    envelope = _open_envelope(membership)
    if envelope is None or not envelope.is_open:
        # The dossier is made by "Valider" on the summary, never by showing this page.
        return redirect("journey:summary", membership.pk)
    meta = signing.RequestMeta.from_request(request)
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
            return redirect("journey:sms", membership.pk)
    context = step_context(
        membership,
        JourneyStep.SIGNATURE,
        envelope=envelope,
        consents=journey.BULLETIN_CONSENTS,
        error=error,
        bulletins=len(Dossier.of(membership)),
    )
    return render(request, "journey/bulletin.html", context)


@member_view
def bulletin_pdf(request: HttpRequest, membership: Membership) -> HttpResponse | FileResponse:
    """ "Télécharger mon bulletin d'adhésion": the dossier shown (signed, once signed). The
    dossier is its lead's: the provident membership signed with it downloads the same one."""
    lead = Dossier.of(membership).lead
    envelope = (
        SignatureEnvelope.objects.filter(membership=lead, purpose=Purpose.ENROLLMENT)
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
    if not file:  # deleted at the end of its retention (portal/core/retention.py)
        raise Http404("Ce document n'est plus conservé.")
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
        return redirect(f"journey:{consent_page}", membership.pk)
    # The mobile number given in "Mon profil" is the default.
    phone = request.POST.get("phone", membership.employee.phone)
    error = sms_signing.send_code(request, envelope, phone) if request.method == "POST" else ""
    if request.method == "POST" and not error:
        return redirect(f"journey:{code_page}", membership.pk)
    step = JourneyStep.SIGNATURE if purpose == Purpose.ENROLLMENT else JourneyStep.PROFILE
    context = step_context(membership, step, phone=phone, error=error, back=consent_page)
    return render(request, "journey/sms.html", context)


@member_view
def code(
    request: HttpRequest, membership: Membership, purpose: str = Purpose.ENROLLMENT
) -> HttpResponse:
    """ "Veuillez saisir le code reçu sur votre téléphone" → "Signer"; "Je n'ai pas reçu le
    code"."""
    if (response := closed_response(request, membership)) is not None:
        return response
    consent_page, sms_page, code_page, done_page = PAGES[purpose]
    envelope = _open_envelope(membership, purpose)
    if envelope is None or envelope.status != EnvelopeStatus.CODE_SENT:
        return redirect(f"journey:{sms_page}", membership.pk)
    error = ""
    if request.method == "POST":
        outcome = sms_signing.post_code(request, envelope)
        if outcome.next == sms_signing.Next.RESENT:
            return redirect(f"journey:{code_page}", membership.pk)
        if outcome.next == sms_signing.Next.CHANGED:
            return redirect(f"journey:{consent_page}", membership.pk)
        if outcome.next == sms_signing.Next.SIGNED:
            return redirect(f"journey:{done_page}", membership.pk)
        error = outcome.error
    step = JourneyStep.SIGNATURE if purpose == Purpose.ENROLLMENT else JourneyStep.PROFILE
    context = step_context(membership, step, envelope=envelope, error=error)
    return render(request, "journey/code.html", context)


@member_view
def done(request: HttpRequest, membership: Membership) -> HttpResponse:
    """ "Votre adhésion est terminée !" and "Télécharger mon dossier"."""
    if membership.editable_by_employee:
        return redirect("journey:resume", membership.pk)
    if membership.status in {MembershipStatus.WAIVER_REQUESTED, MembershipStatus.WAIVED}:
        return redirect("journey:waiver_done", membership.pk)
    return render(request, "journey/done.html", step_context(membership, JourneyStep.SIGNATURE))


# --- Dispense d'adhésion (instead of enrolling) --------------------------------------------------


@member_view
def waiver(request: HttpRequest, membership: Membership) -> HttpResponse:
    """ "Demander une dispense d'adhésion": the legal case, its proof, the end date it implies."""
    company = membership.contract.company
    if not company.waivers_enabled or not membership.contract.is_health:
        raise Http404  # waivers are for the health contract only
    if (response := closed_response(request, membership)) is not None:
        return response
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
            user = current_user(request)
            try:
                waiver_services.request_waiver(
                    membership=membership,
                    case_code=chosen,
                    end_date=end_date,
                    proof_name=upload.name or "" if upload else "",
                    proof_data=upload.read() if upload else None,
                    by=user,
                    today=timezone.localdate(),
                )
                # The envelope to sign it, made once here: the signing page only shows it.
                signing.prepare_envelope(
                    membership=membership,
                    purpose=Purpose.WAIVER,
                    by=user,
                    meta=signing.RequestMeta.from_request(request),
                )
            except BusinessError as rejected:
                for problem in rejected.problems:
                    errors.setdefault(problem.field or "case", []).append(problem.message)
            else:
                return redirect("journey:waiver_sign", membership.pk)
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
    return render(request, "journey/waiver.html", context)


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
    envelope = _open_envelope(membership, Purpose.WAIVER)
    if requested is None or envelope is None or not envelope.is_open:
        # The envelope is made with the request ("Demander une dispense"), never by this page.
        return redirect("journey:waiver", membership.pk)
    meta = signing.RequestMeta.from_request(request)
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
            return redirect("journey:waiver_sms", membership.pk)
    context = step_context(
        membership,
        JourneyStep.PROFILE,
        waiver=requested,
        case=waiver_rules.get_case(requested.case_code),
        consequences=waiver_rules.CONSEQUENCES_STATEMENT,
        error=error,
    )
    return render(request, "journey/waiver_sign.html", context)


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
    # Signed and being checked by the insurer, or granted.
    granted = (
        Waiver.objects.filter(
            membership=membership, status__in=[WaiverStatus.SIGNED, WaiverStatus.GRANTED]
        )
        .order_by("-pk")
        .first()
    )
    if granted is None:
        return redirect("journey:waiver", membership.pk)
    context = step_context(
        membership,
        JourneyStep.PROFILE,
        waiver=granted,
        case=waiver_rules.get_case(granted.case_code),
    )
    return render(request, "journey/waiver_done.html", context)
