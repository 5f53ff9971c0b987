"""The member's space once enrolled ("Mon espace perso"): its own login door, the home page in
plain words, the card on screen, "Mes garanties", "Mes coordonnées", "Mes documents", "Mes
demandes" — each the member's own."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from conftest import CommitClient, link_in, post_with_robot_check, text
from portal.accounts.models import LinkPurpose, OneTimeLink, User
from portal.cards.tests.conftest import DEPENDANTS, NOW, sign
from portal.companies.models import Company, InsuredGroup
from portal.core.audit import AuditAction
from portal.core.models import AuditEvent
from portal.enrollment.models import Employee, Membership
from portal.enrollment.services import prefill_dependants
from portal.journey.space_views import membership_standing
from portal.journey.tests.test_journey import rates
from portal.signatures.journey import close_enrollment
from portal.terminations.models import Termination
from portal.tracking.models import EventKind, RequestEvent
from portal.waivers.models import Waiver

pytestmark = pytest.mark.django_db
PASSWORD = "Adherent-2026!"
MEMBER_LOGIN = reverse("accounts:member_login")
HR_LOGIN = reverse("accounts:login")
PAGES = ["space", "space_coverage", "space_contact", "space_documents", "space_requests"]


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def active(company_a: Company, staff_user: User) -> Membership:
    """A health membership signed by SMS code and put "en gestion" by staff (its card made)."""
    from django.db import transaction

    from conftest import declare

    group = InsuredGroup.objects.get(contract__company=company_a)
    rates(group.base_product, "40.00", "35.00", "20.00")
    request = declare(company_a)
    membership: Membership = request.membership
    with transaction.atomic():
        prefill_dependants(membership=membership, dependants=DEPENDANTS, by=None)
    sign(membership)
    membership.refresh_from_db()
    close_enrollment(membership=membership, by=staff_user)
    membership.refresh_from_db()
    mail.outbox.clear()  # the invitation and the welcome: not this file's business
    return membership


@pytest.fixture
def member(client: Client, active: Membership) -> Client:
    user = active.employee.user
    assert user is not None
    client.force_login(user)
    return client


@pytest.fixture
def other(company_a: Company) -> Membership:
    from conftest import declare, make_nir

    request = declare(
        company_a,
        last_name="Garcia",
        first_name="Léa",
        civility="MME",
        nir=make_nir("2", "9002", "75115", "456"),
        birth_date=date(1990, 2, 11),
        email="lea.garcia@example.org",
        employee_number="M-0002",
    )
    membership: Membership = request.membership
    return membership


def plain(response: object) -> str:
    """The page's text as read: tags removed, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", text(response)).split())


def login_of(membership: Membership) -> User:
    user = membership.employee.user
    assert user is not None
    user.set_password(PASSWORD)
    user.save()
    return user


# --- The door ---------------------------------------------------------------------------------


def test_a_member_logs_in_at_their_own_door_and_lands_in_their_space(
    client: Client, active: Membership
) -> None:
    user = login_of(active)
    page = text(client.get(MEMBER_LOGIN))
    assert "Mon espace perso" in page and "Votre identifiant ou votre Email" in page
    assert "Mot de passe oublié ?" in page and "0 980 98 98 23" in page
    response = post_with_robot_check(
        client, MEMBER_LOGIN, {"username": user.email, "password": PASSWORD}
    )
    assert response["Location"] == reverse("journey:space")
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN, actor=user).count() == 1


def test_the_hr_login_page_points_employees_to_their_own_door(client: Client, db: None) -> None:
    page = text(client.get(HR_LOGIN))
    assert "Vous êtes salarié(e) adhérent(e) ?" in page
    assert f'<a href="{MEMBER_LOGIN}">Accédez à Mon espace perso</a>' in page


def test_a_member_at_the_hr_door_is_sent_to_theirs_not_logged_in(
    client: Client, active: Membership
) -> None:
    user = login_of(active)
    response = post_with_robot_check(
        client, HR_LOGIN, {"username": user.email, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "connectez-vous depuis la page « Mon espace perso »" in text(response)
    assert "_auth_user_id" not in client.session


def test_an_hr_login_at_the_member_door_is_refused_and_not_logged_in(
    client: Client, correspondent_a: User
) -> None:
    correspondent_a.set_password(PASSWORD)
    correspondent_a.save()
    response = post_with_robot_check(
        client, MEMBER_LOGIN, {"username": correspondent_a.email, "password": PASSWORD}
    )
    assert "connectez-vous depuis la page de connexion de l'espace entreprise" in text(response)
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_at_the_member_door_counts_like_at_the_hr_door(
    client: Client, active: Membership
) -> None:
    user = login_of(active)
    response = post_with_robot_check(
        client, MEMBER_LOGIN, {"username": user.email, "password": "x"}
    )
    assert "Identifiant ou mot de passe incorrect." in text(response)
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).count() == 1


def test_the_member_door_never_leads_to_an_hr_page(client: Client, active: Membership) -> None:
    user = login_of(active)
    response = post_with_robot_check(
        client,
        MEMBER_LOGIN,
        {"username": user.email, "password": PASSWORD, "next": "/entreprises/"},
    )
    assert response["Location"] == reverse("journey:space")


def test_a_logged_out_member_following_a_space_link_gets_the_member_door(
    client: Client, db: None
) -> None:
    response = client.get(reverse("journey:space_coverage"))
    assert response["Location"] == f"{MEMBER_LOGIN}?next=/mon-espace/garanties/"
    # The HR door hands a space link over to the member's door.
    response = client.get(HR_LOGIN + "?next=/mon-espace/garanties/")
    assert response["Location"] == f"{MEMBER_LOGIN}?next=%2Fmon-espace%2Fgaranties%2F"


def test_a_member_logging_out_is_back_at_their_door(member: Client) -> None:
    assert member.post(reverse("accounts:logout"))["Location"] == MEMBER_LOGIN


# --- Every page is the member's own ------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_an_hr_login_never_opens_a_member_page(
    client: Client, correspondent_a: User, active: Membership, name: str
) -> None:
    client.force_login(correspondent_a)
    assert client.get(reverse(f"journey:{name}")).status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_a_staff_login_never_opens_a_member_page(
    client: Client, staff_user: User, name: str
) -> None:
    client.force_login(staff_user)
    assert client.get(reverse(f"journey:{name}")).status_code == 403


def test_another_member_sees_only_their_own_file(
    client: Client, active: Membership, other: Membership
) -> None:
    client.force_login(login_of(other))
    for name in PAGES:
        page = text(client.get(reverse(f"journey:{name}")))
        assert active.member_number not in page
        assert "Claire" not in page  # the other member's spouse
    assert client.get(reverse("journey:space_card", args=[active.pk])).status_code == 404
    assert client.get(reverse("journey:space_portability", args=[999])).status_code == 404


# --- Accueil and the card ----------------------------------------------------------------------


def test_the_home_says_the_membership_is_active_and_offers_the_card(member: Client) -> None:
    page = plain(member.get(reverse("journey:space")))
    assert "Adhésion active" in page
    assert "Adhésion active depuis le 01/03/2024 : vous êtes couvert(e)." in page
    assert "Voir ma carte" in page and "Télécharger ma carte (PDF)" in page
    assert "Vos conseillers : 0 980 98 98 23" in page


def test_the_card_is_shown_on_screen_with_the_people_covered(
    member: Client, active: Membership
) -> None:
    page = plain(member.get(reverse("journey:space_card", args=[active.pk])))
    assert "Ma carte mutualiste" in page
    assert f"N° adhérent {active.member_number}" in page
    assert "Adhérent Cédric SIMON 14/05/1985" in page
    assert "Conjoint Claire SIMON 03/02/1987 Enfant Lou SIMON 21/09/2015" in page
    assert "Hugo" not in page  # past the age limit: not on the card


def test_before_the_card_exists_its_page_is_a_404(client: Client, company_a: Company) -> None:
    from conftest import declare

    membership: Membership = declare(company_a).membership
    client.force_login(login_of(membership))
    assert client.get(reverse("journey:space_card", args=[membership.pk])).status_code == 404
    assert "Voir ma carte" not in text(client.get(reverse("journey:space")))


D = date


@pytest.mark.parametrize(
    ("status", "end", "termination", "waiver_end", "expected"),
    [
        ("pre_enrolled", None, None, None, "Adhésion à finaliser"),
        ("signed", None, None, None, "Adhésion en cours de vérification"),
        ("active", None, None, None, "Adhésion active"),
        ("terminated", D(2026, 3, 31), None, None, "Radié(e) le 31/03/2026"),
        ("terminated", D(2026, 7, 31), None, None, "Radiation au 31/07/2026"),
        (
            "terminated",
            D(2026, 3, 31),
            (D(2026, 3, 31), D(2027, 3, 31)),
            None,
            "Radié(e) le 31/03/2026 — portabilité jusqu'au 31/03/2027",
        ),
        ("waiver_requested", None, None, None, "Dispense demandée, en cours de vérification"),
        ("waived", None, None, D(2026, 12, 31), "Dispensé(e) jusqu'au 31/12/2026"),
        ("waived", None, None, None, "Dispensé(e) d'adhésion"),
        ("cancelled", None, None, None, "Déclaration annulée"),
    ],
)
def test_each_state_is_said_in_plain_words(
    status: str,
    end: date | None,
    termination: tuple[date, date] | None,
    waiver_end: date | None,
    expected: str,
) -> None:
    membership = Membership(status=status, effective_date=D(2024, 3, 1), end_date=end)
    ended = (
        Termination(
            termination_date=termination[0], portability=True, portability_end=termination[1]
        )
        if termination
        else None
    )
    waiver = Waiver(end_date=waiver_end) if waiver_end else None
    standing = membership_standing(membership, D(2026, 6, 15), termination=ended, waiver=waiver)
    assert standing.status == expected


def test_a_running_portability_says_what_to_send(db: None) -> None:
    membership = Membership(
        status="terminated", effective_date=D(2024, 3, 1), end_date=D(2026, 3, 31)
    )
    ended = Termination(
        termination_date=D(2026, 3, 31), portability=True, portability_end=D(2027, 3, 31)
    )
    standing = membership_standing(membership, D(2026, 6, 15), termination=ended)
    assert standing.sentence == (
        "Au titre de la portabilité, vos garanties se poursuivent jusqu'au 31/03/2027, sans "
        "cotisation."
    )
    assert "France Travail" in standing.next_step


# --- Mes garanties -----------------------------------------------------------------------------


def test_mes_garanties_shows_the_cover_the_date_and_the_family_price(member: Client) -> None:
    page = plain(member.get(reverse("journey:space_coverage")))
    assert "Ma garantie Socle Date d'effet 01/03/2024" in page
    # The employer pays the member's base; the employee the dependants' (35 + 20 + 20).
    assert "Conjoint 35,00 € 0,00 € 35,00 € Enfant 1 20,00 €" in page
    assert "Total pour ma famille, par mois 75,00 €" in page


# --- Mes coordonnées ---------------------------------------------------------------------------

ADDRESS = {
    "address": "1",
    "street": "8 rue de la Paix",
    "complement": "",
    "postal_code": "75002",
    "city": "Paris",
    "country": "FRANCE",
    "phone": "06 11 22 33 44",
}


def test_the_member_changes_their_address_and_phone(member: Client, active: Membership) -> None:
    response = member.post(reverse("journey:space_contact"), ADDRESS)
    assert response["Location"] == reverse("journey:space_contact")
    employee = Employee.objects.get(pk=active.employee_id)
    assert (employee.street_number, employee.street_name) == ("8", "rue de la Paix")
    assert (employee.postal_code, employee.city, employee.phone) == (
        "75002",
        "Paris",
        "06 11 22 33 44",
    )
    event = AuditEvent.objects.get(action=AuditAction.CONTACT_DETAILS_SAVED)
    assert event.actor_id == active.employee.user_id
    assert set(event.details["changed"]) >= {"street_name", "postal_code", "city", "phone"}


def test_a_city_that_is_not_the_postal_codes_is_corrected_and_said(
    member: Client, active: Membership
) -> None:
    response = member.post(
        reverse("journey:space_contact"), {**ADDRESS, "city": "Lyon"}, follow=True
    )
    assert "Ville corrigée : « Lyon » ne correspond pas au code postal 75002" in plain(response)
    assert Employee.objects.get(pk=active.employee_id).city == "PARIS"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"postal_code": "7500"}, "Le code postal compte 5 chiffres."),
        ({"postal_code": "00000"}, "Le code postal 00000 n'existe pas : vérifiez-le."),
        ({"phone": "12"}, "Le numéro de téléphone"),
    ],
)
def test_a_wrong_address_or_phone_is_refused_with_the_declarations_message(
    member: Client, active: Membership, change: dict[str, str], message: str
) -> None:
    before = Employee.objects.values("street_name", "postal_code", "city", "phone").get(
        pk=active.employee_id
    )
    response = member.post(reverse("journey:space_contact"), {**ADDRESS, **change})
    assert response.status_code == 400
    assert message in text(response)
    after = Employee.objects.values("street_name", "postal_code", "city", "phone").get(
        pk=active.employee_id
    )
    assert after == before


def test_a_new_email_waits_for_the_link_sent_to_it(member: Client, active: Membership) -> None:
    client = CommitClient()  # the link opened elsewhere, logged out
    user = active.employee.user
    assert user is not None
    old = user.email
    response = member.post(
        reverse("journey:space_contact"), {"email_change": "1", "email": "Cedric.New@Example.org"}
    )
    assert response["Location"] == reverse("journey:space_contact")
    user.refresh_from_db()
    assert user.email == old  # not before the new address confirms it
    to_new = [m for m in mail.outbox if m.to == ["cedric.new@example.org"]]
    to_old = [m for m in mail.outbox if m.to == [old]]
    assert [m.subject for m in to_new] == ["Confirmez votre nouvelle adresse e-mail"]
    assert [m.subject for m in to_old] == ["Demande de changement de votre adresse e-mail"]
    url = link_in(r"/espace-perso/confirmer-email/[^/\s]+/", to_new[0].body)
    # Opening the link (a mail scanner would) changes nothing; the button does.
    assert "Confirmer ma nouvelle adresse e-mail" in text(client.get(url))
    user.refresh_from_db()
    assert user.email == old
    assert client.post(url)["Location"] == MEMBER_LOGIN
    user.refresh_from_db()
    employee = Employee.objects.get(pk=active.employee_id)
    assert (user.email, employee.email) == ("cedric.new@example.org", "cedric.new@example.org")
    assert [m.subject for m in mail.outbox if m.to == [old]][-1] == (
        "Votre adresse e-mail a été modifiée"
    )
    assert client.post(url).status_code == 410  # one use
    assert AuditEvent.objects.filter(action=AuditAction.EMAIL_CHANGED).count() == 1


def test_an_email_change_link_never_sets_a_password(member: Client) -> None:
    client = CommitClient()
    member.post(reverse("journey:space_contact"), {"email_change": "1", "email": "n@example.org"})
    url = link_in(r"/espace-perso/confirmer-email/[^/\s]+/", mail.outbox[0].body)
    token = url.rstrip("/").rsplit("/", 1)[1]
    response = client.get(reverse("accounts:password_link", args=[token]))
    assert response.status_code == 410
    assert OneTimeLink.objects.get(purpose=LinkPurpose.EMAIL_CHANGE).used_at is None


def test_an_address_already_used_by_another_login_is_refused(
    member: Client, correspondent_a: User
) -> None:
    response = member.post(
        reverse("journey:space_contact"), {"email_change": "1", "email": correspondent_a.email}
    )
    assert response.status_code == 400
    assert "Cette adresse e-mail ne peut pas être utilisée pour votre espace" in text(response)
    assert not OneTimeLink.objects.filter(purpose=LinkPurpose.EMAIL_CHANGE).exists()


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("pas-une-adresse", "L'adresse e-mail n'est pas valide"),
        ("cedric.simon@example.org", "C'est déjà votre adresse e-mail"),
    ],
)
def test_a_wrong_new_email_is_refused(member: Client, email: str, message: str) -> None:
    response = member.post(reverse("journey:space_contact"), {"email_change": "1", "email": email})
    assert response.status_code == 400
    assert message in text(response)
    assert len(mail.outbox) == 0


# --- Mes documents and Mes demandes ------------------------------------------------------------


def test_mes_documents_lists_the_signed_dossier_and_the_card(
    member: Client, active: Membership
) -> None:
    page = member.get(reverse("journey:space_documents")).content.decode()
    assert "Mon dossier d&#x27;adhésion signé (PDF)" in page
    assert f'href="{reverse("journey:bulletin_pdf", args=[active.pk])}"' in page
    assert f'href="{reverse("journey:card", args=[active.pk])}"' in page
    assert member.get(reverse("journey:bulletin_pdf", args=[active.pk])).status_code == 200


def test_mes_demandes_shows_the_timeline_without_the_staffs_own_handling(
    member: Client, active: Membership, staff_user: User
) -> None:
    request = active.requests.get()
    RequestEvent.objects.create(request=request, kind=EventKind.TAKEN, actor=staff_user)
    page = plain(member.get(reverse("journey:space_requests")))
    assert "Affiliation" in page and "Clôturée" in page
    assert "Adhésion signée par le salarié" in page
    assert "Prise en charge par un gestionnaire" not in page
