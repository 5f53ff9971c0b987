"""Pure rules of webhooks: which addresses may receive them, when to retry, when to give up.

No ORM, no clock: callers pass `now` and the settings' values.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from portal.core.errors import Problem
from portal.webhooks.choices import EventType
from portal.webhooks.errors import WebhookError

URL_MAX_LENGTH = 500
# Names that always mean this machine or the local network (RFC 6761 "localhost", RFC 6762
# ".local" multicast DNS).
_LOCAL_NAMES = ("localhost", ".localhost", ".local")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_public_address(address: IPAddress) -> bool:
    """A globally routable address: not loopback (127/8, ::1), private (10/8, 172.16/12,
    192.168/16, fc00::/7), link-local (169.254/16, fe80::/10), shared (100.64/10), multicast,
    reserved or unspecified; an IPv4-mapped IPv6 address is judged by its IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def host_problem(host: str) -> Problem | None:
    """The problem with `host` (a name or an address literal) as a public destination."""
    name = host.lower().rstrip(".")
    if name == _LOCAL_NAMES[0] or name.endswith(_LOCAL_NAMES[1:]):
        return Problem.of(WebhookError.WEBHOOK_URL_LOCAL, "url", host=host)
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return None  # a name: checked again against what it resolves to, at each delivery
    if not is_public_address(address):
        return Problem.of(WebhookError.WEBHOOK_URL_LOCAL, "url", host=host)
    return None


def url_problems(url: str, *, allow_local: bool) -> list[Problem]:
    """What is wrong with `url` as a notification address: HTTPS, a host, no credentials, and
    (unless `allow_local`, the tests' and the demo's receivers) no local or private host."""
    if len(url) > URL_MAX_LENGTH:
        return [Problem.of(WebhookError.WEBHOOK_URL_TOO_LONG, "url", limit=URL_MAX_LENGTH)]
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        _ = parts.port  # raises ValueError for a port out of range
    except ValueError:
        return [Problem.of(WebhookError.WEBHOOK_URL_INVALID, "url")]
    if parts.scheme not in {"http", "https"} or not host or any(c.isspace() for c in url.strip()):
        return [Problem.of(WebhookError.WEBHOOK_URL_INVALID, "url")]
    if parts.username is not None or parts.password is not None:
        return [Problem.of(WebhookError.WEBHOOK_URL_CREDENTIALS, "url")]
    if allow_local:
        return []
    if parts.scheme != "https":
        return [Problem.of(WebhookError.WEBHOOK_URL_NOT_HTTPS, "url")]
    problem = host_problem(host)
    return [problem] if problem else []


def event_problems(events: Iterable[str]) -> list[Problem]:
    """An endpoint listens to at least one event, each of the published list."""
    chosen = list(events)
    if not chosen:
        return [Problem.of(WebhookError.WEBHOOK_EVENTS_REQUIRED, "events")]
    return [
        Problem.of(WebhookError.WEBHOOK_EVENT_UNKNOWN, "events", event=event)
        for event in chosen
        if event not in EventType.values
    ]


def retry_delay(failed_attempts: int, schedule: Sequence[int]) -> timedelta | None:
    """How long after its `failed_attempts`-th failed attempt a message is tried again, or
    None when the schedule is exhausted (failed for good). Standard Webhooks' recommendation:
    immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h."""
    if failed_attempts < 1 or failed_attempts > len(schedule):
        return None
    return timedelta(seconds=schedule[failed_attempts - 1])


def should_disable(
    *,
    consecutive_failures: int,
    failing_since: datetime | None,
    now: datetime,
    min_failures: int,
    failing_for: timedelta,
) -> bool:
    """An endpoint is disabled when no delivery to it has succeeded for `failing_for` (5 days)
    of failures and at least `min_failures` attempts in a row failed: a short outage during a
    big import (many failures in minutes) or two stray failures days apart do not disable it."""
    return (
        failing_since is not None
        and consecutive_failures >= min_failures
        and now - failing_since >= failing_for
    )
