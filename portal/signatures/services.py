"""Signature events: preparing an envelope, ticking a consent, sending and checking the SMS
code (which signs the documents), and the sealed evidence file (rules.md §7)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest
from django.utils import timezone

from portal.accounts.models import User
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError
from portal.core.transactions import files_removed_on_error, within_business_event
from portal.core.uploads import sha256_hex
from portal.enrollment.models import Membership
from portal.notifications.rendering import Secret
from portal.notifications.services import send_sms
from portal.signatures import contents, effects, pades, rules
from portal.signatures.errors import SignatureError
from portal.signatures.models import (
    OPEN_STATUSES,
    REPEATABLE_PURPOSES,
    ConsentRecord,
    DailyCodeUsage,
    EnvelopeStatus,
    EvidenceEvent,
    EvidenceKind,
    OneTimeCode,
    Purpose,
    SignatureEnvelope,
    SignedDocument,
)

SIGNATURE_FIELD = "Signature"
EVIDENCE_FORMAT = "portal-signature-evidence/1"
CANONICAL_FORM = "JSON of `record`: keys sorted, separators ',' and ':', UTF-8, no ASCII escapes"


class TamperedDocument(Exception):
    """A stored PDF no longer has the hash it had when it was shown to the signer."""


@dataclass(frozen=True)
class RequestMeta:
    """The technical context of the signer's request, kept in the evidence log (R7.3 item 6)."""

    ip: str | None
    user_agent: str

    @classmethod
    def from_request(cls, request: HttpRequest) -> RequestMeta:
        return cls(ip=audit.client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", ""))


def _read(file: FieldFile) -> bytes:
    with file.open("rb") as handle:
        return bytes(handle.read())


def _random_pdf_name() -> str:
    return f"{secrets.token_hex(16)}.pdf"


def _advisers_phone() -> str:
    return str(settings.PORTAL_BRAND["member_help_phone"])


def _code_digest(envelope_id: int, salt: str, code: str) -> str:
    # Keyed like portal.core.crypto.digest (a stolen table reveals no code), salted per code so
    # that two equal codes do not look equal. Not crypto.digest itself: it caches its inputs.
    message = f"signature-code:{envelope_id}:{salt}:{code}".encode()
    return hmac.new(settings.BLIND_INDEX_KEY.encode(), message, hashlib.sha256).hexdigest()


def _locked(envelope: SignatureEnvelope) -> SignatureEnvelope:
    """The envelope, read again under a row lock: its state transitions never interleave."""
    return (
        SignatureEnvelope.objects.select_for_update(of=("self",))
        .select_related("membership__employee")
        .get(pk=envelope.pk)
    )


def _check_open(envelope: SignatureEnvelope) -> None:
    if envelope.status == EnvelopeStatus.SIGNED:
        raise BusinessError(SignatureError.ENVELOPE_SIGNED)
    if envelope.status == EnvelopeStatus.ABANDONED:
        raise BusinessError(SignatureError.ENVELOPE_ABANDONED)


def _evidence(
    envelope: SignatureEnvelope,
    kind: str,
    *,
    at: datetime,
    meta: RequestMeta | None,
    **details: Any,
) -> EvidenceEvent:
    return EvidenceEvent.objects.create(
        envelope=envelope,
        kind=kind,
        at=at,
        phone_masked=envelope.phone_masked,
        ip_address=meta.ip if meta else None,
        user_agent=meta.user_agent[:500] if meta else "",
        details=details,
    )


def _audit(
    action: AuditAction, envelope: SignatureEnvelope, *, by: User | None, **details: Any
) -> None:
    employee = envelope.membership.employee
    audit.record(
        action,
        by=by if by is not None else employee.user,
        target=envelope,
        company_id=employee.company_id,
        **details,
    )


@transaction.atomic(durable=True)
def prepare_envelope(
    *,
    membership: Membership,
    purpose: str,
    documents: list[tuple[str, str, bytes]] | None = None,
    by: User | None,
    meta: RequestMeta | None = None,
    now: datetime | None = None,
) -> SignatureEnvelope:
    """Put the documents an employee is about to sign, (name, kind, PDF), in a new envelope,
    with the hash of the data they show (`contents`).

    Without `documents`, they are made from the membership's data by the purpose's registered
    content, under the membership's lock: the PDF and its hash read the same data. An envelope
    still in progress for the same membership and purpose is abandoned (the employee changed
    their answers, the documents changed); a signed one refuses a second.
    """
    # One preparation at a time per membership: the checks below cannot race.
    Membership.objects.select_for_update().filter(pk=membership.pk).first()
    return _prepare(
        membership=membership,
        purpose=purpose,
        documents=documents,
        by=by,
        meta=meta,
        now=now or timezone.now(),
    )


@within_business_event
def _prepare(
    *,
    membership: Membership,
    purpose: str,
    documents: list[tuple[str, str, bytes]] | None,
    by: User | None,
    meta: RequestMeta | None,
    now: datetime,
    reason: str = "",
) -> SignatureEnvelope:
    """The envelope made, its caller holding the membership's lock."""
    purpose = Purpose(purpose)
    envelopes = SignatureEnvelope.objects.filter(membership=membership, purpose=purpose)
    signed = envelopes.filter(status=EnvelopeStatus.SIGNED)
    if purpose not in REPEATABLE_PURPOSES and signed.exists():
        raise BusinessError(SignatureError.ALREADY_SIGNED)
    signed_content = contents.content_of(purpose)
    if documents is None:
        documents = signed_content.documents(membership)
    if not documents:
        raise ValueError("An envelope needs at least one document.")
    for name, _, pdf in documents:
        if not pdf.startswith(b"%PDF-"):
            raise ValueError(f"{name!r} is not a PDF.")
    abandoned = list(envelopes.filter(status__in=OPEN_STATUSES).values_list("pk", flat=True))
    envelopes.filter(pk__in=abandoned).update(status=EnvelopeStatus.ABANDONED, abandoned_at=now)
    OneTimeCode.objects.filter(
        envelope_id__in=abandoned, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)

    envelope = SignatureEnvelope.objects.create(
        membership=membership,
        purpose=purpose,
        content_sha256=contents.content_sha256(purpose, membership),
        created_at=now,
        created_by=by if by is not None and by.pk else None,
    )
    prepared = []
    for position, (name, kind, pdf) in enumerate(documents, start=1):
        document = SignedDocument(
            envelope=envelope,
            position=position,
            name=name,
            kind=kind,
            unsigned_sha256=sha256_hex(pdf),
        )
        document.unsigned_file.save(_random_pdf_name(), ContentFile(pdf), save=False)
        document.save()
        prepared.append({"name": name, "kind": kind, "sha256": document.unsigned_sha256})
    details: dict[str, Any] = {"documents": prepared, "replaces": abandoned}
    if reason:
        details["reason"] = reason
    _evidence(
        envelope,
        EvidenceKind.DOCUMENTS_PREPARED,
        at=now,
        meta=meta,
        content_sha256=envelope.content_sha256,
        **details,
    )
    _audit(
        AuditAction.SIGNATURE_ENVELOPE_PREPARED,
        envelope,
        by=by,
        purpose=purpose.value,
        documents=len(prepared),
        abandoned=abandoned,
        **({"reason": reason} if reason else {}),
    )
    return envelope


def _usage_today(membership_id: int, now: datetime) -> DailyCodeUsage:
    """Today's code counters of the membership, locked (the caller holds the envelope's)."""
    day = timezone.localdate(now)
    DailyCodeUsage.objects.get_or_create(membership_id=membership_id, day=day)
    return DailyCodeUsage.objects.select_for_update().get(membership_id=membership_id, day=day)


def codes_sent_today(membership: Membership, *, now: datetime | None = None) -> int:
    """The SMS codes sent today for `membership`, every envelope counted (a read)."""
    usage = DailyCodeUsage.objects.filter(
        membership=membership, day=timezone.localdate(now or timezone.now())
    ).first()
    return usage.codes_sent if usage else 0


@transaction.atomic(durable=True)
def record_consent(
    *,
    envelope: SignatureEnvelope,
    wording: str,
    version: str,
    meta: RequestMeta,
    now: datetime | None = None,
) -> ConsentRecord:
    """Keep the exact wording of a box the signer ticked before signing (R7.3 item 5).

    Ticking the same box twice (a double submit) keeps the first record.
    """
    now = now or timezone.now()
    if not wording.strip() or not version.strip():
        raise ValueError("A consent needs its wording and its version.")
    envelope = _locked(envelope)
    _check_open(envelope)
    consent = envelope.consents.filter(wording=wording, version=version).first()
    if consent is not None:
        return consent
    consent = ConsentRecord.objects.create(
        envelope=envelope, wording=wording, version=version, ticked_at=now
    )
    _evidence(
        envelope, EvidenceKind.CONSENT_TICKED, at=now, meta=meta, wording=wording, version=version
    )
    _audit(AuditAction.SIGNATURE_CONSENT_RECORDED, envelope, by=None, version=version)
    return consent


@transaction.atomic(durable=True)
def send_code(
    *,
    envelope: SignatureEnvelope,
    phone: str,
    meta: RequestMeta,
    now: datetime | None = None,
) -> OneTimeCode:
    """Text the signer a new 6-digit code ("Envoyer le sms", "Je n'ai pas reçu le code").

    The previous code stops working. The first code and 3 resends at most per envelope.
    """
    now = now or timezone.now()
    envelope = _locked(envelope)
    _check_open(envelope)
    if not envelope.consents.exists():
        raise BusinessError(SignatureError.CONSENT_MISSING)
    number = rules.parse_mobile_phone(phone)
    rules.check_can_send_code(codes_sent=envelope.codes_sent, advisers_phone=_advisers_phone())
    usage = _usage_today(envelope.membership_id, now)
    rules.check_can_send_code_today(
        codes_sent_today=usage.codes_sent, advisers_phone=_advisers_phone()
    )
    usage.codes_sent += 1
    usage.save(update_fields=["codes_sent"])
    envelope.codes.filter(used_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now)
    code = f"{secrets.randbelow(10**rules.CODE_DIGITS):0{rules.CODE_DIGITS}d}"
    salt = secrets.token_hex(16)
    one_time_code = OneTimeCode.objects.create(
        envelope=envelope,
        salt=salt,
        code_hash=_code_digest(envelope.pk, salt, code),
        sent_at=now,
        expires_at=rules.code_expiry(now),
    )
    envelope.phone = number
    envelope.phone_masked = rules.mask_phone(number)
    envelope.status = EnvelopeStatus.CODE_SENT
    envelope.codes_sent += 1
    envelope.save(update_fields=["phone", "phone_masked", "status", "codes_sent"])
    _evidence(
        envelope,
        EvidenceKind.CODE_SENT,
        at=now,
        meta=meta,
        code=one_time_code.pk,
        codes_sent=envelope.codes_sent,
        codes_sent_today=usage.codes_sent,
        expires_at=timezone.localtime(one_time_code.expires_at).isoformat(),
    )
    send_sms(
        to=number,
        text=rules.code_sms_text(brand=settings.PORTAL_BRAND["insurer_name"], code=code),
        template="signature_code",
        secrets=(Secret(code, "[code envoyé]"),),
    )
    _audit(AuditAction.SIGNATURE_CODE_SENT, envelope, by=None, codes_sent=envelope.codes_sent)
    return one_time_code


def verify_code(
    *,
    envelope: SignatureEnvelope,
    code: str,
    meta: RequestMeta,
    by: User | None = None,
    now: datetime | None = None,
) -> SignatureEnvelope:
    """Check the code the signer typed and, when it is right, sign every document and apply
    what the signature does for its purpose (`effects`: the enrollment signed, the waiver
    granted), in one transaction: the signature and its effect commit together or not at all.

    A refused code is counted and logged even though the call raises: the attempt commits and
    the refusal is raised after it. A refused effect (waivers switched off meanwhile, a
    membership no longer pre-enrolled) rolls the signature back: the envelope stays unsigned
    and the code unused (it still works until it expires, should the cause go away), the
    refusal is logged and its `BusinessError` raised. A second call after the signature
    (replay, double submit) raises "envelope_signed".
    """
    now = now or timezone.now()
    envelope, refusal = _check_code(envelope=envelope, code=code, meta=meta, by=by, now=now)
    if refusal is not None:
        raise refusal
    return envelope


@transaction.atomic(durable=True)
def _check_code(
    *, envelope: SignatureEnvelope, code: str, meta: RequestMeta, by: User | None, now: datetime
) -> tuple[SignatureEnvelope, BusinessError | None]:
    """The envelope signed, or the refusal to raise once the attempt is committed."""
    # The membership first, as `prepare_envelope` and the employee's changes lock it: the data
    # hashed below cannot change before the signature commits.
    Membership.objects.select_for_update().filter(pk=envelope.membership_id).first()
    envelope = _locked(envelope)
    _check_open(envelope)
    typed = rules.normalize_code(code)
    one_time_code = envelope.codes.order_by("-sent_at", "-id").first()
    if envelope.status != EnvelopeStatus.CODE_SENT or one_time_code is None:
        raise BusinessError(SignatureError.CODE_NOT_SENT)
    advisers_phone = _advisers_phone()
    # Sign what was shown: data changed since the documents were made (another tab) signs
    # nothing; the documents are made anew from the data as it is, to read and sign again.
    if contents.content_sha256(envelope.purpose, envelope.membership) != envelope.content_sha256:
        return envelope, _remake(envelope, meta=meta, by=by, now=now)
    usage = _usage_today(envelope.membership_id, now)
    try:
        rules.check_can_try_code_today(
            wrong_codes_today=usage.wrong_codes, advisers_phone=advisers_phone
        )
    except BusinessError as refusal:
        _evidence(
            envelope,
            EvidenceKind.CODE_FAILED,
            at=now,
            meta=meta,
            code=one_time_code.pk,
            reason=refusal.code,
        )
        _audit(AuditAction.SIGNATURE_CODE_REFUSED, envelope, by=None, reason=refusal.code)
        return envelope, refusal
    state = rules.CodeState(
        expires_at=one_time_code.expires_at,
        wrong_attempts=one_time_code.wrong_attempts,
        used=one_time_code.used_at is not None,
        revoked=one_time_code.revoked_at is not None,
    )
    try:
        rules.check_code_usable(
            state, now=now, codes_sent=envelope.codes_sent, advisers_phone=advisers_phone
        )
    except BusinessError as refusal:
        _evidence(
            envelope,
            EvidenceKind.CODE_FAILED,
            at=now,
            meta=meta,
            code=one_time_code.pk,
            reason=refusal.code,
        )
        _audit(AuditAction.SIGNATURE_CODE_REFUSED, envelope, by=None, reason=refusal.code)
        return envelope, refusal

    expected = one_time_code.code_hash
    if not hmac.compare_digest(_code_digest(envelope.pk, one_time_code.salt, typed), expected):
        one_time_code.wrong_attempts += 1
        usage.wrong_codes += 1
        usage.save(update_fields=["wrong_codes"])
        blocked_today = usage.wrong_codes >= rules.MAX_WRONG_CODES_PER_DAY
        locked = rules.is_locked(one_time_code.wrong_attempts) or blocked_today
        if locked:
            one_time_code.revoked_at = now
        one_time_code.save(update_fields=["wrong_attempts", "revoked_at"])
        _evidence(
            envelope,
            EvidenceKind.CODE_FAILED,
            at=now,
            meta=meta,
            code=one_time_code.pk,
            reason="code_wrong",
            wrong_attempts=one_time_code.wrong_attempts,
        )
        if locked:
            _evidence(envelope, EvidenceKind.LOCKED, at=now, meta=meta, code=one_time_code.pk)
        _audit(
            AuditAction.SIGNATURE_CODE_REFUSED,
            envelope,
            by=None,
            reason="code_wrong",
            wrong_attempts=one_time_code.wrong_attempts,
            wrong_codes_today=usage.wrong_codes,
        )
        if blocked_today:
            return envelope, BusinessError(
                SignatureError.TOO_MANY_WRONG_CODES_TODAY,
                field="code",
                advice=rules.call_advisers(advisers_phone),
            )
        return envelope, rules.wrong_code(
            wrong_attempts=one_time_code.wrong_attempts,
            codes_sent=envelope.codes_sent,
            advisers_phone=advisers_phone,
        )

    effect = effects.effect_of(envelope.purpose)
    try:
        # A savepoint: a refused effect undoes the signature, not the refusal's record below.
        with transaction.atomic(), files_removed_on_error() as written:
            one_time_code.used_at = now
            one_time_code.save(update_fields=["used_at"])
            _evidence(
                envelope,
                EvidenceKind.CODE_VERIFIED,
                at=now,
                meta=meta,
                code=one_time_code.pk,
                wrong_attempts=one_time_code.wrong_attempts,
            )
            signed = _sign_documents(envelope, written)
            envelope.status = EnvelopeStatus.SIGNED
            envelope.signed_at = now
            envelope.save(update_fields=["status", "signed_at"])
            _evidence(envelope, EvidenceKind.SIGNED, at=now, meta=meta, documents=signed)
            _audit(AuditAction.SIGNATURE_SIGNED, envelope, by=None, documents=len(signed))
            effect(envelope=envelope, by=by)
    except BusinessError as refusal:
        envelope.refresh_from_db()
        _evidence(
            envelope,
            EvidenceKind.SIGNING_REFUSED,
            at=now,
            meta=meta,
            code=one_time_code.pk,
            reason=refusal.code,
        )
        _audit(AuditAction.SIGNATURE_EFFECT_REFUSED, envelope, by=None, reason=refusal.code)
        return envelope, refusal
    return envelope, None


def _remake(
    envelope: SignatureEnvelope, *, meta: RequestMeta, by: User | None, now: datetime
) -> BusinessError:
    """The data changed since `envelope`'s documents were made: they are made anew (the
    envelope abandoned, its code revoked) and the refusal to raise is returned — or, when
    they cannot be made (nothing to sign any more), why."""
    refusal = BusinessError(SignatureError.CONTENT_CHANGED)
    _evidence(envelope, EvidenceKind.CONTENT_CHANGED, at=now, meta=meta, reason=refusal.code)
    _audit(AuditAction.SIGNATURE_EFFECT_REFUSED, envelope, by=None, reason=refusal.code)
    try:
        _prepare(
            membership=envelope.membership,
            purpose=envelope.purpose,
            documents=None,
            by=by,
            meta=meta,
            now=now,
            reason=refusal.code,
        )
    except BusinessError as cannot:
        # Nothing left to sign (the waiver was decided meanwhile): said as such; the envelope
        # stays as it is and can never be signed, its data no longer hashing the same.
        return cannot
    return refusal


def _sign_documents(envelope: SignatureEnvelope, written: list[FieldFile]) -> list[dict[str, str]]:
    """Seal each PDF exactly as it was shown (its hash is checked first); what was signed.

    Each signed file is appended to `written` (removed if the transaction rolls back)."""
    reason = f"Signature électronique de {envelope.membership.employee.full_name}"
    signed = []
    for document in envelope.documents.order_by("position"):
        unsigned = _read(document.unsigned_file)
        if sha256_hex(unsigned) != document.unsigned_sha256:
            raise TamperedDocument(f"Document {document.pk} changed since it was shown.")
        pdf = pades.sign_pdf(
            unsigned,
            field_name=SIGNATURE_FIELD,
            reason=reason,
            location=settings.SIGNING_LOCATION,
        )
        document.signed_sha256 = sha256_hex(pdf)
        document.signed_file.save(_random_pdf_name(), ContentFile(pdf), save=False)
        written.append(document.signed_file)
        document.save(update_fields=["signed_file", "signed_sha256"])
        signed.append({"name": document.name, "sha256": document.signed_sha256})
    return signed


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def _canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _seal(canonical: bytes) -> str:
    key = settings.EVIDENCE_SEAL_KEY.encode()
    return hmac.new(key, canonical, hashlib.sha256).hexdigest()


def evidence_file(envelope: SignatureEnvelope, *, now: datetime | None = None) -> bytes:
    """The envelope's evidence record (rules.md R7.3), sealed, as indented UTF-8 JSON.

    `seal.content_sha256` is the SHA-256 of the record's canonical form and `seal.hmac_sha256`
    its HMAC with EVIDENCE_SEAL_KEY: `verify_evidence_seal` tells whether it was changed.
    """
    envelope = SignatureEnvelope.objects.select_related("membership__employee__company").get(
        pk=envelope.pk
    )
    membership = envelope.membership
    employee = membership.employee
    documents = list(envelope.documents.order_by("position"))
    certificate = next(
        (pades.signer_certificate(_read(d.signed_file)) for d in documents if d.signed_file),
        None,
    )
    record = {
        "format": EVIDENCE_FORMAT,
        "generated_at": _iso(now or timezone.now()),
        "envelope": {
            "id": envelope.pk,
            "purpose": envelope.purpose,
            "status": envelope.status,
            "prepared_at": _iso(envelope.created_at),
            "signed_at": _iso(envelope.signed_at),
        },
        "signer": {
            "name": employee.full_name,
            "birth_date": employee.birth_date.isoformat(),
            "member_number": membership.member_number,
            "company": employee.company.legal_name,
            "siret": employee.company.siret,
            # Identity as declared by the employer; the signer proved they hold this phone.
            "authentication": "one-time code sent by SMS",
            "phone": envelope.phone_masked,
        },
        "documents": [
            {
                "position": d.position,
                "name": d.name,
                "kind": d.kind,
                "unsigned_sha256": d.unsigned_sha256,
                "signed_sha256": d.signed_sha256 or None,
            }
            for d in documents
        ],
        "consents": [
            {"wording": c.wording, "version": c.version, "ticked_at": _iso(c.ticked_at)}
            for c in envelope.consents.order_by("ticked_at", "id")
        ],
        "codes": [
            {
                "id": c.pk,
                "sent_at": _iso(c.sent_at),
                "expires_at": _iso(c.expires_at),
                "wrong_attempts": c.wrong_attempts,
                "used_at": _iso(c.used_at),
                "revoked_at": _iso(c.revoked_at),
            }
            for c in envelope.codes.order_by("sent_at", "id")
        ],
        "events": [
            {
                "at": _iso(e.at),
                "kind": e.kind,
                "phone": e.phone_masked,
                "ip": e.ip_address,
                "user_agent": e.user_agent,
                "details": e.details,
            }
            for e in envelope.evidence_events.order_by("at", "id")
        ],
        "signing_certificate": (
            {
                "subject": certificate.subject,
                "serial_number": certificate.serial_number,
                "sha256": certificate.sha256,
            }
            if certificate
            else None
        ),
    }
    canonical = _canonical(record)
    sealed = {
        "record": record,
        "seal": {
            "canonical_form": CANONICAL_FORM,
            "content_sha256": sha256_hex(canonical),
            "algorithm": "HMAC-SHA256",
            "hmac_sha256": _seal(canonical),
        },
    }
    return (json.dumps(sealed, indent=2, ensure_ascii=False) + "\n").encode()


def verify_evidence_seal(data: bytes) -> bool:
    """Whether an evidence file is as `evidence_file` sealed it."""
    sealed = json.loads(data)
    canonical = _canonical(sealed["record"])
    seal = sealed["seal"]
    return hmac.compare_digest(
        seal["content_sha256"], sha256_hex(canonical)
    ) and hmac.compare_digest(seal["hmac_sha256"], _seal(canonical))
