"""The invitation link expires on the 60th day in Paris, whatever summer time does meanwhile."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from portal.enrollment.services import invitation_expiry

PARIS = ZoneInfo("Europe/Paris")
UTC = ZoneInfo("UTC")


@pytest.mark.parametrize(
    ("sent_at", "expiry_day"),
    [
        # 23:30 in Paris in winter; the 60th day falls after the change to summer time.
        (datetime(2027, 1, 31, 22, 30, tzinfo=UTC), date(2027, 4, 1)),
        # 00:30 in Paris in summer; the 60th day falls after the change back to winter time.
        (datetime(2026, 9, 30, 22, 30, tzinfo=UTC), date(2026, 11, 30)),
        (datetime(2026, 6, 1, 10, 0, tzinfo=UTC), date(2026, 7, 31)),
    ],
)
def test_link_expires_on_the_sixtieth_paris_day_across_summer_time(
    sent_at: datetime, expiry_day: date
) -> None:
    expires_at = invitation_expiry(sent_at)
    assert expires_at.astimezone(PARIS).date() == expiry_day
    assert expires_at.astimezone(PARIS).time() == sent_at.astimezone(PARIS).time()
    assert (expiry_day - sent_at.astimezone(PARIS).date()).days == 60
