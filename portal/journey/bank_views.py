""" "Mes coordonnées bancaires" in the member's space: the debit account and its SEPA mandate,
changed with a new mandate signed by SMS code, and the benefits accounts per beneficiary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from portal.accounts.models import Role, User
from portal.core.errors import BusinessError
from portal.enrollment import mandates
from portal.enrollment.bank_details import AccountInput
from portal.enrollment.banking import bic_for_iban, check_iban, mask_iban
from portal.enrollment.errors import EnrollmentError
from portal.enrollment.models import (
    AccountPurpose,
    BankAccount,
    DebitMandate,
    Dependant,
    MandateChange,
    MandateChangeStatus,
    Membership,
)
from portal.journey import sms_signing
from portal.journey.forms import BIC_HELP
from portal.journey.journey_views import current_user, member_view
from portal.signatures import services as signing
from portal.signatures.models import EnvelopeStatus, Purpose, SignatureEnvelope

SECTION = "bank"


class AccountForm(forms.Form):
    """An account as typed: the same fields and checks as the journey's bank step."""

    holder = forms.CharField(label="Titulaire du compte", max_length=70, required=False)
    iban = forms.CharField(label="IBAN", max_length=42, required=False)
    bic = forms.CharField(label="BIC", max_length=15, required=False, help_text=BIC_HELP)

    def __init__(self, *args: Any, prefix_name: str, **kwargs: Any) -> None:
        # `prefix_name` names the fields as the services' problems do: "debit_iban"…
        super().__init__(*args, **kwargs)
        self.prefix_name = prefix_name
        for name in ("holder", "iban"):
            self.fields[name].widget.attrs["aria-required"] = "true"

    def add_prefix(self, field_name: str) -> str:
        return f"{self.prefix_name}_{field_name}"

    def to_account(self) -> AccountInput:
        data = self.cleaned_data
        return AccountInput(
            holder=data.get("holder") or "", iban=data.get("iban") or "", bic=data.get("bic") or ""
        )

    @property
    def bic_asked(self) -> bool:
        """The BIC field is shown when it cannot be found from the IBAN (or was refused)."""
        iban, _ = check_iban(str(self["iban"].value() or ""))
        return bool(self.errors.get("bic")) or (iban is not None and bic_for_iban(iban) is None)

    def show(self, error: BusinessError) -> None:
        for problem in error.problems:
            name = problem.field.removeprefix(f"{self.prefix_name}_")
            self.add_error(name if name in self.fields else None, problem.message)


@dataclass(frozen=True)
class ShownAccount:
    holder: str
    iban: str  # masked
    bic: str


@dataclass(frozen=True)
class BankOverview:
    """One membership's bank details as the member sees them."""

    membership: Membership
    mandate: DebitMandate | None
    debit: ShownAccount | None
    benefits: ShownAccount | None  # None: the debit account ("RIB identique")
    dependants: list[tuple[Dependant, ShownAccount | None]]
    pending: MandateChange | None
    open: bool


def _shown(account: BankAccount | None) -> ShownAccount | None:
    if account is None:
        return None
    return ShownAccount(holder=account.holder, iban=mask_iban(account.iban), bic=account.bic)


def _overview(membership: Membership) -> BankOverview:
    mandate = membership.live_mandate()
    accounts = list(
        BankAccount.objects.filter(
            membership=membership, purpose=AccountPurpose.BENEFITS, replaced_at=None
        )
    )
    own = {a.dependant_id: a for a in accounts}
    return BankOverview(
        membership=membership,
        mandate=mandate,
        debit=_shown(mandate.account) if mandate else None,
        benefits=_shown(own.get(None)),
        dependants=[(d, _shown(own.get(d.pk))) for d in membership.dependants.order_by("pk")],
        pending=mandates.pending_change(membership),
        open=mandates.is_open_for_changes(membership),
    )


def _context(membership: Membership | None = None, **extra: Any) -> dict[str, Any]:
    return {"section": SECTION, "membership": membership, **extra}


@login_required
@require_safe
def space_bank(request: HttpRequest) -> HttpResponse:
    """ "Mes coordonnées bancaires": per membership, the debit account and its live mandate,
    the benefits accounts per beneficiary, each with "Modifier"."""
    user = request.user
    if not isinstance(user, User) or user.role != Role.MEMBER:
        raise PermissionDenied
    memberships = (
        Membership.objects.filter(employee__user=user)
        .select_related("contract", "employee__company")
        .order_by("pk")
    )
    shown = [
        _overview(m)
        for m in memberships
        if m.bank_accounts.exists() or mandates.is_open_for_changes(m)
    ]
    return render(request, "journey/space_bank.html", _context(overviews=shown))


def _closed(request: HttpRequest, membership: Membership) -> HttpResponse | None:
    if mandates.is_open_for_changes(membership):
        return None
    messages.error(request, EnrollmentError.MANDATE_CHANGE_NOT_OPEN.message)
    return redirect("journey:space_bank")


@member_view
def space_bank_debit(request: HttpRequest, membership: Membership) -> HttpResponse:
    """ "Modifier" the debit account: the new IBAN, then its new mandate to read and sign."""
    if (response := _closed(request, membership)) is not None:
        return response
    mandate = membership.live_mandate()
    if mandate is None or mandate.signed_at is None:
        raise Http404
    form = AccountForm(request.POST or None, prefix_name="debit")
    if request.method == "POST" and form.is_valid():
        user = current_user(request)
        try:
            mandates.start_mandate_change(membership=membership, account=form.to_account(), by=user)
            # The new mandate made once here: the next page only shows it.
            signing.prepare_envelope(
                membership=membership,
                purpose=Purpose.MANDATE,
                by=user,
                meta=signing.RequestMeta.from_request(request),
            )
        except BusinessError as error:
            form.show(error)
        else:
            return redirect("journey:space_bank_mandate", membership.pk)
    context = _context(membership, form=form, mandate=mandate, debit=_shown(mandate.account))
    return render(request, "journey/space_bank_debit.html", context)


def _open_envelope(membership: Membership) -> SignatureEnvelope | None:
    return (
        SignatureEnvelope.objects.filter(membership=membership, purpose=Purpose.MANDATE)
        .filter(status__in=[EnvelopeStatus.PREPARED, EnvelopeStatus.CODE_SENT])
        .first()
    )


@member_view
def space_bank_mandate(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The new mandate to read (its PDF), the SEPA authorisation to tick, then the code."""
    if (response := _closed(request, membership)) is not None:
        return response
    change = mandates.pending_change(membership)
    envelope = _open_envelope(membership)
    if change is None or envelope is None:
        return redirect("journey:space_bank_debit", membership.pk)
    consent = mandates.mandate_consent()
    error = ""
    if request.method == "POST":
        if request.POST.get("consent") != "on":
            error = "Veuillez cocher la case ci-dessus"
        else:
            signing.record_consent(
                envelope=envelope,
                wording=consent,
                version=mandates.MANDATE_CONSENT_VERSION,
                meta=signing.RequestMeta.from_request(request),
            )
            return redirect("journey:space_bank_sms", membership.pk)
    context = _context(
        membership,
        change=change,
        iban=mask_iban(change.iban),
        consent=consent,
        error=error,
    )
    return render(request, "journey/space_bank_mandate.html", context)


@member_view
@require_safe
def space_bank_mandate_pdf(request: HttpRequest, membership: Membership) -> FileResponse:
    """The new mandate as shown, or as signed once signed (the last one of the membership)."""
    envelope = (
        SignatureEnvelope.objects.filter(membership=membership, purpose=Purpose.MANDATE)
        .exclude(status=EnvelopeStatus.ABANDONED)
        .order_by("-pk")
        .first()
    )
    document = envelope.documents.order_by("position").first() if envelope else None
    if envelope is None or document is None:
        raise Http404
    signed = envelope.status == EnvelopeStatus.SIGNED and bool(document.signed_file)
    file = document.signed_file if signed else document.unsigned_file
    if not file:  # deleted at the end of its retention
        raise Http404
    return FileResponse(
        file.open("rb"),
        as_attachment=True,
        filename="mandat-sepa-signe.pdf" if signed else "mandat-sepa.pdf",
        content_type="application/pdf",
    )


@member_view
def space_bank_sms(request: HttpRequest, membership: Membership) -> HttpResponse:
    """ "Recevoir mon code": the SMS code to the mobile number (the code's limits stay)."""
    if (response := _closed(request, membership)) is not None:
        return response
    envelope = _open_envelope(membership)
    if envelope is None or not envelope.consents.exists():
        return redirect("journey:space_bank_mandate", membership.pk)
    phone = request.POST.get("phone", membership.employee.phone)
    error = sms_signing.send_code(request, envelope, phone) if request.method == "POST" else ""
    if request.method == "POST" and not error:
        return redirect("journey:space_bank_code", membership.pk)
    context = _context(membership, phone=phone, error=error)
    return render(request, "journey/space_bank_sms.html", context)


@member_view
def space_bank_code(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The code typed → "Signer" (the only view that signs); "Je n'ai pas reçu le code"."""
    if (response := _closed(request, membership)) is not None:
        return response
    envelope = _open_envelope(membership)
    if envelope is None or envelope.status != EnvelopeStatus.CODE_SENT:
        return redirect("journey:space_bank_sms", membership.pk)
    error = ""
    if request.method == "POST":
        # The code, the signature and its effect (the new mandate in force, the old one
        # revoked) are one transaction.
        outcome = sms_signing.post_code(request, envelope)
        if outcome.next == sms_signing.Next.RESENT:
            return redirect("journey:space_bank_code", membership.pk)
        if outcome.next == sms_signing.Next.CHANGED:
            return redirect("journey:space_bank_mandate", membership.pk)
        if outcome.next == sms_signing.Next.SIGNED:
            return redirect("journey:space_bank_done", membership.pk)
        error = outcome.error
    context = _context(membership, envelope=envelope, error=error)
    return render(request, "journey/space_bank_code.html", context)


@member_view
@require_safe
def space_bank_done(request: HttpRequest, membership: Membership) -> HttpResponse:
    """ "Votre nouveau mandat est signé": its RUM, the account, the signed PDF."""
    change = (
        MandateChange.objects.filter(membership=membership, status=MandateChangeStatus.SIGNED)
        .select_related("mandate__account", "replaces")
        .order_by("-decided_at", "-pk")
        .first()
    )
    if change is None or change.mandate is None:
        return redirect("journey:space_bank")
    context = _context(
        membership, change=change, mandate=change.mandate, iban=mask_iban(change.iban)
    )
    return render(request, "journey/space_bank_done.html", context)


@member_view
def space_bank_benefits(
    request: HttpRequest, membership: Membership, dependant_id: int | None = None
) -> HttpResponse:
    """ "Modifier" the account the benefits are paid to: the member's, or a dependant's."""
    if (response := _closed(request, membership)) is not None:
        return response
    dependant = None
    if dependant_id is not None:
        dependant = membership.dependants.filter(pk=dependant_id).first()
        if dependant is None:
            raise Http404
    form = AccountForm(request.POST or None, prefix_name="benefits")
    if request.method == "POST" and form.is_valid():
        try:
            mandates.change_benefits_account(
                membership=membership,
                dependant=dependant,
                account=form.to_account(),
                by=current_user(request),
            )
        except BusinessError as error:
            form.show(error)
        else:
            messages.success(request, "Le compte de remboursement des prestations est modifié.")
            return redirect("journey:space_bank")
    context = _context(membership, form=form, dependant=dependant)
    return render(request, "journey/space_bank_benefits.html", context)
