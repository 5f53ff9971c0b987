"""Reading a company's requests, with the filters of "Mes demandes"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404

from portal.companies.models import Company
from portal.enrollment.models import Invitation, search_key
from portal.notifications.models import Channel, MessageStatus
from portal.tracking.models import STAFF_ONLY_EVENTS, Request, RequestEvent

PAGE_SIZE = 20
# "Mes demandes", newest first; those of one file by name (`Request`'s indexes follow it).
REQUEST_ORDER = ("-created_at", "search_name", "-id")


def name_matches(text: str) -> Q:
    """ "Nom Prénom", "Prénom Nom" or the start of either, on indexed prefix columns.

    On SQLite the prefix is a range (`key` ≤ name < the next key): its LIKE ignores case, so
    it cannot use the (binary) index and would scan the company; the keys are lower case, so
    both say the same. PostgreSQL's LIKE uses its pattern-ops indexes."""
    key = search_key(text)
    if not key:
        return Q()
    if connection.vendor == "sqlite":
        after = key[:-1] + chr(ord(key[-1]) + 1)
        return Q(search_name__gte=key, search_name__lt=after) | Q(
            search_name_reversed__gte=key, search_name_reversed__lt=after
        )
    return Q(search_name__startswith=key) | Q(search_name_reversed__startswith=key)


def requests_of(
    company: Company, *, state: str = "", reason: str = "", name: str = "", source: str = ""
) -> QuerySet[Request]:
    """The company's requests, newest first, filtered as "Mes demandes" asks; those created at
    the same moment (one file) by the accent-free name (`search_name`: PÉLISSIER, PETIT, PUYOT),
    the same on SQLite and PostgreSQL."""
    requests = Request.objects.filter(company=company)
    if state:
        requests = requests.filter(state=state)
    if reason:
        requests = requests.filter(reason=reason)
    if source:
        requests = requests.filter(source=source)
    if name:
        requests = requests.filter(name_matches(name))
    sent = RequestEvent.objects.filter(request=OuterRef("pk"), message__isnull=False)
    last = sent.order_by("-at", "-id")
    last_email = last.filter(message__channel=Channel.EMAIL).values("message__status")[:1]
    return (
        requests.annotate(
            last_email_status=Subquery(last_email),
            last_message_channel=Subquery(last.values("message__channel")[:1]),
            last_message_status=Subquery(last.values("message__status")[:1]),
            last_message_at=Subquery(last.values("at")[:1]),
        )
        .select_related("employee", "membership")
        .prefetch_related(
            Prefetch(
                "membership__invitations",
                queryset=Invitation.objects.filter(used_at=None, revoked_at=None),
                to_attr="open_invitations",
            )
        )
        .order_by(*REQUEST_ORDER)
    )


def get_request_for_company(company: Company, request_id: int) -> Request:
    request = (
        Request.objects.filter(company=company, pk=request_id).select_related("employee").first()
    )
    if request is None:
        raise Http404("Demande introuvable.")
    return request


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    label: str


# What became of the message a step sent (issue 17, item 2), after the step's label.
_CHANNEL_WORDS: dict[str, str] = {
    Channel.EMAIL: "e-mail",
    Channel.SMS: "SMS",
    Channel.LETTER: "courrier",
}
_DELIVERY: dict[str, str] = {
    MessageStatus.PENDING: "en attente d'envoi",
    MessageStatus.SENT: "envoyé",
    MessageStatus.FAILED: "non distribué",
}
EMAIL_FAILED = "e-mail non distribué : l'adresse du salarié est peut-être erronée"


def delivery_words(channel: str, status: str) -> str:
    """ "e-mail envoyé", "SMS en attente d'envoi", "courrier non distribué"."""
    return f"{_CHANNEL_WORDS.get(channel, channel)} {_DELIVERY.get(status, status)}"


def delivery(event: RequestEvent) -> str:
    """ "e-mail envoyé", "SMS en attente d'envoi", "e-mail non distribué : vérifiez…"; ""."""
    message = event.message if event.message_id else None
    if message is None:
        return ""
    if message.status == MessageStatus.FAILED and message.channel == Channel.EMAIL:
        return EMAIL_FAILED
    return delivery_words(message.channel, message.status)


def events_with_messages() -> Any:
    """The timeline's events and their messages, for `prefetch_related`."""
    return Prefetch("events", queryset=RequestEvent.objects.select_related("message"))


def _label(event: RequestEvent) -> str:
    label = f"{event.get_kind_display()} : {event.note}" if event.note else event.get_kind_display()
    state = delivery(event)
    return f"{label} — {state}" if state else label


def timeline(request: Request, *, staff: bool = False) -> list[TimelineEntry]:
    """The request's events — each with what became of the message it sent —, with the
    employee's own steps (account activated) in order; the staff-internal steps (taken,
    released) only for `staff`."""
    entries = [
        TimelineEntry(e.at, _label(e))
        for e in request.events.all()
        if staff or e.kind not in STAFF_ONLY_EVENTS
    ]
    if request.membership is not None:
        for invitation in request.membership.invitations.all():
            if invitation.used_at is not None:
                entries.append(TimelineEntry(invitation.used_at, "Compte activé par le salarié"))
    return sorted(entries, key=lambda e: e.at)
