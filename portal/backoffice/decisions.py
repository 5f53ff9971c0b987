"""The decisions staff take on a dossier's page, each through the one service that owns it.

Each top-level service (`close_enrollment`, `send_back_enrollment`, `grant_waiver`,
`refuse_waiver`, `cancel_termination`) is durable, locks the rows it changes, checks them
once locked, writes its audit event and schedules its e-mails on commit: of two staff deciding
at once, the second is refused with a French message and nothing is half-done. This module
only finds what a decision is about and words its result.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.accounts.models import User
from portal.backoffice.choices import SendBackReason
from portal.backoffice.errors import BackofficeError
from portal.backoffice.identity import compare_identity
from portal.core.errors import BusinessError
from portal.core.plural import counted
from portal.enrollment.models import Employee, Membership
from portal.signatures.journey import close_enrollment, send_back_enrollment
from portal.terminations.models import Termination
from portal.terminations.services import cancel_termination
from portal.tracking.models import Reason, Request, State
from portal.tracking.services import cancel_declaration
from portal.waivers import ending
from portal.waivers import services as waivers
from portal.waivers.models import Waiver, WaiverRenewal, WaiverStatus


def _affiliation(request_id: int) -> tuple[Request, Membership]:
    item = Request.objects.select_related("membership", "employee").get(pk=request_id)
    if item.reason != Reason.AFFILIATION or item.membership is None:
        raise BusinessError(BackofficeError.NOT_AN_AFFILIATION)
    return item, item.membership


def _waiver(request_id: int) -> tuple[Request, Waiver]:
    item = Request.objects.select_related("employee").get(pk=request_id)
    waiver = Waiver.objects.filter(request_id=item.pk).first()
    if item.reason != Reason.WAIVER or waiver is None:
        raise BusinessError(BackofficeError.NOT_A_WAIVER)
    return item, waiver


def put_in_management(*, request_id: int, by: User, reasons: list[str], text: str) -> str:
    """ "Mettre en gestion" (`close_enrollment`)."""
    item, membership = _affiliation(request_id)
    close_enrollment(membership=membership, by=by)
    return f"{item.employee.full_name} : dossier mis en gestion, demande clôturée."


def send_back_reason(reasons: list[str], text: str) -> str:
    """The reason the employee reads: the ticked common reasons, then the free text."""
    labels = dict(SendBackReason.choices)
    if any(code not in labels for code in reasons):
        raise BusinessError(BackofficeError.UNKNOWN_SEND_BACK_REASON)
    parts = [labels[code] for code in SendBackReason.values if code in reasons]
    free = " ".join(text.split())
    if free:
        parts.append(free)
    if not parts:
        raise BusinessError(BackofficeError.SEND_BACK_REASON_REQUIRED)
    return " ; ".join(parts) + ("" if parts[-1].endswith(".") else ".")


def send_back(*, request_id: int, by: User, reasons: list[str], text: str) -> str:
    """ "Renvoyer au salarié" (`send_back_enrollment`) with the reasons ticked plus free text."""
    reason = send_back_reason(reasons, text)
    item, membership = _affiliation(request_id)
    send_back_enrollment(membership=membership, reason=reason, by=by)
    return f"{item.employee.full_name} : adhésion renvoyée au salarié pour correction."


def _renewal(request_id: int) -> WaiverRenewal | None:
    """The new proof a "Dispense" request is about, if it is one (R2.11), not a first waiver."""
    return WaiverRenewal.objects.filter(request_id=request_id).first()


def accept_waiver(*, request_id: int, by: User, reasons: list[str], text: str) -> str:
    """ "Accepter" a waiver (`grant_waiver`), or the new proof that keeps one
    (`accept_renewal`)."""
    renewal = _renewal(request_id)
    if renewal is not None:
        waiver = ending.accept_renewal(renewal_id=renewal.pk, by=by)
        assert waiver.end_date is not None
        return (
            f"{waiver.employee.full_name} : nouveau justificatif accepté, dispense prolongée "
            f"jusqu'au {waiver.end_date:%d/%m/%Y}."
        )
    item, found = _waiver(request_id)
    waivers.grant_waiver(waiver_id=found.pk, by=by)
    return f"{item.employee.full_name} : dispense accordée."


def refuse_waiver(*, request_id: int, by: User, reasons: list[str], text: str) -> str:
    """ "Refuser" a waiver with its reason (`refuse_waiver`): the employee is told and must
    enroll; their affiliation request stays "En attente" with its link. For a new proof
    (`refuse_renewal`): the employee is told and may send another before the end."""
    renewal = _renewal(request_id)
    if renewal is not None:
        ending.refuse_renewal(renewal_id=renewal.pk, reason=text, by=by)
        name = renewal.waiver.employee.full_name
        return f"{name} : nouveau justificatif refusé, le salarié est prévenu."
    item, waiver = _waiver(request_id)
    waivers.refuse_waiver(waiver_id=waiver.pk, reason=text, by=by)
    return f"{item.employee.full_name} : dispense refusée, le salarié est invité à adhérer."


def cancel(*, request_id: int, by: User, reasons: list[str], text: str) -> str:
    """ "Annuler" a request with a reason the employer reads: an affiliation (the employer's
    own `cancel_declaration`, by the insurer), a termination or a death
    (`cancel_termination`)."""
    item = Request.objects.select_related("employee", "company").get(pk=request_id)
    if item.reason == Reason.AFFILIATION:
        cancel_declaration(
            company=item.company, request_id=item.pk, reason=text, by=by, by_insurer=True
        )
        return (
            f"{item.employee.full_name} : affiliation annulée, le motif est affiché à l'employeur."
        )
    termination = Termination.objects.filter(request_id=item.pk).first()
    if item.reason not in (Reason.TERMINATION, Reason.DEATH) or termination is None:
        raise BusinessError(BackofficeError.CANNOT_CANCEL)
    cancel_termination(termination_id=termination.pk, reason=text, by=by)
    return f"{item.employee.full_name} : demande annulée, le motif est affiché à l'employeur."


# --- Mise en gestion groupée ---------------------------------------------------------------

BULK_LIMIT = 200


def without_difference(employee: Employee) -> bool:
    """The employee's declaration was kept and they changed nothing in it."""
    rows = compare_identity(employee)
    return bool(rows) and not any(row.differs for row in rows)


def bulk_candidates() -> list[Request]:
    """The signed affiliations ("En cours") with no difference from the declaration and no
    waiver proof waiting to be looked at, oldest first (at most `BULK_LIMIT`)."""
    pending_proofs = Waiver.objects.filter(status=WaiverStatus.SIGNED).values("employee_id")
    found = (
        Request.objects.filter(reason=Reason.AFFILIATION, state=State.IN_PROGRESS)
        .exclude(employee_id__in=pending_proofs)
        .select_related("employee", "company", "membership")
        .order_by("updated_at", "pk")[:BULK_LIMIT]
    )
    return [item for item in found if without_difference(item.employee)]


@dataclass
class BulkOutcome:
    done: list[int] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return counted(len(self.done), "dossier mis en gestion") + "."


def put_in_management_many(*, request_ids: list[int], by: User) -> BulkOutcome:
    """Bulk "Mettre en gestion": each selected dossier still without difference or proof is
    closed by its own `close_enrollment` (one business event each: one refusal does not undo
    the others); the others are named with the reason."""
    outcome = BulkOutcome()
    eligible = {item.pk: item for item in bulk_candidates() if item.pk in set(request_ids)}
    items = Request.objects.select_related("employee", "membership").filter(pk__in=request_ids)
    for item in sorted(items, key=lambda r: r.pk):
        if item.pk not in eligible or item.membership is None:
            problem = BusinessError(BackofficeError.NOT_FOR_BULK, name=item.employee.full_name)
            outcome.refused.append(problem.message)
            continue
        try:
            close_enrollment(membership=item.membership, by=by)
        except BusinessError as error:
            outcome.refused.append(f"{item.employee.full_name} : {error.message}")
        else:
            outcome.done.append(item.pk)
    return outcome
