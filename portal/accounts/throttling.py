"""Fixed-window counters on the shared cache: failed logins per address, reset e-mails per
account and per address (issue 12). The database cache is shared by every web process."""

from __future__ import annotations

import hashlib

from django.core.cache import cache


def _key(scope: str, subject: str) -> str:
    # Hashed: the cache table holds no address or login in clear.
    return "throttle:" + scope + ":" + hashlib.sha256(subject.encode()).hexdigest()[:32]


def count(scope: str, subject: str) -> int:
    """How many hits `subject` has in the current window of `scope`."""
    return int(cache.get(_key(scope, subject), 0))


def hit(scope: str, subject: str, *, window_seconds: int) -> int:
    """Count one more hit; the window starts with the first hit. The new count."""
    key = _key(scope, subject)
    if cache.add(key, 1, timeout=window_seconds):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window_seconds)
        return 1


def over_limit(scope: str, subject: str, *, limit: int) -> bool:
    return count(scope, subject) >= limit
