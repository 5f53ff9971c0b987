"""The second factor through the real login: password (anti-robot, lockout), then the code of an
authenticator app or a recovery code, or the enrolment when none is set up (issue 12)."""

from __future__ import annotations

import base64
import html
import re
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD, post_with_robot_check
from portal.accounts import second_factor
from portal.accounts.models import User
from portal.core.models import AuditEvent

if TYPE_CHECKING:  # a type only: the fixture comes from the root conftest
    from portal.companies.models import Company

pytestmark = [pytest.mark.django_db, pytest.mark.real_login]

LOGIN = reverse("accounts:login")
CODE = reverse("accounts:second_factor")
ENROL = reverse("accounts:enrol_second_factor")
QUEUE = reverse("backoffice:queue")
CHOOSE = reverse("companies:choose")


def log_in(client: Client, username: str, **extra: str) -> Any:
    return post_with_robot_check(
        client, LOGIN, {"username": username, "password": PASSWORD, **extra}
    )


def code_for(hex_key: str, last_t: int = -1) -> str:
    """The app's code now, or the next period's when this one was used (a real code: the
    server accepts one period of drift)."""
    totp = TOTP(bytes.fromhex(hex_key))
    totp.time = time.time()
    if totp.t() <= last_t:
        totp.time += 30
    return f"{totp.token():06d}"


def device_code(user: User) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return code_for(device.key, device.last_t)


def enrolled(user: User) -> list[str]:
    """Set up an app for `user` as the enrolment page does; their recovery codes."""
    key = second_factor.new_key()
    return second_factor.enrol_authenticator(
        user=user, hex_key=key, code=code_for(key)
    ).recovery_codes


def key_on_page(response: Any) -> str:
    """The key the enrolment page shows as text, back to hexadecimal."""
    match = re.search(r'<code id="totp-key">([A-Z2-7 ]+)</code>', response.content.decode())
    assert match, "the page shows no key"
    return base64.b32decode(match.group(1).replace(" ", "")).hex()


def signed_key(response: Any) -> str:
    match = re.search(r'name="key" value="([^"]+)"', response.content.decode())
    assert match
    return html.unescape(match.group(1))


def test_staff_without_an_app_enrols_before_reaching_the_back_office(
    client: Client, staff_user: User
) -> None:
    assert log_in(client, "staff@example.org")["Location"] == ENROL
    # Logged in by password only: every back-office page sends to the enrolment first.
    assert client.get(QUEUE)["Location"] == f"{ENROL}?next=%2Fbackoffice%2F"
    assert client.get("/backoffice/parametrage/")["Location"].startswith(ENROL)
    page = client.get(ENROL)
    assert "Activer la double authentification" in page.content.decode()
    assert "<svg" in page.content.decode()  # the QR code of the otpauth URI
    assert TOTPDevice.objects.count() == 0  # nothing stored before the first code

    response = client.post(ENROL, {"key": signed_key(page), "code": code_for(key_on_page(page))})

    assert response.status_code == 200
    codes = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", response.content.decode())
    assert len(codes) == 10
    stored = set(StaticToken.objects.values_list("token", flat=True))
    assert len(stored) == 10
    assert not {code.replace("-", "") for code in codes} & stored  # kept as digests only
    assert stored == {second_factor.recovery_digest(code) for code in codes}
    assert TOTPDevice.objects.get(user=staff_user).confirmed is True
    assert client.get(QUEUE).status_code == 200
    assert AuditEvent.objects.filter(action="second_factor_enrolled", actor=staff_user).count() == 1


def test_enrolment_refuses_a_wrong_first_code_and_stores_nothing(
    client: Client, staff_user: User
) -> None:
    log_in(client, "staff@example.org")
    page = client.get(ENROL)
    right = code_for(key_on_page(page))
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    response = client.post(ENROL, {"key": signed_key(page), "code": wrong})

    assert "Ce code n'est pas valide." in html.unescape(response.content.decode())
    assert TOTPDevice.objects.count() == 0
    assert StaticToken.objects.count() == 0
    assert client.get(QUEUE).status_code == 302


def test_enrolment_refuses_a_forged_key(client: Client, staff_user: User) -> None:
    log_in(client, "staff@example.org")
    key = second_factor.new_key()
    response = client.post(ENROL, {"key": key, "code": code_for(key)})
    assert "La page d'activation a expiré." in html.unescape(response.content.decode())
    assert TOTPDevice.objects.count() == 0


def test_password_alone_cannot_replace_an_existing_app(client: Client, staff_user: User) -> None:
    enrolled(staff_user)
    assert log_in(client, "staff@example.org")["Location"] == CODE
    assert client.get(ENROL)["Location"] == CODE
    key = second_factor.new_key()
    client.post(ENROL, {"key": "x", "code": code_for(key)})
    assert TOTPDevice.objects.filter(user=staff_user).count() == 1


def test_staff_with_an_app_gives_its_code_then_reaches_the_back_office(
    client: Client, staff_user: User
) -> None:
    enrolled(staff_user)
    assert log_in(client, "staff@example.org")["Location"] == CODE
    assert client.get(QUEUE)["Location"] == f"{CODE}?next=%2Fbackoffice%2F"

    response = client.post(CODE, {"code": device_code(staff_user)})

    assert response["Location"] == QUEUE
    assert client.get(QUEUE).status_code == 200


def test_wrong_code_is_refused_and_the_next_try_must_wait(client: Client, staff_user: User) -> None:
    enrolled(staff_user)
    log_in(client, "staff@example.org")
    right = device_code(staff_user)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    refused = client.post(CODE, {"code": wrong})

    assert refused.status_code == 200
    assert "Ce code n'est pas valide." in html.unescape(refused.content.decode())
    assert client.get(QUEUE).status_code == 302
    # django-otp's throttle: right after a failure even the right code waits.
    waiting = client.post(CODE, {"code": right})
    assert "Trop de codes erronés. Patientez" in html.unescape(waiting.content.decode())
    assert client.get(QUEUE).status_code == 302
    with time_machine.travel(timezone.now() + timedelta(seconds=5), tick=False):
        assert client.post(CODE, {"code": device_code(staff_user)})["Location"] == QUEUE
    assert AuditEvent.objects.filter(action="second_factor_failed").count() == 2


def test_five_wrong_codes_close_the_session(
    client: Client, staff_user: User, settings: Any
) -> None:
    enrolled(staff_user)
    log_in(client, "staff@example.org")
    for attempt in range(settings.OTP_SESSION_FAILURE_LIMIT):
        with time_machine.travel(timezone.now() + timedelta(minutes=attempt * 10)):
            response = client.post(CODE, {"code": "000000"})
    assert response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session
    follow = client.get(LOGIN)
    assert "Trop de codes erronés : pour votre sécurité, reconnectez-vous" in html.unescape(
        follow.content.decode()
    )


def test_a_recovery_code_works_once(client: Client, staff_user: User) -> None:
    codes = enrolled(staff_user)
    log_in(client, "staff@example.org")
    assert client.post(CODE, {"code": codes[3].upper()})["Location"] == QUEUE
    assert client.get(QUEUE).status_code == 200
    assert StaticToken.objects.count() == 9
    assert AuditEvent.objects.get(action="recovery_code_used").details["remaining"] == 9

    again = Client()
    log_in(again, "staff@example.org")
    response = again.post(CODE, {"code": codes[3]})
    assert "Ce code n'est pas valide." in html.unescape(response.content.decode())
    assert again.get(QUEUE).status_code == 302
    assert StaticToken.objects.count() == 9


def test_new_recovery_codes_replace_the_old_ones(client: Client, staff_user: User) -> None:
    old = enrolled(staff_user)
    log_in(client, "staff@example.org")
    client.post(CODE, {"code": device_code(staff_user)})
    page = client.post(reverse("accounts:security"))
    new = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", page.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.values_list("token", flat=True)) == {
        second_factor.recovery_digest(code) for code in new
    }


def test_hr_of_a_company_requiring_the_second_factor_enrols(
    client: Client, correspondent_a: User
) -> None:
    assert log_in(client, "rh-a@example.org")["Location"] == ENROL
    assert client.get(CHOOSE)["Location"].startswith(ENROL)


def test_hr_of_a_company_making_it_optional_logs_in_with_the_password(
    client: Client, correspondent_a: User, company_a: Company
) -> None:
    company_a.hr_two_factor_required = False
    company_a.save(update_fields=["hr_two_factor_required"])
    assert log_in(client, "rh-a@example.org")["Location"] == CHOOSE
    home = client.get(CHOOSE, follow=True)
    assert home.status_code == 200
    assert home.redirect_chain == [(reverse("employer:home", args=[company_a.pk]), 302)]


def test_hr_with_an_app_gives_its_code_even_when_optional(
    client: Client, correspondent_a: User, company_a: Company
) -> None:
    company_a.hr_two_factor_required = False
    company_a.save(update_fields=["hr_two_factor_required"])
    enrolled(correspondent_a)
    assert log_in(client, "rh-a@example.org")["Location"] == CODE
    assert client.get(CHOOSE)["Location"].startswith(CODE)


def test_one_company_requiring_it_is_enough(
    client: Client, correspondent_a: User, company_a: Company, company_b: Company
) -> None:
    company_a.hr_two_factor_required = False
    company_a.save(update_fields=["hr_two_factor_required"])
    correspondent_a.companies.add(company_b)  # company_b keeps the default: required
    assert log_in(client, "rh-a@example.org")["Location"] == ENROL


def test_hr_remember_me_gives_thirty_days_once_the_code_is_given(
    client: Client, correspondent_a: User
) -> None:
    enrolled(correspondent_a)
    log_in(client, "rh-a@example.org", remember="on")
    assert client.session.get_expire_at_browser_close() is True
    client.post(CODE, {"code": device_code(correspondent_a)})
    assert client.session.get_expire_at_browser_close() is False
    assert client.session.get_expiry_age() == 30 * 86400


def test_remember_me_is_absent_from_the_back_office_door(client: Client) -> None:
    page = client.get(f"{LOGIN}?next=/backoffice/").content.decode()
    assert "Se souvenir de moi" not in page
    assert "Se souvenir de moi" in client.get(LOGIN).content.decode()


def test_remember_me_posted_by_staff_is_ignored(client: Client, staff_user: User) -> None:
    enrolled(staff_user)
    log_in(client, "staff@example.org", remember="on")
    client.post(CODE, {"code": device_code(staff_user)})
    assert client.get(QUEUE).status_code == 200
    assert client.session.get_expire_at_browser_close() is True
