"""How long waiver documents are kept (portal/core/retention.py): rules.md R8.5, without a
contract 2 years active + 3 archived, from the refusal or from the waiver's end. A new proof
sent to keep a waiver goes with it, or from its refusal."""

from django.db.models import Q

from portal.core.retention import FileKind, register
from portal.waivers.models import RenewalStatus, Waiver, WaiverRenewal, WaiverStatus

register(
    *(
        FileKind("waiver_document", Waiver, field, since, condition)
        for field in ("proof", "request_pdf", "signed_request_pdf")
        for since, condition in (
            ("decided_at", Q(status=WaiverStatus.REFUSED)),
            ("end_date", Q(status=WaiverStatus.EXPIRED)),
        )
    ),
    FileKind(
        "waiver_document",
        WaiverRenewal,
        "proof",
        "decided_at",
        Q(status__in=[RenewalStatus.REFUSED, RenewalStatus.WITHDRAWN]),
    ),
    FileKind(
        "waiver_document",
        WaiverRenewal,
        "proof",
        "waiver__end_date",
        Q(status=RenewalStatus.ACCEPTED, waiver__status=WaiverStatus.EXPIRED),
    ),
)
