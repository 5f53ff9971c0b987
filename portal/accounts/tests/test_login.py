from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD, post_with_robot_check, solve_robot_check
from portal.accounts.models import User
from portal.core.models import AuditEvent

if TYPE_CHECKING:  # a type only: the fixture comes from the root conftest
    from portal.companies.models import Company

LOGIN = reverse("accounts:login")


def login(client: Client, username: str, password: str = PASSWORD, **extra: str) -> Any:
    return post_with_robot_check(
        client, LOGIN, {"username": username, "password": password, **extra}
    )


@pytest.fixture
def password_only(company_a: Company) -> None:
    """company_a makes the second factor optional: its correspondent logs in with the password."""
    company_a.hr_two_factor_required = False
    company_a.save(update_fields=["hr_two_factor_required"])


@pytest.mark.django_db
def test_correspondent_logs_in_with_email_and_lands_on_companies(
    client: Client, correspondent_a: User, password_only: None
) -> None:
    response = login(client, "RH-A@example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("companies:choose")
    assert AuditEvent.objects.filter(action="login", actor=correspondent_a).count() == 1


@pytest.mark.django_db
def test_correspondent_logs_in_with_identifier(client: Client, correspondent_a: User) -> None:
    response = login(client, correspondent_a.identifier)
    assert response.status_code == 302


@pytest.mark.django_db
def test_staff_login_without_an_app_goes_to_the_enrolment(client: Client, staff_user: User) -> None:
    response = login(client, "staff@example.org")
    assert response["Location"] == reverse("accounts:enrol_second_factor")


@pytest.mark.django_db
def test_login_page_has_the_guide_labels(client: Client) -> None:
    page = client.get(LOGIN).content.decode()
    for text in [
        "Connectez-vous à votre espace entreprise",
        "Votre identifiant ou votre Email",
        "Mot de passe",
        "Se souvenir de moi",
        "Je ne suis pas un robot",
        "Connexion",
        "Mot de passe oublié ? Cliquez ici !",
        "Besoin d'aide",
        "0 980 98 98 22",
    ]:
        assert text in page, text


@pytest.mark.django_db
def test_wrong_password_gets_a_french_message(client: Client, correspondent_a: User) -> None:
    response = login(client, "rh-a@example.org", "Mauvais-1!")
    assert response.status_code == 200
    assert "Identifiant ou mot de passe incorrect." in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="login_failed").count() == 1


@pytest.mark.django_db
def test_login_without_robot_check_is_refused(client: Client, correspondent_a: User) -> None:
    response = client.post(LOGIN, {"username": "rh-a@example.org", "password": PASSWORD})
    assert "Cochez la case « Je ne suis pas un robot » avant de continuer." in (
        response.content.decode()
    )
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_forged_robot_check_is_refused(client: Client, correspondent_a: User) -> None:
    page = client.get(LOGIN).content.decode()
    payload = json.loads(base64.b64decode(solve_robot_check(page)))
    payload["number"] += 1
    forged = base64.b64encode(json.dumps(payload).encode()).decode()
    response = client.post(
        LOGIN, {"username": "rh-a@example.org", "password": PASSWORD, "robot": forged}
    )
    assert "La vérification « Je ne suis pas un robot » a échoué" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_robot_check_cannot_be_replayed(client: Client, correspondent_a: User) -> None:
    payload = solve_robot_check(client.get(LOGIN).content.decode())
    data = {"username": "rh-a@example.org", "password": PASSWORD, "robot": payload}
    assert client.post(LOGIN, data).status_code == 302
    other = Client()
    response = other.post(LOGIN, data)
    assert response.status_code == 200
    assert "La vérification « Je ne suis pas un robot » a échoué" in response.content.decode()


@pytest.mark.django_db
def test_session_ends_with_the_browser_unless_remember_me(
    client: Client, correspondent_a: User
) -> None:
    login(client, "rh-a@example.org")
    assert client.session.get_expire_at_browser_close() is True


@pytest.mark.django_db
def test_remember_me_without_a_second_factor_keeps_a_browser_session(
    client: Client, correspondent_a: User, password_only: None
) -> None:
    # The 30-day session needs a verified second factor (test_second_factor.py).
    response = login(client, "rh-a@example.org", remember="on")
    assert response["Location"] == reverse("companies:choose")
    assert client.session.get_expire_at_browser_close() is True


@pytest.mark.django_db
def test_five_failures_lock_the_login_with_a_french_message(
    client: Client, correspondent_a: User
) -> None:
    for _ in range(4):
        assert login(client, "rh-a@example.org", "Mauvais-1!").status_code == 200
    locked = login(client, "rh-a@example.org", "Mauvais-1!")
    assert locked.status_code == 429
    assert "Votre accès est temporairement bloqué" in locked.content.decode()
    # Even the right password is refused while locked, whichever way the login is typed.
    again = login(client, correspondent_a.identifier)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get().failures_since_start >= 5
    assert AuditEvent.objects.filter(action="login_locked", target_id=str(correspondent_a.pk))


@pytest.mark.django_db
def test_lock_is_lifted_after_the_cool_off(client: Client, correspondent_a: User) -> None:
    for _ in range(5):
        login(client, "rh-a@example.org", "Mauvais-1!")
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = login(client, "rh-a@example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:enrol_second_factor")


@pytest.mark.django_db
def test_inactive_account_cannot_log_in(client: Client, correspondent_a: User) -> None:
    correspondent_a.is_active = False
    correspondent_a.save()
    response = login(client, "rh-a@example.org")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_logout_needs_a_post_and_ends_the_session(client_a: Client) -> None:
    assert client_a.get(reverse("accounts:logout")).status_code == 405
    response = client_a.post(reverse("accounts:logout"))
    assert response["Location"] == LOGIN
    assert "_auth_user_id" not in client_a.session


@pytest.mark.django_db
def test_login_follows_a_local_next_but_not_a_foreign_one(
    client: Client, correspondent_a: User, company_a: Company, password_only: None
) -> None:
    target = reverse("companies:documents", args=[company_a.pk])
    response = post_with_robot_check(
        client,
        f"{LOGIN}?next={target}",
        {"username": "rh-a@example.org", "password": PASSWORD, "next": target},
    )
    assert response["Location"] == target
    other = Client()
    response = post_with_robot_check(
        other,
        LOGIN,
        {"username": "rh-a@example.org", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("companies:choose")


@pytest.mark.django_db
def test_back_office_login_goes_through_the_portal_login(client: Client) -> None:
    response = client.get("/backoffice/", follow=True)
    assert response.redirect_chain[-1][0].startswith(LOGIN)


@pytest.mark.django_db
def test_correspondent_cannot_enter_the_back_office(client_a: Client) -> None:
    # "À traiter", the back office's home, is not disclosed to an HR login (404).
    assert client_a.get("/backoffice/").status_code == 404
    assert client_a.get("/backoffice/companies/company/").status_code == 302
