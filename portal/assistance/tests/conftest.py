from __future__ import annotations

import pytest
from django.core.cache import cache

from conftest import declare, make_user
from portal.accounts.models import Role, User
from portal.companies.models import Company
from portal.enrollment.models import Membership


@pytest.fixture(autouse=True)
def fresh_throttles() -> None:
    cache.clear()  # the wrong-code counters live in the cache


@pytest.fixture
def membership(company_a: Company) -> Membership:
    request = declare(company_a)
    return Membership.objects.select_related("employee__user").get(pk=request.membership_id)


@pytest.fixture
def employee_user(membership: Membership) -> User:
    user = membership.employee.user
    assert user is not None
    return user


@pytest.fixture
def adviser(db: None) -> User:
    return make_user("conseil@example.org", Role.STAFF, is_staff=True)
