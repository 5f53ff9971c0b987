"""Terminating a membership: the one path for the form and the DSN.

Each business event has its durable service (the form's) and its step (`*_step`), which runs
inside a larger event's transaction (a DSN declaration applied as a whole)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.accounts.models import User
from portal.companies.models import Company
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError
from portal.core.transactions import within_business_event
from portal.enrollment.models import Membership, MembershipStatus
from portal.enrollment.services import (
    move_membership,
    others_to_enroll,
    reinstate_invitations,
    revoke_invitations,
)
from portal.notifications.models import Channel
from portal.notifications.services import PendingMessage, queue_rendered_later
from portal.terminations import rules
from portal.terminations.errors import TerminationError
from portal.terminations.models import Termination
from portal.tracking.models import EventKind, Reason, Request, Source, State
from portal.tracking.services import move_request, open_request


@transaction.atomic(durable=True)
def terminate_membership(
    *,
    company: Company,
    membership_id: int,
    hire_date: date | None,
    termination_date: date | None,
    motif: str,
    portability: bool | None,
    by: User | None,
    today: date,
) -> Termination:
    """ "Résilier le contrat" → "Envoyer": the cover of the member (and of their dependants)
    ends at the termination date; a "Résiliation" (or "Décès") request opens "En cours"."""
    return terminate_membership_step(
        company=company,
        membership_id=membership_id,
        hire_date=hire_date,
        termination_date=termination_date,
        motif=motif,
        portability=portability,
        by=by,
        today=today,
    )


@within_business_event
def terminate_membership_step(
    *,
    company: Company,
    membership_id: int,
    hire_date: date | None,
    termination_date: date | None,
    motif: str,
    portability: bool | None,
    by: User | None,
    today: date,
    source: Source = Source.FORM,
    dsn_key: str = "",
    dsn_file_id: int | None = None,
) -> Termination:
    """`terminate_membership` as one step of a larger event (a DSN declaration): the same
    rules and effects. `dsn_key` identifies the DSN employment contract whose end made it
    (see `Termination.dsn_key`), `dsn_file_id` the file, for the audit log."""
    membership = (
        Membership.objects.select_for_update()
        .select_related("employee", "contract")
        .get(pk=membership_id, contract__company=company)
    )
    problems = rules.check_termination(
        hire_date=hire_date,
        effective_date=membership.effective_date,
        termination_date=termination_date,
        motif=motif,
        already_terminated=membership.status == MembershipStatus.TERMINATED
        or membership.terminations.filter(undone_at=None).exists(),
        today=today,
        max_retroactive_days=settings.RETROACTIVE_MAX_DAYS,
        max_future_days=settings.TERMINATION_MAX_FUTURE_DAYS,
        declared_hire_date=membership.employee.hire_date,
    )
    if not any(p.code == "already_terminated" for p in problems):
        problems += rules.check_portability(motif, portability)
    opens = not problems and rules.opens_portability(motif)
    if problems:
        raise BusinessError.of(problems)
    assert hire_date is not None and termination_date is not None
    now = timezone.now()
    death = motif == rules.DEATH
    declared_hire_date = membership.employee.hire_date
    note = f"Motif : {rules.TerminationMotif(motif).label}"
    if hire_date != declared_hire_date:
        # Later than the declared one (checked): recorded in the timeline and the audit log.
        note += (
            f" — Date d'embauche : {hire_date:%d/%m/%Y} "
            f"(déclarée à l'affiliation : {declared_hire_date:%d/%m/%Y})"
        )
    request = open_request(
        membership=membership,
        reason=Reason.DEATH if death else Reason.TERMINATION,
        source=source,
        by=by,
        now=now,
        note=note,
    )
    with_portability = bool(opens and portability)
    try:
        termination = Termination.objects.create(
            membership=membership,
            request=request,
            hire_date=hire_date,
            termination_date=termination_date,
            motif=motif,
            portability=with_portability,
            portability_end=rules.portability_end(
                contract_start=hire_date, contract_end=termination_date
            )
            if with_portability
            else None,
            dependants_cover_end=rules.dependants_cover_end(
                termination_date, membership.contract.dependants_keep_cover_months
            )
            if death and membership.dependants.exists()
            else None,
            previous_status=membership.status,
            previous_end_date=membership.end_date,
            dsn_key=dsn_key,
            created_by=by,
            created_at=now,
        )
    except IntegrityError as error:  # a concurrent "Envoyer" terminated it first
        raise BusinessError(
            TerminationError.ALREADY_TERMINATED, field="termination_date"
        ) from error
    membership = move_membership(
        membership.pk,
        MembershipStatus.TERMINATED,
        by=by,
        now=now,
        end_date=termination_date,
        # The card keeps verifying while portability (or a death's dependants' cover) runs.
        cover_until=termination.portability_end or termination.dependants_cover_end,
    )
    # Still pre-enrolled: the invitation link stops working, the affiliation will not come.
    # Both are recorded, to be reopened if the termination is undone. Unless the dossier
    # has another contract still to enroll in: the link and the affiliation are for it too.
    waiting = None
    if not others_to_enroll(membership):
        termination.revoked_invitation_ids = revoke_invitations(
            membership_id=membership.pk, now=now
        )
        waiting = (
            Request.objects.filter(
                employee_id=membership.employee_id,
                reason=Reason.AFFILIATION,
                state=State.WAITING,
            )
            .order_by("pk")
            .first()
        )
    if waiting is not None:
        move_request(waiting, State.CANCELLED, event=EventKind.MEMBER_TERMINATED, by=by, now=now)
    termination.cancelled_affiliation = waiting
    termination.save(update_fields=["revoked_invitation_ids", "cancelled_affiliation"])
    if with_portability:
        _queue_portability_message(termination)
    audit.record(
        AuditAction.MEMBERSHIP_TERMINATED,
        by=by,
        target=membership,
        company_id=company.pk,
        motif=motif,
        termination_date=termination_date.isoformat(),
        hire_date=hire_date.isoformat(),
        declared_hire_date=declared_hire_date.isoformat(),
        portability=with_portability,
        source=str(source),
        **_file_of(dsn_file_id),
    )
    return termination


def _file_of(dsn_file_id: int | None) -> dict[str, Any]:
    """The audit detail naming the DSN file an event came from (none for the form)."""
    return {} if dsn_file_id is None else {"dsn_file_id": dsn_file_id}


def _queue_portability_message(termination: Termination) -> None:
    """The former employee gets the certificate: by e-mail, or by letter without one."""
    employee = termination.membership.employee
    args = {"termination_id": termination.pk}
    if employee.email:
        message = PendingMessage(Channel.EMAIL, employee.email, "portability", args)
    else:
        address = "\n".join(employee.letter_address_lines())
        message = PendingMessage(Channel.LETTER, address, "portability_letter", args)
    queue_rendered_later([message])


@transaction.atomic(durable=True)
def undo_termination(*, company: Company, termination_id: int, by: User | None) -> Membership:
    """A termination made by mistake (wrong employee, wrong date) is undone while its request
    is still "En cours": the membership is restored exactly as it was."""
    return undo_termination_step(company=company, termination_id=termination_id, by=by)


@within_business_event
def undo_termination_step(
    *, company: Company, termination_id: int, by: User | None, dsn_file_id: int | None = None
) -> Membership:
    """`undo_termination` as one step of a larger event (a DSN's end of contract cancelled by
    motif 099)."""
    termination = (
        Termination.objects.select_for_update()
        .select_related("request", "membership")
        .get(pk=termination_id, membership__contract__company=company)
    )
    request = termination.request
    if termination.undone_at is not None or request.state != State.IN_PROGRESS:
        raise BusinessError(TerminationError.TERMINATION_FINAL)
    now = timezone.now()
    membership = _restore(termination, by, now)
    move_request(request, State.CANCELLED, event=EventKind.TERMINATION_UNDONE, by=by, now=now)
    audit.record(
        AuditAction.TERMINATION_UNDONE,
        by=by,
        target=membership,
        company_id=company.pk,
        **_file_of(dsn_file_id),
    )
    return membership


def _restore(termination: Termination, by: User | None, now: datetime) -> Membership:
    """Reopen exactly what the termination closed: the membership as it was, the affiliation
    it cancelled back "En attente", the links it revoked."""
    membership = move_membership(
        termination.membership_id,
        termination.previous_status,
        by=by,
        now=now,
        end_date=termination.previous_end_date,
    )
    if termination.cancelled_affiliation_id is not None:
        move_request(
            termination.cancelled_affiliation_id,
            State.WAITING,
            event=EventKind.REOPENED,
            by=by,
            now=now,
        )
    reinstate_invitations(invitation_ids=termination.revoked_invitation_ids)
    termination.undone_at = now
    termination.save(update_fields=["undone_at"])
    return membership


def _in_progress(termination_id: int) -> Termination:
    termination = (
        Termination.objects.select_for_update()
        .select_related("request", "membership__contract")
        .get(pk=termination_id)
    )
    if termination.undone_at is not None or termination.request.state != State.IN_PROGRESS:
        raise BusinessError(TerminationError.TERMINATION_NOT_IN_PROGRESS)
    return termination


@transaction.atomic(durable=True)
def close_termination(*, termination_id: int, by: User | None) -> Termination:
    """The insurer processed the termination: "Clôturée", final (it can no longer be undone)."""
    termination = _in_progress(termination_id)
    now = timezone.now()
    move_request(termination.request, State.CLOSED, event=EventKind.CLOSED, by=by, now=now)
    audit.record(
        AuditAction.TERMINATION_CLOSED,
        by=by,
        target=termination.membership,
        company_id=termination.membership.contract.company_id,
    )
    return termination


@transaction.atomic(durable=True)
def cancel_termination(*, termination_id: int, reason: str, by: User | None) -> Membership:
    """The insurer refuses the termination ("Annulée", with the reason shown to the employer):
    the membership is restored as it was."""
    reason = " ".join(reason.split())
    if not reason:
        raise BusinessError(TerminationError.UNDO_REASON_REQUIRED)
    termination = _in_progress(termination_id)
    now = timezone.now()
    membership = _restore(termination, by, now)
    move_request(
        termination.request, State.CANCELLED, event=EventKind.CANCELLED, by=by, note=reason, now=now
    )
    audit.record(
        AuditAction.TERMINATION_CANCELLED,
        by=by,
        target=membership,
        company_id=membership.contract.company_id,
        reason=reason,
    )
    return membership
