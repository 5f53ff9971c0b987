"""Walk every company-scoped URL: another tenant's objects are 404, never 500 or visible."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from conftest import declare, make_user
from portal.accounts.models import User
from portal.api.keys import create_key
from portal.api.models import ApiKey, Scope
from portal.companies.models import Company, DelegatedAccess, InsuredGroup, Product
from portal.enrollment.models import Employee, Membership
from portal.imports.models import ImportBatch
from portal.terminations.models import Termination
from portal.terminations.services import terminate_membership
from portal.tracking.models import Request
from portal.webhooks.models import WebhookEndpoint, WebhookMessage

# How to find, for a company, an object id for each URL parameter. A new company-scoped
# view with a new parameter must add its line here (the walk fails until it does).
OBJECT_OF_COMPANY: dict[str, Callable[[Company], int]] = {
    "product_id": lambda c: Product.objects.get(base_of_groups__contract__company=c).pk,
    "employee_id": lambda c: Employee.objects.get(company=c).pk,
    "request_id": lambda c: Request.objects.get(company=c, reason="affiliation").pk,
    "batch_id": lambda c: ImportBatch.objects.get(company=c).pk,
    "membership_id": lambda c: Membership.objects.get(contract__company=c).pk,
    "termination_id": lambda c: Termination.objects.get(membership__contract__company=c).pk,
    "endpoint_id": lambda c: WebhookEndpoint.objects.get(company=c).pk,
    "message_id": lambda c: WebhookMessage.objects.get(endpoint__company=c).pk,
    "key_id": lambda c: ApiKey.objects.get(company=c).pk,
    "access_id": lambda c: DelegatedAccess.objects.get(company=c).pk,
}
# Parameters that are not objects: the value to use.
FIXED_VALUES = {"extension": "csv"}


def fetch(client: Client, url: str) -> int:
    """GET the page; POST where the view only takes POST (an action button)."""
    status = client.get(url).status_code
    return client.post(url).status_code if status == 405 else status


def company_patterns() -> Iterator[tuple[str, list[str]]]:
    """(URL name, parameter names) of every route that takes a company_id."""

    def walk(
        patterns: list[URLPattern | URLResolver], namespace: str = ""
    ) -> Iterator[tuple[str, list[str]]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace or ""
                yield from walk(pattern.url_patterns, f"{namespace}{ns}:" if ns else namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                params = list(pattern.pattern.converters)
                if "company_id" in params:
                    yield f"{namespace}{pattern.name}", params

    return walk(get_resolver().url_patterns)


def url_for(name: str, params: list[str], company: Company, objects_of: Company) -> str:
    kwargs: dict[str, int | str] = {"company_id": company.pk}
    for param in params:
        if param in FIXED_VALUES:
            kwargs[param] = FIXED_VALUES[param]
        elif param != "company_id":
            assert param in OBJECT_OF_COMPANY, f"add a line for {param} in OBJECT_OF_COMPANY"
            kwargs[param] = OBJECT_OF_COMPANY[param](objects_of)
    return reverse(name, kwargs=kwargs)


PATTERNS = list(company_patterns())


@pytest.fixture(autouse=True)
def employees_in_both(db: None, company_a: Company, company_b: Company) -> None:
    for company, email in [(company_a, "cedric.simon@example.org"), (company_b, "b@example.org")]:
        declared = declare(company, email=email)
        terminate_membership(
            company=company,
            membership_id=declared.membership_id,
            hire_date=date(2024, 3, 1),
            termination_date=timezone.localdate(),
            motif="resignation",
            portability=None,
            by=None,
            today=timezone.localdate(),
        )
        ImportBatch.objects.create(
            company=company,
            insured_group=InsuredGroup.objects.filter(contract__company=company).get(),
            filename="salaries.xlsx",
            file=SimpleUploadedFile("salaries.xlsx", b"PK"),
            rejection_file=SimpleUploadedFile("rejet.xlsx", b"PK"),
            status="done",
        )
        endpoint = WebhookEndpoint.objects.create(
            company=company, url="https://rh.example.org/hooks", events=["request.created"]
        )
        WebhookMessage.objects.create(
            endpoint=endpoint, message_id=f"msg_{company.pk}", event_type="request.created"
        )
        DelegatedAccess.objects.create(
            company=company,
            user=make_user(f"comptable-{company.pk}@example.org"),
            kind="accountant",
        )
        create_key(
            company=company,
            name="Paie",
            scopes=[Scope.READ],
            expires_on=None,
            by=None,
            today=timezone.localdate(),
        )


def test_the_walk_finds_the_employer_pages() -> None:
    names = {name for name, _ in PATTERNS}
    assert {
        "employer:home",
        "companies:my_company",
        "companies:documents",
        "companies:coverage_table",
        "tracking:requests",
        "employer:employees",
        "employer:employee",
        "tracking:remind",
        "imports:upload",
        "imports:batch",
        "imports:rejection_file",
        "imports:correct",
        "imports:history",
        "dsn:reconciliation",
        "webhooks:endpoints",
        "webhooks:endpoint",
        "webhooks:replay",
        "api_access:access",
        "api_access:revoke",
        "companies:accesses",
        "companies:withdraw_access",
        "terminations:register",
    } <= names


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "params"), PATTERNS)
def test_correspondent_of_a_gets_404_on_company_b(
    client: Client,
    correspondent_a: User,
    company_a: Company,
    company_b: Company,
    name: str,
    params: list[str],
) -> None:
    client.force_login(correspondent_a)
    assert fetch(client, url_for(name, params, company_b, company_b)) == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "params"), [p for p in PATTERNS if set(p[1]) & set(OBJECT_OF_COMPANY)]
)
def test_correspondent_of_a_gets_404_on_b_objects_through_company_a(
    client: Client,
    correspondent_a: User,
    company_a: Company,
    company_b: Company,
    name: str,
    params: list[str],
) -> None:
    client.force_login(correspondent_a)
    assert fetch(client, url_for(name, params, company_a, company_b)) == 404


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "params"), PATTERNS)
def test_logged_out_visitor_is_sent_to_login(
    client: Client, company_a: Company, name: str, params: list[str]
) -> None:
    url = url_for(name, params, company_a, company_a)
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "params"), PATTERNS)
def test_unknown_ids_are_404(
    client: Client, correspondent_a: User, company_a: Company, name: str, params: list[str]
) -> None:
    client.force_login(correspondent_a)
    kwargs = {p: FIXED_VALUES.get(p, 999_999) for p in params}
    assert fetch(client, reverse(name, kwargs=kwargs)) == 404


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "params"), PATTERNS)
def test_staff_and_other_roles_are_refused_from_the_employer_space(
    client: Client, staff_user: User, company_a: Company, name: str, params: list[str]
) -> None:
    client.force_login(staff_user)
    assert fetch(client, url_for(name, params, company_a, company_a)) == 403
