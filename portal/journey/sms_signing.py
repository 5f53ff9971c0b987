"""The two SMS steps every signature of the employee goes through — "Recevoir mon code", then
the code typed and "Signer" (or "Je n'ai pas reçu le code") — whatever is signed: the
enrollment, the waiver request, a new SEPA mandate. The views choose the pages around them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.contrib import messages
from django.http import HttpRequest

from portal.core.errors import BusinessError
from portal.journey.journey_views import current_user
from portal.signatures import services as signing
from portal.signatures.errors import SignatureError
from portal.signatures.models import SignatureEnvelope


def send_code(request: HttpRequest, envelope: SignatureEnvelope, phone: str) -> str:
    """Sends the code to `phone`; the refusal's message, or "" once sent."""
    try:
        signing.send_code(
            envelope=envelope, phone=phone, meta=signing.RequestMeta.from_request(request)
        )
    except BusinessError as failure:
        return failure.message
    return ""


class Next(StrEnum):
    STAY = "stay"  # show the code page again, with `error`
    RESENT = "resent"  # a new code was sent: the code page again, clean
    SIGNED = "signed"  # signed (now, or by a second "Signer"): the done page
    CHANGED = "changed"  # the documents changed since they were shown: read them again


@dataclass(frozen=True)
class CodeOutcome:
    next: Next
    error: str = ""


def post_code(request: HttpRequest, envelope: SignatureEnvelope) -> CodeOutcome:
    """The code page's POST: "Je n'ai pas reçu le code" sends another; "Signer" checks the
    code, and the signature and its effect are one transaction (signing.verify_code); a
    refused effect leaves nothing signed and says why."""
    meta = signing.RequestMeta.from_request(request)
    if "resend" in request.POST:
        try:
            signing.send_code(envelope=envelope, phone=envelope.phone, meta=meta)
        except BusinessError as failure:
            return CodeOutcome(Next.STAY, failure.message)
        messages.success(request, "Un nouveau code vous a été envoyé.")
        return CodeOutcome(Next.RESENT)
    try:
        signing.verify_code(
            envelope=envelope,
            code=request.POST.get("code", ""),
            meta=meta,
            by=current_user(request),
        )
    except BusinessError as failure:
        if failure.code == SignatureError.CONTENT_CHANGED:
            # Nothing signed; the documents were made anew: show them to read and sign.
            messages.error(request, failure.message)
            return CodeOutcome(Next.CHANGED)
        if failure.code == SignatureError.ENVELOPE_SIGNED:  # a second "Signer"
            return CodeOutcome(Next.SIGNED)
        return CodeOutcome(Next.STAY, failure.message)
    return CodeOutcome(Next.SIGNED)
