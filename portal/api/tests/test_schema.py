"""Schemathesis over the whole schema: generated calls, valid and not, with a key of the company
(every right), never answer a server error nor a response off the schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings

from conftest import declare
from portal.api import keys
from portal.api.models import Scope
from portal.companies.models import Company


@pytest.fixture
def kept_connection() -> Iterator[None]:
    """The test's database connection stays open across the calls, as Django's test client
    keeps it: the WSGI handler would close it at the end of each request (PostgreSQL: the
    test's transaction with it)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def secret(db: None, kept_connection: None, company_a: Company) -> str:
    declare(company_a)  # an employee, a membership and a request to find, cancel, terminate
    return keys.create_key(
        company=company_a,
        name="Schemathesis",
        scopes=[Scope.READ, Scope.DECLARE, Scope.TERMINATE],
        expires_on=None,
        by=None,
        today=timezone.localdate(),
    ).secret


# Loaded at collection (pytest-django has set Django up): the schema needs no database.
# No server error and every answer as the schema says (status, content type, headers, body).
# Not the checks that a schema-valid call be accepted: a business rule refuses many (422).
CHECKS = [
    getattr(schemathesis.checks, name)
    for name in (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    )
]
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_generated_call_gets_a_server_error_or_an_answer_off_the_schema(
    case: Any, secret: str, settings: Any
) -> None:
    settings.API_RATE_LIMIT_PER_MINUTE = 1_000_000
    case.call_and_validate(headers={"Authorization": f"Bearer {secret}"}, checks=CHECKS)
