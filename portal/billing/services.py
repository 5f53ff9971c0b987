"""The business events of the debits: prepare a due date's run, hand its file to the bank,
record a mandate's revocation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q, QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone

from portal.accounts.models import User
from portal.billing import rules
from portal.billing.errors import BillingError
from portal.billing.models import DebitLine, DebitRun, LineStatus, RunStatus
from portal.billing.sepa import debit_file, remittance
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError
from portal.enrollment.journey import current_costs
from portal.enrollment.mandates import record_revocation
from portal.enrollment.models import DebitMandate, MembershipStatus
from portal.notifications.services import send_email

# A terminated membership still owes its last months, up to its end date (R5.2).
DEBITED_STATUSES = (MembershipStatus.ACTIVE, MembershipStatus.TERMINATED)


@dataclass(frozen=True)
class DueDebit:
    """What one mandate's membership owes on a due date (before it is stored)."""

    mandate: DebitMandate
    period: rules.Period
    amount_cents: int
    sequence: str


def _fr_date(value: date) -> str:
    return f"{value:%d/%m/%Y}"


def check_due_date(due_date: date, *, today: date) -> None:
    """A debit day, and far enough ahead for the pre-notification (R6.6)."""
    if due_date.day not in rules.DEBIT_DAYS:
        raise BusinessError(BillingError.NOT_A_DEBIT_DAY, field="due_date")
    earliest = rules.earliest_due_date(today, settings.SEPA_PRENOTIFICATION_DAYS)
    if due_date < earliest:
        raise BusinessError(
            BillingError.NOTICE_TOO_SHORT,
            field="due_date",
            due_date=_fr_date(due_date),
            days=settings.SEPA_PRENOTIFICATION_DAYS,
            earliest=_fr_date(earliest),
        )


def _candidates(due_date: date, run: DebitRun) -> QuerySet[DebitMandate]:
    return (
        DebitMandate.objects.filter(
            signed_at__isnull=False,
            revoked_at=None,
            debit_day=due_date.day,
            membership__status__in=DEBITED_STATUSES,
        )
        .exclude(membership__debit_lines__run=run)
        .select_related("account", "membership__employee", "membership__insured_group")
        .order_by("pk")
    )


def due_debits(due_date: date, run: DebitRun) -> list[DueDebit]:
    """What each mandate whose day and frequency fall on `due_date` owes then, for the
    memberships not yet in `run`."""
    mandates = list(_candidates(due_date, run))
    membership_ids = [m.membership_id for m in mandates]
    debited_until = dict(
        DebitLine.objects.filter(membership_id__in=membership_ids)
        .exclude(status=LineStatus.CANCELLED)
        .values("membership_id")
        .annotate(until=Max("period_end"))
        .values_list("membership_id", "until")
    )
    used = set(
        DebitLine.objects.filter(mandate__in=mandates)
        .exclude(status=LineStatus.CANCELLED)
        .values_list("mandate_id", flat=True)
    )
    due: list[DueDebit] = []
    for mandate in mandates:
        membership = mandate.membership
        assert mandate.signed_at is not None
        period = rules.due_period(
            frequency=mandate.frequency,
            debit_day=mandate.debit_day,
            due_date=due_date,
            effective_date=membership.effective_date,
            signed_on=timezone.localdate(mandate.signed_at),
            end_date=membership.end_date,
            last_debited_until=debited_until.get(membership.pk),
        )
        if period is None:
            continue
        # The family covered when the period starts (a life event's dependant, from its date).
        amount = rules.amount_in_cents(current_costs(membership, on=period.start).total, period)
        if amount <= 0:
            continue
        sequence = rules.sequence_type(first_debit=mandate.pk not in used)
        due.append(DueDebit(mandate, period, amount, sequence))
    return due


def _notify(line: DebitLine, due_date: date) -> None:
    """R6.6: the amount, the date, the RUM and the ICS, before the debit."""
    employee = line.membership.employee
    if not employee.email:
        return
    message = send_email(
        to=employee.email,
        template="debit_notice",
        context={
            "employee": employee,
            "membership": line.membership,
            "amount": f"{line.amount_cents / 100:.2f}".replace(".", ","),
            "due_date": due_date,
            "period": remittance(rules.Period(line.period_start, line.period_end)),
            "mandate_reference": line.mandate_reference,
            "creditor_id": settings.SEPA_CREDITOR_ID,
            "creditor_name": settings.SEPA_CREDITOR_NAME,
        },
    )
    line.notice = message
    line.notified_at = timezone.now()
    line.save(update_fields=["notice", "notified_at"])


def _refresh_totals(run: DebitRun, now: datetime) -> None:
    kept = run.lines.exclude(status=LineStatus.CANCELLED)
    run.line_count = kept.count()
    run.total_cents = kept.aggregate(total=Sum("amount_cents"))["total"] or 0
    run.updated_at = now
    run.save(update_fields=["line_count", "total_cents", "updated_at"])


@transaction.atomic(durable=True)
def prepare_run(
    *, due_date: date, by: User | None, today: date | None = None, now: datetime | None = None
) -> DebitRun:
    """ "Préparer un prélèvement": one line per membership that owes something on `due_date`,
    each debtor pre-notified by e-mail. Preparing the same date again adds only the
    memberships that became due since (a mandate signed meanwhile), never a second line."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    check_due_date(due_date, today=today)
    run, _ = DebitRun.objects.get_or_create(
        due_date=due_date, defaults={"created_by": by, "created_at": now, "updated_at": now}
    )
    run = DebitRun.objects.select_for_update().get(pk=run.pk)
    if run.status != RunStatus.PREPARED:
        raise BusinessError(BillingError.RUN_ALREADY_SENT, due_date=_fr_date(due_date))
    added: list[DebitLine] = []
    for debit in due_debits(due_date, run):
        mandate = debit.mandate
        assert mandate.signed_at is not None
        line = DebitLine.objects.create(
            run=run,
            membership=mandate.membership,
            mandate=mandate,
            mandate_reference=mandate.reference,
            mandate_signed_on=timezone.localdate(mandate.signed_at),
            debtor_name=mandate.account.holder,
            iban=mandate.account.iban,
            bic=mandate.account.bic,
            sequence=debit.sequence,
            period_start=debit.period.start,
            period_end=debit.period.end,
            amount_cents=debit.amount_cents,
            end_to_end_id=rules.end_to_end_id(mandate.membership.member_number, due_date),
        )
        added.append(line)
    # The file is written when staff download it; writing it now checks, before any debtor is
    # told, that every line passes the schema (a bad line fails the whole preparation).
    if added:
        debit_file(due_date, _file_lines(run))
    for line in added:
        _notify(line, due_date)
    _refresh_totals(run, now)
    audit.record(
        AuditAction.DEBIT_RUN_PREPARED,
        by=by,
        target=run,
        due_date=due_date.isoformat(),
        added=len(added),
        lines=run.line_count,
        total_cents=run.total_cents,
    )
    return run


def _file_lines(run: DebitRun) -> QuerySet[DebitLine]:
    return run.lines.exclude(status=LineStatus.CANCELLED).order_by("sequence", "pk")


@transaction.atomic(durable=True)
def download_run_file(
    *, run_id: int, by: User, request: HttpRequest | None = None, now: datetime | None = None
) -> DebitRun:
    """Staff take the run's pain.008 file for the bank (it holds IBANs: audited). The first
    download writes it, without the lines whose mandate was revoked or whose cover ended
    before their period since the run was prepared; the next ones give the same file."""
    now = now or timezone.now()
    run = DebitRun.objects.select_for_update().get(pk=run_id)
    if run.status == RunStatus.PREPARED:
        stopped = run.lines.filter(status=LineStatus.SCHEDULED).filter(
            Q(mandate__revoked_at__isnull=False)
            | Q(membership__end_date__lt=F("period_start"))
            | ~Q(membership__status__in=DEBITED_STATUSES)
        )
        stopped.update(status=LineStatus.CANCELLED)
        _refresh_totals(run, now)
        if run.line_count == 0:
            raise BusinessError(BillingError.RUN_EMPTY)
        run.file_xml = debit_file(run.due_date, _file_lines(run)).decode()
        run.file_name = f"prelevements-{run.due_date:%Y-%m-%d}.xml"
        run.status = RunStatus.DOWNLOADED
        run.downloaded_at = now
        run.save(update_fields=["file_xml", "file_name", "status", "downloaded_at"])
        run.lines.filter(status=LineStatus.SCHEDULED).update(status=LineStatus.IN_FILE)
    audit.record(
        AuditAction.DEBIT_FILE_DOWNLOADED,
        by=by,
        target=run,
        request=request,
        due_date=run.due_date.isoformat(),
        lines=run.line_count,
    )
    return run


@transaction.atomic(durable=True)
def revoke_mandate(*, mandate_id: int, by: User | None, now: datetime | None = None) -> None:
    """The debtor revoked their mandate with us (R6.4): it is not debited any more, including
    in a run prepared but not yet sent to the bank (the lines are left out at the download)."""
    record_revocation(mandate_id=mandate_id, by=by, now=now or timezone.now())
