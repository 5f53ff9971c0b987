"""Browser journeys: Debian's Chromium driven by Playwright against the live test server."""

from __future__ import annotations

import base64
import os
import re
import time
from collections.abc import Iterator

import pytest
from django.db.models import Q
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Page, sync_playwright

from e2e.accessibility import AccessibilityAudit, report
from portal.accounts.models import Role, User
from portal.backoffice.demo import load_demo
from portal.core.models import PostalCode
from portal.core.postal import load_postal_codes

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by the
# tests themselves are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


# Per module, not per session: Playwright's sync API keeps an event loop running in the test
# thread while it is open, and code under test that calls asyncio.run() (pyHanko when it
# validates a signature) must not meet it in the tests that run after the browser journeys.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def accessibility_checked() -> set[str]:
    """The kinds of page (URL path patterns) axe has checked so far in this test session."""
    return set()


@pytest.fixture
def page(browser: Browser, live_server, settings, accessibility_checked) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    settings.SITE_URL = live_server.url  # links in e-mails point at the server under test
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", accept_downloads=True)
    context.set_default_timeout(15_000)
    audit = AccessibilityAudit(checked_patterns=accessibility_checked)
    audit.watch(context)
    page = context.new_page()
    yield page
    # Every page the journey visited, at 1280 and 390 px: 0 serious or critical violations.
    violations = audit.check(context)
    context.close()
    if violations:
        pytest.fail(report(violations), pytrace=False)


@pytest.fixture
def postal_codes(transactional_db: None) -> None:
    # Transactional tests empty every table afterwards, the postal codes loaded by the
    # migration included: load them again when an earlier test emptied them.
    if not PostalCode.objects.exists():
        load_postal_codes()


@pytest.fixture
def demo(postal_codes: None) -> None:
    load_demo()


def tick_robot_check(page: Page) -> None:
    """Tick "Je ne suis pas un robot" and wait until the browser has solved the challenge."""
    page.get_by_label("Je ne suis pas un robot").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('input[name=robot]')]"
        ".some(i => i.value && i.value.length > 20)"
    )


def totp_code(hex_key: str, last_t: int = -1) -> str:
    """The authenticator app's code now, as the person's phone shows it (the next period's
    when this one was used already: the server accepts one period of drift)."""
    totp = TOTP(bytes.fromhex(hex_key))
    totp.time = time.time()
    if totp.t() <= last_t:
        totp.time += 30
    return f"{totp.token():06d}"


def log_in(page: Page, login: str, password: str) -> None:
    """The real login: password and anti-robot check, then the second factor when one is due
    (the enrolment, reading the key the page shows as a person would type it in their app, or
    the code of the app set up then)."""
    member = User.objects.filter(
        Q(email__iexact=login) | Q(identifier=login), role=Role.MEMBER
    ).exists()
    page.goto("/espace-perso/connexion/" if member else "/connexion/")  # each user's own door
    page.get_by_label("Votre identifiant ou votre Email").fill(login)
    page.get_by_label(re.compile(r"^Mot de passe")).fill(password)
    tick_robot_check(page)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_load_state()
    if "/connexion/double-authentification/" in page.url:
        key = page.locator("#totp-key").inner_text().replace(" ", "")
        code = totp_code(base64.b32decode(key).hex())
        page.get_by_label("Code affiché par l'application").fill(code)
        page.get_by_role("button", name="Activer").click()
        page.get_by_role("link", name="Continuer").click()
    elif "/connexion/code/" in page.url:
        device = TOTPDevice.objects.get(user__email__iexact=login, confirmed=True)
        page.get_by_label("Code de vérification").fill(totp_code(device.key, device.last_t))
        page.get_by_role("button", name="Valider").click()
