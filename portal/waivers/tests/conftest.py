from __future__ import annotations

from datetime import date

import pytest

from conftest import declare
from portal.accounts.models import Role, User
from portal.companies.models import Company
from portal.enrollment.models import Membership

HIRED = date(2024, 5, 15)


@pytest.fixture
def company(company_a: Company) -> Company:
    company_a.waivers_enabled = True
    company_a.save(update_fields=["waivers_enabled"])
    return company_a


@pytest.fixture
def membership(company: Company) -> Membership:
    request = declare(company, hire_date=HIRED, effective_date=HIRED)
    membership: Membership | None = request.membership
    assert membership is not None
    return membership


@pytest.fixture
def member(membership: Membership) -> User:
    user = membership.employee.user  # the declaration made the employee's login
    assert user is not None and user.role == Role.MEMBER
    return user
