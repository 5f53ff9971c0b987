"""Limits by address and by account, on the shared cache (issue 12): failed logins per address,
password-reset e-mails per account and per address. Each test tries to break its limit."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD, make_user, solve_robot_check
from portal.accounts.models import User
from portal.core.models import AuditEvent
from portal.notifications.models import OutboundMessage

pytestmark = [pytest.mark.django_db, pytest.mark.real_login]

LOGIN = reverse("accounts:login")
RESET = reverse("accounts:password_reset")
THROTTLED = "Trop de tentatives de connexion ont échoué depuis votre adresse."


def post_form(
    client: Client, url: str, data: dict[str, str], address: str, forwarded: str = ""
) -> Any:
    """The form posted from `address`; with `forwarded`, the X-Forwarded-For header as a proxy
    at `address` sends it."""
    headers: dict[str, Any] = {
        "REMOTE_ADDR": address,
        **({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}),
    }
    page = client.get(url, **headers)
    robot = solve_robot_check(page.content.decode())
    return client.post(url, {**data, "robot": robot}, **headers)


def log_in(username: str, password: str, address: str, forwarded: str = "") -> tuple[Client, Any]:
    client = Client()
    data = {"username": username, "password": password}
    return client, post_form(client, LOGIN, data, address, forwarded)


def ask_reset(login: str, address: str) -> Any:
    return post_form(Client(), RESET, {"login": login}, address)


def reset_emails(user: User) -> int:
    return OutboundMessage.objects.filter(template="password_reset", recipient=user.email).count()


def test_failed_logins_from_one_address_block_it_before_any_password_check(
    settings: Any,
) -> None:
    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    # One failure per account: axes' per-account lockout (5) never triggers.
    for number in range(3):
        make_user(f"rh{number}@example.org")
        _, response = log_in(f"rh{number}@example.org", "Mauvais-1!", "203.0.113.7")
        assert response.status_code == 200
    make_user("right@example.org")

    client, refused = log_in("right@example.org", PASSWORD, "203.0.113.7")

    assert refused.status_code == 429
    assert THROTTLED in html.unescape(refused.content.decode())
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="login_throttled").count() == 1
    # Another address is not concerned; the blocked one is free again after the window.
    other, response = log_in("right@example.org", PASSWORD, "198.51.100.2")
    assert response.status_code == 302 and "_auth_user_id" in other.session
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        later, response = log_in("right@example.org", PASSWORD, "203.0.113.7")
    assert response.status_code == 302 and "_auth_user_id" in later.session


def test_successful_logins_do_not_count_against_the_address(settings: Any) -> None:
    settings.LOGIN_FAILURES_PER_ADDRESS = 2
    make_user("rh@example.org")
    for _ in range(3):
        client, response = log_in("rh@example.org", PASSWORD, "203.0.113.7")
        assert response.status_code == 302 and "_auth_user_id" in client.session


def test_reset_emails_are_limited_per_account_without_telling(settings: Any) -> None:
    settings.PASSWORD_RESETS_PER_ACCOUNT = 2
    user = make_user("rh@example.org")
    pages = [ask_reset("rh@example.org", f"198.51.100.{n}") for n in range(3)]
    # The same answer each time: the page must not tell that the login exists.
    assert [page.status_code for page in pages] == [200, 200, 200]
    assert len({page.content for page in pages}) == 1
    assert "Si un compte correspond à ces informations" in pages[2].content.decode()
    assert reset_emails(user) == 2
    assert (
        AuditEvent.objects.filter(
            action="password_reset_throttled", target_id=str(user.pk), details__scope="account"
        ).count()
        == 1
    )
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        ask_reset("rh@example.org", "198.51.100.9")
    assert reset_emails(user) == 3


def test_reset_emails_are_limited_per_address(settings: Any) -> None:
    settings.PASSWORD_RESETS_PER_ADDRESS = 2
    first, second, third = (make_user(f"rh{n}@example.org") for n in range(3))
    assert ask_reset("rh0@example.org", "203.0.113.7").status_code == 200
    assert ask_reset("inconnu@example.org", "203.0.113.7").status_code == 200  # counts too

    refused = ask_reset("rh2@example.org", "203.0.113.7")

    assert refused.status_code == 429
    assert "Trop de demandes de nouveau mot de passe depuis votre adresse." in html.unescape(
        refused.content.decode()
    )
    assert (reset_emails(first), reset_emails(second), reset_emails(third)) == (1, 0, 0)
    assert ask_reset("rh2@example.org", "198.51.100.2").status_code == 200
    assert reset_emails(third) == 1


def test_behind_a_proxy_failed_logins_count_per_client_not_for_the_proxy(settings: Any) -> None:
    settings.TRUSTED_PROXIES = 1
    settings.LOGIN_FAILURES_PER_ADDRESS = 2
    proxy = "10.0.0.5"

    def through_proxy(username: str, password: str, client_address: str) -> tuple[Client, Any]:
        return log_in(username, password, proxy, forwarded=client_address)

    for number in range(2):
        make_user(f"rh{number}@example.org")
        _, response = through_proxy(f"rh{number}@example.org", "Mauvais-1!", "203.0.113.7")
        assert response.status_code == 200
    make_user("right@example.org")

    _, refused = through_proxy("right@example.org", PASSWORD, "203.0.113.7")
    # Another client behind the same proxy logs in; a client writing its own header is judged
    # on the address the proxy appended after it.
    other, allowed = through_proxy("right@example.org", PASSWORD, "198.51.100.2")
    _, spoofed = through_proxy("right@example.org", PASSWORD, "198.51.100.9, 203.0.113.7")

    assert refused.status_code == 429
    assert allowed.status_code == 302 and "_auth_user_id" in other.session
    assert spoofed.status_code == 429
    event = AuditEvent.objects.filter(action="login_throttled").first()
    assert event is not None and event.ip_address == "203.0.113.7"
