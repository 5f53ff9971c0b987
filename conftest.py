"""Shared fixtures: demo-like companies and users, a real anti-robot solver, media in tmp."""

from __future__ import annotations

import base64
import html
import json
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import altcha
import pytest
from django.db import connection, connections
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteDatabaseWrapper
from django.test import Client, TestCase
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.models import Role, User
from portal.companies.models import (
    AccountManager,
    Company,
    Contract,
    ContractKind,
    InsuredGroup,
    Product,
    ProductKind,
)
from portal.enrollment.declarations import EmployeeDeclaration
from portal.notifications.backends import Delivery, MemoryBackend
from portal.tracking.models import Source
from portal.tracking.services import declare_employee

PASSWORD = "Bonjour-2026!"


class CommitClient(Client):
    """A test client that runs the request's on-commit callbacks (tasks, e-mails) like the
    real server does after its transaction commits."""

    def request(self, **request: Any) -> Any:
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)


@pytest.fixture(scope="session", autouse=True)
def signing_certificate() -> None:
    """The self-signed key and certificate the tests sign with, made once under var/cache/."""
    from django.conf import settings

    from portal.signatures.certificates import make_signing_certificate

    make_signing_certificate(
        key_file=Path(settings.SIGNING_KEY_FILE),
        cert_file=Path(settings.SIGNING_CERT_FILE),
        passphrase=settings.SIGNING_KEY_PASSPHRASE,
        organization=settings.PORTAL_BRAND["insurer_name"],
    )


@pytest.fixture
def client() -> Client:
    return CommitClient()


FORCE_LOGIN_DEVICE = "force_login"


@pytest.fixture(autouse=True)
def force_login_passes_second_factor(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`client.force_login(user)` skips the password; it skips the second factor the same way:
    the session is marked verified by a confirmed device of the user (django-otp), as after a
    real code step. Tests of the real login flow opt out with `@pytest.mark.real_login`."""
    if request.node.get_closest_marker("real_login"):
        return
    original = Client.force_login

    def force_login(self: Client, user: Any, backend: str | None = None) -> None:
        original(self, user, backend)
        if getattr(user, "role", Role.MEMBER) == Role.MEMBER:
            return
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name=FORCE_LOGIN_DEVICE, defaults={"confirmed": True}
        )
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def media_root(tmp_path: Path, settings: Any) -> Path:
    media: Path = tmp_path / "media"
    settings.MEDIA_ROOT = media
    return media


@pytest.fixture(autouse=True)
def delivered(tmp_path: Path, settings: Any) -> Iterator[list[Delivery]]:
    """The SMS and letters delivered during the test (`MemoryBackend`), as `mail.outbox` holds
    the e-mails; a demo outbox, if a test turns it on, writes under the test's directory."""
    settings.DEV_OUTBOX_DIR = tmp_path / "dev-outbox"
    MemoryBackend.delivered.clear()
    yield MemoryBackend.delivered
    MemoryBackend.delivered.clear()


def text(response: Any) -> str:
    """A response's HTML with entities decoded, to compare with French sentences."""
    return html.unescape(response.content.decode())


def link_in(pattern: str, body: object) -> str:
    """The first match of `pattern` in a message's body, which must have one."""
    match = re.search(pattern, str(body))
    assert match, f"nothing like {pattern} in the message"
    return match.group(0)


def solve_robot_check(page_html: str) -> str:
    """Solve the page's proof-of-work challenge as the browser widget does; the payload."""
    match = re.search(r'challengejson="([^"]+)"', page_html)
    assert match, "the page has no anti-robot challenge"
    challenge = json.loads(html.unescape(match.group(1)))
    solution = altcha.solve_challenge(
        challenge["challenge"],
        challenge["salt"],
        challenge["algorithm"],
        challenge["max_number"],
    )
    assert solution is not None
    payload = {
        "algorithm": challenge["algorithm"],
        "challenge": challenge["challenge"],
        "number": solution.number,
        "salt": challenge["salt"],
        "signature": challenge["signature"],
    }
    return base64.b64encode(json.dumps(payload).encode()).decode()


def post_with_robot_check(client: Client, url: str, data: dict[str, Any]) -> Any:
    """GET the form, solve its anti-robot check, POST it (as a person in a browser would)."""
    page = client.get(url)
    return client.post(url, {**data, "robot": solve_robot_check(page.content.decode())})


def make_company(name: str, siret: str, manager: AccountManager, **fields: Any) -> Company:
    return Company.objects.create(
        legal_name=name,
        siret=siret,
        address_street="1 RUE DE LA PAIX",
        postal_code="75002",
        city="PARIS",
        account_manager=manager,
        **fields,
    )


@pytest.fixture
def manager(db: None) -> AccountManager:
    return AccountManager.objects.create(
        first_name="Claire", last_name="Moreau", phone="01 84 60 12 34", email="cm@example.org"
    )


@pytest.fixture
def base_product(db: None) -> Product:
    return Product.objects.create(code="NIS/CHN0010", label="Socle", kind=ProductKind.BASE)


@pytest.fixture
def company_a(manager: AccountManager, base_product: Product) -> Company:
    company = make_company("ALPHA SAS", "73282932000074", manager, trade_name="Alpha")
    contract = Contract.objects.create(
        company=company, number="A0001", kind=ContractKind.HEALTH, start_date=date(2024, 1, 1)
    )
    InsuredGroup.objects.create(
        contract=contract, code="02ENSP", label="Cadres", base_product=base_product
    )
    return company


@pytest.fixture
def company_b(manager: AccountManager) -> Company:
    company = make_company("BETA SARL", "44306184100047", manager)
    other = Product.objects.create(code="NIS/BETA01", label="Beta", kind=ProductKind.BASE)
    contract = Contract.objects.create(
        company=company, number="B0001", kind=ContractKind.HEALTH, start_date=date(2024, 1, 1)
    )
    InsuredGroup.objects.create(contract=contract, code="01", label="Tous", base_product=other)
    return company


def make_user(email: str, role: str = Role.CORRESPONDENT, **fields: Any) -> User:
    return User.objects.create_user(
        email, PASSWORD, role=role, first_name="Sophie", last_name="Lambert", **fields
    )


@pytest.fixture
def correspondent_a(company_a: Company) -> User:
    user = make_user("rh-a@example.org")
    user.companies.add(company_a)
    return user


@pytest.fixture
def correspondent_b(company_b: Company) -> User:
    user = make_user("rh-b@example.org")
    user.companies.add(company_b)
    return user


@pytest.fixture
def staff_user(db: None) -> User:
    return make_user("staff@example.org", Role.STAFF, is_staff=True, is_superuser=True)


@pytest.fixture
def client_a(client: Client, correspondent_a: User) -> Iterator[Client]:
    client.force_login(correspondent_a)
    yield client


def make_nir(sex: str = "1", yymm: str = "8505", place: str = "75115", order: str = "123") -> str:
    """A NIR with its valid key."""
    from stdnum.fr import nir

    body = f"{sex}{yymm}{place}{order}"
    return body + nir.calc_check_digits(body + "00")


def declaration(company: Company, **overrides: Any) -> EmployeeDeclaration:
    """A valid declaration for `company`'s first insured group (born May 1985, in Paris)."""
    group = InsuredGroup.objects.filter(contract__company=company).order_by("pk").first()
    assert group is not None
    values: dict[str, Any] = dict(
        civility="M",
        last_name="Simon",
        first_name="Cédric",
        birth_date=date(1985, 5, 14),
        hire_date=date(2024, 3, 1),
        effective_date=date(2024, 3, 1),
        insured_group_ids=[group.pk],
        alsace_moselle=False,
        nir=make_nir(),
        fund_code="011751234",
        street_number="20",
        street_name="rue Gambetta",
        postal_code="92000",
        city="Nanterre",
        email="cedric.simon@example.org",
        employee_number="M-0001",
    )
    values.update(overrides)
    return EmployeeDeclaration(**values)


def declare(company: Company, by: User | None = None, **overrides: Any) -> Any:
    """Declare one employee through the one validation path, committing its side effects.

    Typed `Any` on purpose: most tests read the request's membership, set by a declaration."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return declare_employee(
            company=company,
            declaration=declaration(company, **overrides),
            source=Source.FORM,
            by=by,
            today=date(2024, 4, 1),
        )


T = TypeVar("T")


@contextmanager
def file_copy_of_the_database(path: Path) -> Iterator[None]:
    """Connections opened meanwhile (other threads) use a file copy of the test database.

    SQLite's in-memory test database is shared-cache: there a second writer fails at once with
    "database table is locked" instead of waiting for the first one as it does on a database
    file (BEGIN IMMEDIATE, 20 s timeout). PostgreSQL needs no copy.
    """
    database = connections["default"]
    if not isinstance(database, SQLiteDatabaseWrapper) or not database.is_in_memory_db():
        yield
        return
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    # In WAL mode before the threads connect: two connections switching a fresh file to WAL at
    # once (the settings' init_command) race for its lock, and one fails "database is locked".
    target.execute("PRAGMA journal_mode=WAL")
    target.close()
    name = connection.settings_dict["NAME"]
    connection.settings_dict["NAME"] = str(path)
    try:
        yield
    finally:
        connection.settings_dict["NAME"] = name


def in_threads(*works: Callable[[], T]) -> list[T]:
    """Run `works` in threads started together; their results in order."""
    barrier = threading.Barrier(len(works))
    results: dict[int, T] = {}

    def run(index: int, work: Callable[[], T]) -> None:
        barrier.wait()
        try:
            results[index] = work()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(works)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [results[index] for index in range(len(works))]
