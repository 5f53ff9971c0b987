"""The demo's members put "en gestion" get their card through the same listener."""

from __future__ import annotations

import pytest

from portal.backoffice.demo import load_demo
from portal.cards.models import MembershipCard
from portal.enrollment.models import Membership, MembershipStatus

pytestmark = pytest.mark.django_db


def test_the_demo_s_active_health_members_have_a_current_card() -> None:
    load_demo()
    active = set(
        Membership.objects.filter(
            status=MembershipStatus.ACTIVE, contract__kind="health"
        ).values_list("pk", flat=True)
    )
    current = set(
        MembershipCard.objects.filter(superseded_at=None).values_list("membership_id", flat=True)
    )
    assert active and active <= current
    lenoir = MembershipCard.objects.get(
        membership__employee__last_name="LENOIR",
        membership__contract__company__legal_name="BOULANGERIES MARTIN SAS",
        membership__contract__kind="health",
        superseded_at=None,
    )
    assert lenoir.ends_at is not None and lenoir.ends_at.isoformat() == "2026-06-30"
    assert not MembershipCard.objects.filter(membership__contract__kind="provident").exists()
