"""The axe hook of the browser journeys finds what it must, once per kind of page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, Route, expect
from pytest_django.live_server_helper import LiveServer

from e2e.accessibility import AccessibilityAudit, path_pattern, report

BROKEN = """<!doctype html><html lang="fr"><head><title>Essai</title></head><body>
<main><h1>Essai</h1><img src="/static/favicon.svg"><button type="button"></button></main>
</body></html>"""
CLEAN = """<!doctype html><html lang="fr"><head><title>Essai</title></head><body>
<main><h1>Essai</h1><img src="/static/favicon.svg" alt="Logo"></main></body></html>"""


def serve(html: str):  # type: ignore[no-untyped-def]
    def handler(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

    return handler


@pytest.mark.django_db
def test_a_page_with_an_image_without_alt_and_an_empty_button_fails_with_its_rules(
    browser: Browser, live_server: LiveServer
) -> None:
    context = browser.new_context(base_url=live_server.url)
    audit = AccessibilityAudit(checked_patterns=set())
    audit.watch(context)
    page = context.new_page()
    page.route("**/essai/12/", serve(BROKEN))
    page.goto("/essai/12/")
    page.wait_for_function("() => true")

    violations = audit.check(context)
    context.close()

    assert sorted({(v.rule, v.impact, v.width) for v in violations}) == [
        ("button-name", "critical", 390),
        ("button-name", "critical", 1280),
        ("image-alt", "critical", 390),
        ("image-alt", "critical", 1280),
    ]
    text = report(violations)
    assert f"{live_server.url}/essai/12/ at 1280 px: image-alt (critical)" in text
    assert '- img: <img src="/static/favicon.svg">' in text


@pytest.mark.django_db
def test_a_clean_page_passes_and_a_kind_of_page_is_checked_once_per_session(
    browser: Browser, live_server: LiveServer
) -> None:
    checked: set[str] = set()
    context = browser.new_context(base_url=live_server.url)
    audit = AccessibilityAudit(checked_patterns=checked)
    audit.watch(context)
    page = context.new_page()
    page.route("**/essai/**", serve(CLEAN))
    page.goto("/essai/1/")
    assert audit.check(context) == []
    assert checked == {"/essai/<id>/"}

    page.route("**/essai/**", serve(BROKEN))
    page.goto("/essai/2/")  # the same kind of page: not checked again
    assert audit.check(context) == []
    context.close()


@pytest.mark.parametrize(
    ("url", "pattern"),
    [
        ("http://x/backoffice/dossiers/12/", "/backoffice/dossiers/<id>/"),
        ("http://x/mot-de-passe/Mq3v_8ZpXk2LrTw9aBcD/?a=1#b", "/mot-de-passe/<token>/"),
        ("http://x/connexion/", "/connexion/"),
    ],
)
def test_path_pattern_folds_ids_and_tokens(url: str, pattern: str) -> None:
    assert path_pattern(url) == pattern


@pytest.mark.django_db
def test_the_login_pages_footer_opens_the_accessibility_statement(page: Page) -> None:
    # Through the `page` fixture: axe checks the login page and the statement at teardown.
    page.goto("/connexion/")
    page.get_by_role("contentinfo").get_by_role("link", name="Déclaration d'accessibilité").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Déclaration d'accessibilité")
    expect(page.get_by_role("heading", name="Voies de recours")).to_be_visible()
