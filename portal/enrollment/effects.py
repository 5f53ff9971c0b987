"""What other apps do when a membership's cover changes (e.g. `cards` remakes the card).

Enrollment sits below those apps: they register a listener from their `AppConfig.ready()`;
`move_membership` and the services that change an active membership's dependants or products
call `membership_changed` inside their own transaction, so a listener's failure rolls the
change back and a listener's writes commit with it.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Protocol


class MembershipChange(StrEnum):
    """Why a listener is called."""

    STATUS = "status"  # entered or left "active" (put en gestion; terminated; undone)
    DEPENDANTS = "dependants"  # a dependant added, changed or removed
    PRODUCTS = "products"  # the option (cover) changed


class MembershipListener(Protocol):
    def __call__(
        self, *, membership_id: int, what: MembershipChange, cover_until: date | None
    ) -> object: ...


_LISTENERS: list[MembershipListener] = []


def register_membership_listener(listener: MembershipListener) -> None:
    """Call `listener` on every membership change (once, however often `ready()` runs)."""
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def membership_changed(
    membership_id: int, what: MembershipChange, *, cover_until: date | None = None
) -> None:
    """Tell the listeners; `cover_until` is the end of cover after a termination when it
    runs past the membership's end date (portability, dependants kept after a death)."""
    for listener in _LISTENERS:
        listener(membership_id=membership_id, what=what, cover_until=cover_until)
