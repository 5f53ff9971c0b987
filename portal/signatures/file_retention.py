"""How long signed dossiers are kept (portal/core/retention.py): rules.md R7.4 / R8.5, the
adhesion's life, then the limitation period, counted from the membership's end."""

from django.db.models import Q

from portal.core.retention import FileKind, register
from portal.enrollment.models import MembershipStatus
from portal.signatures.models import SignedDocument

_ENDED = Q(envelope__membership__status=MembershipStatus.TERMINATED)
# Never covered (a waiver granted, a declaration cancelled): from that change of status.
_NEVER_COVERED = Q(
    envelope__membership__status__in=[MembershipStatus.WAIVED, MembershipStatus.CANCELLED]
)

register(
    *(
        FileKind("signed_dossier", SignedDocument, field, since, condition)
        for field in ("unsigned_file", "signed_file")
        for since, condition in (
            ("envelope__membership__end_date", _ENDED),
            ("envelope__membership__status_changed_at", _NEVER_COVERED),
        )
    )
)
