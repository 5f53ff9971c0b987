from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from conftest import CommitClient, link_in, post_with_robot_check, text
from portal.accounts.models import LinkPurpose, OneTimeLink, User
from portal.accounts.services import request_password_reset, send_welcome_link
from portal.accounts.validators import missing_classes
from portal.notifications.models import OutboundMessage

RESET = reverse("accounts:password_reset")
LOGIN = reverse("accounts:login")
NEW_PASSWORD = "Nouveau-Mot2passe!"


@pytest.mark.parametrize(
    ("password", "missing"),
    [
        ("Abcdef1!", []),
        ("abcdef1!", ["une majuscule"]),
        ("ABCDEF1!", ["une minuscule"]),
        ("Abcdefg!", ["un chiffre"]),
        ("Abcdefg1", ["un caractère spécial"]),
        ("abcdefgh", ["une majuscule", "un chiffre", "un caractère spécial"]),
        ("Éléphant7 ", []),
    ],
)
def test_password_character_classes(password: str, missing: list[str]) -> None:
    assert missing_classes(password) == missing


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1!", "Ce mot de passe est trop court. Il doit contenir au minimum 8 caractères."),
        ("Password1!", "Ce mot de passe est trop courant."),
        ("abcdefgh1!", "Il manque à votre mot de passe : une majuscule."),
    ],
)
def test_password_policy_messages_are_french(password: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_password(password)
    assert message in caught.value.messages


def reset_link(client: Client, login: str) -> str:
    post_with_robot_check(client, RESET, {"login": login})
    body = str(mail.outbox[-1].body)
    match = re.search(r"/mot-de-passe/[^/\s]+/", body)
    assert match, body
    return match.group(0)


@pytest.mark.django_db
def test_reset_sends_a_five_minute_link_by_email(client: Client, correspondent_a: User) -> None:
    response = post_with_robot_check(client, RESET, {"login": "rh-a@example.org"})
    assert "Ce lien est valable 5 minutes" in response.content.decode()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["rh-a@example.org"]
    assert mail.outbox[0].subject == "Votre lien pour choisir un nouveau mot de passe"
    assert "valable que 5 minutes" in mail.outbox[0].body
    link = OneTimeLink.objects.get(user=correspondent_a)
    assert link.purpose == LinkPurpose.PASSWORD_RESET
    assert link.expires_at - link.created_at == timedelta(minutes=5)
    assert OutboundMessage.objects.get().status == "sent"


@pytest.mark.django_db
def test_reset_for_unknown_login_answers_the_same_and_sends_nothing(client: Client) -> None:
    response = post_with_robot_check(client, RESET, {"login": "personne@example.org"})
    assert "Si un compte correspond à ces informations" in response.content.decode()
    assert mail.outbox == []


@pytest.mark.django_db
def test_reset_link_sets_the_password_once(client: Client, correspondent_a: User) -> None:
    url = reset_link(client, "rh-a@example.org")
    assert "Choisissez un nouveau mot de passe" in client.get(url).content.decode()
    response = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response["Location"] == reverse("accounts:login")
    correspondent_a.refresh_from_db()
    assert correspondent_a.check_password(NEW_PASSWORD)
    assert mail.outbox[-1].subject == "Votre mot de passe a été modifié"
    again = client.get(url)
    assert again.status_code == 410
    assert "Ce lien a déjà été utilisé." in again.content.decode()
    replay = client.post(url, {"password1": "Autre-Mot2passe!", "password2": "Autre-Mot2passe!"})
    assert replay.status_code == 410
    correspondent_a.refresh_from_db()
    assert correspondent_a.check_password(NEW_PASSWORD)


@pytest.mark.django_db
def test_reset_link_expires_after_five_minutes(client: Client, correspondent_a: User) -> None:
    url = reset_link(client, "rh-a@example.org")
    with time_machine.travel(timezone.now() + timedelta(minutes=5, seconds=1)):
        response = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 410
    assert "Ce lien a expiré." in response.content.decode()
    correspondent_a.refresh_from_db()
    assert not correspondent_a.check_password(NEW_PASSWORD)


@pytest.mark.django_db
def test_a_new_reset_link_cancels_the_previous_one(client: Client, correspondent_a: User) -> None:
    first = reset_link(client, "rh-a@example.org")
    second = reset_link(client, "rh-a@example.org")
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200


@pytest.mark.django_db
def test_altered_link_is_refused(client: Client) -> None:
    response = client.get(reverse("accounts:password_link", args=["pas-un-vrai-jeton"]))
    assert response.status_code == 410
    assert "Ce lien n&#x27;est pas valide." in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password1", "password2", "message"),
    [
        ("motdepasse", "motdepasse", "Il manque à votre mot de passe"),
        ("Abc1!", "Abc1!", "Ce mot de passe est trop court."),
        (NEW_PASSWORD, "Different-2026!", "Les deux mots de passe ne sont pas identiques."),
    ],
)
def test_weak_or_mismatched_password_is_refused_and_link_kept(
    client: Client, correspondent_a: User, password1: str, password2: str, message: str
) -> None:
    url = reset_link(client, "rh-a@example.org")
    response = client.post(url, {"password1": password1, "password2": password2})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert OneTimeLink.objects.get(user=correspondent_a).used_at is None


@pytest.mark.django_db
def test_reset_lifts_a_lockout(client: Client, correspondent_a: User) -> None:
    for _ in range(5):
        post_with_robot_check(
            client, LOGIN, {"username": "rh-a@example.org", "password": "Mauvais-1!"}
        )
    url = reset_link(client, "rh-a@example.org")
    client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    response = post_with_robot_check(
        CommitClient(), LOGIN, {"username": "rh-a@example.org", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_welcome_link_is_valid_seven_days(
    client: Client, correspondent_a: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        send_welcome_link(user=correspondent_a, by=None)
    assert mail.outbox[-1].subject == "Votre espace Mon Entreprise : choisissez votre mot de passe"
    url = link_in(r"/mot-de-passe/\S+/", mail.outbox[-1].body)
    with time_machine.travel(timezone.now() + timedelta(days=6, hours=23)):
        page = client.get(url)
    assert "Bienvenue, choisissez votre mot de passe" in page.content.decode()
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        assert client.get(url).status_code == 410


@pytest.mark.django_db
def test_a_reset_link_copied_from_the_back_office_does_not_open_the_password_form(
    client: Client, correspondent_a: User, staff_user: User
) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        request_password_reset(login=correspondent_a.email)
    message = OutboundMessage.objects.get(template="password_reset")
    client.force_login(staff_user)
    admin_page = text(
        client.get(reverse("admin:notifications_outboundmessage_change", args=[message.pk]))
    )
    assert "Votre lien pour choisir un nouveau mot de passe" in admin_page
    assert "[lien de réinitialisation envoyé]" in admin_page
    assert "/mot-de-passe/" not in admin_page
    client.logout()
    copied = client.get("/mot-de-passe/[lien de réinitialisation envoyé]/")
    assert copied.status_code == 410
    assert "Saisissez votre mot de passe" not in text(copied)
    # The correspondent's own copy still works.
    received = client.get(link_in(r"/mot-de-passe/[^/\s]+/", mail.outbox[-1].body))
    assert received.status_code == 200
    assert 'name="password1"' in text(received)
