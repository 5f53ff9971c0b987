"""An employee declared without an e-mail logs in with the letters, then chooses a password."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from conftest import declare, post_with_robot_check, text
from portal.accounts.models import User
from portal.companies.models import Company
from portal.core.models import AuditEvent

PROVISIONAL = "Provisoire-Courrier-7!"
OWN = "Mon-Propre-Secret-9?"


@pytest.fixture
def letter_user(company_a: Company, monkeypatch: pytest.MonkeyPatch) -> User:
    monkeypatch.setattr("portal.tracking.messages.provisional_password", lambda: PROVISIONAL)
    request = declare(company_a, email="")
    user = request.employee.user
    user.refresh_from_db()
    return user  # type: ignore[no-any-return]


@pytest.mark.django_db
def test_the_provisional_password_letter_requires_a_new_password(letter_user: User) -> None:
    assert letter_user.password_change_required is True
    assert letter_user.check_password(PROVISIONAL)


@pytest.mark.django_db
def test_login_with_the_provisional_password_leads_to_choosing_ones_own(
    letter_user: User,
) -> None:
    client = Client()
    page = post_with_robot_check(
        client,
        reverse("accounts:member_login"),
        {"username": letter_user.identifier, "password": PROVISIONAL},
    )
    choose = reverse("accounts:choose_password")
    assert page.status_code == 302
    assert page["Location"] == choose
    # Every other page sends back there until a password is chosen.
    space = client.get("/mon-espace/")
    assert space.status_code == 302
    assert space["Location"] == f"{choose}?next=%2Fmon-espace%2F"
    shown = text(client.get(choose))
    assert "Choisissez votre mot de passe" in shown
    assert "mot de passe provisoire reçu par courrier" in shown

    same = client.post(choose, {"password1": PROVISIONAL, "password2": PROVISIONAL})
    assert same.status_code == 200
    assert (
        "Choisissez un mot de passe différent du mot de passe provisoire reçu par courrier."
        in text(same)
    )
    letter_user.refresh_from_db()
    assert letter_user.password_change_required is True

    done = client.post(f"{choose}?next=/mon-espace/", {"password1": OWN, "password2": OWN})
    assert done.status_code == 302
    assert done["Location"] == "/mon-espace/"
    letter_user.refresh_from_db()
    assert letter_user.password_change_required is False
    assert letter_user.check_password(OWN)
    assert client.get("/mon-espace/").status_code == 200  # still logged in
    assert (
        AuditEvent.objects.filter(
            action="password_set", target_id=str(letter_user.pk), details__purpose="provisional"
        ).count()
        == 1
    )


@pytest.mark.django_db
def test_a_user_without_a_provisional_password_is_not_held_on_the_password_page(
    client_a: Client,
) -> None:
    page = client_a.get(reverse("accounts:choose_password"))
    assert page.status_code == 302
    assert page["Location"] == reverse("companies:choose")
