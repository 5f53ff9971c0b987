"""The demo's member requests (`member_requests.demo`), on the real demo data."""

from __future__ import annotations

import pytest

from portal.accounts.models import User
from portal.backoffice.demo import load_demo
from portal.member_requests.choices import RequestKind, RequestState
from portal.member_requests.demo import load_member_requests_demo
from portal.member_requests.models import MemberRequest

pytestmark = pytest.mark.django_db


def test_demo_has_a_pending_newborn_and_an_accepted_removal() -> None:
    load_demo()
    staff = User.objects.get(email="staff@demo.example")
    load_member_requests_demo(staff=staff)
    load_member_requests_demo(staff=staff)  # idempotent
    found = sorted(
        (r.employee.last_name, r.kind, r.state, r.proof_content_type)
        for r in MemberRequest.objects.select_related("employee")
    )
    assert found == [
        ("FABRE", RequestKind.REMOVE_DEPENDANT, RequestState.ACCEPTED, "application/pdf"),
        ("PUYOT", RequestKind.ADD_DEPENDANT, RequestState.SUBMITTED, "application/pdf"),
    ]
