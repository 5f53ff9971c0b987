""" "Mes accès": a company's correspondent gives a colleague, an accountant or a broker access
with chosen rights and a last day; each right is enforced on every page; the insurer sees and
stops any access; every change is audited."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from conftest import declare, make_user
from portal.accounts.models import Role, User
from portal.companies.access_services import Invitation, grant_access, revoke_access
from portal.companies.models import AccessRight, Company, DelegatedAccess
from portal.companies.queries import companies_for_user, correspondent_two_factor_required
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError
from portal.core.models import AuditEvent

TODAY = timezone.localdate()


def invite(
    company: Company,
    by: User,
    email: str = "expert@cabinet.example",
    rights: list[str] | None = None,
    expires_on: date | None = None,
    kind: str = "accountant",
) -> DelegatedAccess:
    with TestCase.captureOnCommitCallbacks(execute=True):
        (access,) = grant_access(
            companies=[company],
            invitation=Invitation(email, "Paul", "Comptable", kind, rights or [], expires_on),
            by=by,
            today=TODAY,
        )
        return access


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_inviting_a_new_person_makes_a_login_that_sees_the_company(
    company_a: Company, correspondent_a: User
) -> None:
    access = invite(company_a, correspondent_a, "Expert@Cabinet.example", [AccessRight.DECLARE])

    person = access.user
    assert (person.email, person.role, person.has_usable_password()) == (
        "expert@cabinet.example",
        Role.CORRESPONDENT,
        False,
    )
    assert list(companies_for_user(person)) == [company_a]
    assert [m.to for m in mail.outbox] == [["expert@cabinet.example"]]
    assert "choisissez votre mot de passe" in mail.outbox[0].subject
    event = AuditEvent.objects.get(action=AuditAction.ACCESS_GRANTED)
    assert (event.actor, event.company_id, event.details["rights"]) == (
        correspondent_a,
        company_a.pk,
        ["declare"],
    )
    assert event.details["new_login"] is True


@pytest.mark.django_db
def test_an_accountant_serving_two_clients_sees_both_under_one_login(
    company_a: Company, company_b: Company, correspondent_a: User, correspondent_b: User
) -> None:
    first = invite(company_a, correspondent_a)
    second = invite(company_b, correspondent_b)

    assert first.user == second.user
    assert User.objects.filter(email="expert@cabinet.example").count() == 1
    assert list(companies_for_user(first.user)) == [company_a, company_b]
    assert mail.outbox[-1].subject == "Votre espace Espace entreprise : accès à BETA SARL" or (
        "accès à BETA SARL" in mail.outbox[-1].subject
    )
    page = logged_in(first.user).get(reverse("companies:choose")).content.decode()
    assert "ALPHA SAS" in page and "BETA SARL" in page


@pytest.mark.django_db
def test_a_read_only_access_reads_but_every_writing_page_is_refused_with_its_reason(
    company_a: Company, correspondent_a: User
) -> None:
    request = declare(company_a)
    access = invite(company_a, correspondent_a, rights=[])
    client = logged_in(access.user)
    base = f"/entreprises/{company_a.pk}"

    reads = [
        client.get(f"{base}/mes-demandes/").status_code,
        client.get(reverse("employer:employees", args=[company_a.pk])).status_code,
        client.get(
            reverse("employer:employee", args=[company_a.pk, request.employee_id])
        ).status_code,
    ]
    writes = {
        "declare": client.get(reverse("tracking:add", args=[company_a.pk])),
        "upload": client.get(reverse("imports:upload", args=[company_a.pk])),
        "remind": client.post(reverse("tracking:remind", args=[company_a.pk, request.pk])),
        "terminate": client.get(
            reverse("terminations:terminate", args=[company_a.pk, request.membership_id])
        ),
        "accesses": client.get(reverse("companies:accesses", args=[company_a.pk])),
        "api": client.get(reverse("api_access:access", args=[company_a.pk])),
        "webhooks": client.get(reverse("webhooks:endpoints", args=[company_a.pk])),
    }

    assert reads == [200, 200, 200]
    assert {name: r.status_code for name, r in writes.items()} == dict.fromkeys(writes, 403)
    assert (
        "Votre accès à cette entreprise ne permet pas de « Déclarer et relancer »."
        in writes["declare"].content.decode()
    )
    assert "« Résilier »" in writes["terminate"].content.decode()
    menu = client.get(f"{base}/mes-demandes/").content.decode()
    assert "Mes accès" not in menu and "Ajouter des salariés" not in menu


@pytest.mark.django_db
def test_a_declare_right_declares_but_does_not_terminate(
    company_a: Company, correspondent_a: User
) -> None:
    request = declare(company_a)
    access = invite(company_a, correspondent_a, rights=[AccessRight.DECLARE])
    client = logged_in(access.user)

    assert client.get(reverse("tracking:add", args=[company_a.pk])).status_code == 200
    reminded = client.post(reverse("tracking:remind", args=[company_a.pk, request.pk]))
    assert reminded.status_code == 200
    assert request.membership.invitations.get().reminders == 1
    terminate = reverse("terminations:terminate", args=[company_a.pk, request.membership_id])
    assert client.get(terminate).status_code == 403


@pytest.mark.django_db
def test_an_access_past_its_last_day_or_withdrawn_opens_nothing(
    company_a: Company, correspondent_a: User
) -> None:
    ended = invite(company_a, correspondent_a, "ancien@example.org", expires_on=TODAY)
    withdrawn = invite(company_a, correspondent_a, "parti@example.org")
    home = reverse("employer:home", args=[company_a.pk])

    assert logged_in(ended.user).get(home).status_code == 200  # its last day still counts
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            "portal.companies.queries.timezone.localdate", lambda: TODAY + timedelta(days=1)
        )
        assert logged_in(ended.user).get(home).status_code == 404
    client = logged_in(withdrawn.user)
    assert client.get(home).status_code == 200
    revoke_access(access_id=withdrawn.pk, company=company_a, by=correspondent_a)
    assert client.get(home).status_code == 404
    event = AuditEvent.objects.get(action=AuditAction.ACCESS_REVOKED)
    assert (event.actor, event.details["by_insurer"]) == (correspondent_a, False)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("staff", "access_email_refused"),
        ("member", "access_email_refused"),
        ("named", "access_already"),
        ("twice", "access_already"),
        ("past", "access_expiry_past"),
        ("bad_email", "access_email_invalid"),
    ],
)
def test_an_invitation_that_cannot_be_given_is_refused_and_nothing_saved(
    company_a: Company, correspondent_a: User, case: str, code: str
) -> None:
    email, expires = "autre@example.org", None
    if case == "staff":
        email = make_user("gestion@mutuelle.example", Role.STAFF, is_staff=True).email
    elif case == "member":
        email = make_user("salarie@example.org", Role.MEMBER).email
    elif case == "named":
        email = correspondent_a.email
    elif case == "twice":
        invite(company_a, correspondent_a, email)
    elif case == "past":
        expires = TODAY - timedelta(days=1)
    elif case == "bad_email":
        email = "pas-une-adresse"
    before = DelegatedAccess.objects.count()

    with pytest.raises(BusinessError) as refused:
        invite(company_a, correspondent_a, email, expires_on=expires)

    assert [p.code for p in refused.value.problems] == [code]
    assert DelegatedAccess.objects.count() == before
    assert not User.objects.filter(email="pas-une-adresse").exists()


@pytest.mark.django_db
def test_a_delegate_who_manages_gives_only_the_rights_it_has(
    company_a: Company, correspondent_a: User
) -> None:
    manager = invite(company_a, correspondent_a, rights=[AccessRight.MANAGE, AccessRight.DECLARE])

    with pytest.raises(BusinessError) as refused:
        invite(company_a, manager.user, "stagiaire@example.org", [AccessRight.TERMINATE])
    colleague = invite(company_a, manager.user, "collegue@example.org", [AccessRight.DECLARE])

    assert [p.code for p in refused.value.problems] == ["access_rights_beyond_own"]
    assert colleague.rights == ["declare"]
    assert colleague.granted_by == manager.user


@pytest.mark.django_db
def test_the_access_page_invites_and_withdraws(
    client_a: Client, company_a: Company, correspondent_a: User
) -> None:
    url = reverse("companies:accesses", args=[company_a.pk])

    with TestCase.captureOnCommitCallbacks(execute=True):
        invited = client_a.post(
            url,
            {
                "last_name": "Courtier",
                "first_name": "Anne",
                "email": "anne@courtage.example",
                "kind": "broker",
                "rights": ["declare", "terminate"],
                "companies": [company_a.pk],
                "expires_on": (TODAY + timedelta(days=90)).isoformat(),
            },
            follow=True,
        )
    access = DelegatedAccess.objects.get()
    withdrawn = client_a.post(
        reverse("companies:withdraw_access", args=[company_a.pk, access.pk]), follow=True
    )

    page = invited.content.decode()
    assert "anne@courtage.example a maintenant accès à ALPHA SAS" in page
    assert "Lecture, Déclarer et relancer, Résilier" in page
    assert (access.kind, access.rights) == ("broker", ["declare", "terminate"])
    assert "L&#x27;accès de anne@courtage.example est retiré." in withdrawn.content.decode()
    assert DelegatedAccess.objects.get().revoked_by == correspondent_a
    assert (
        client_a.get(
            reverse("companies:withdraw_access", args=[company_a.pk, access.pk])
        ).status_code
        == 405
    )


@pytest.mark.django_db
def test_the_insurer_sees_every_access_and_stops_one(
    client: Client, company_a: Company, correspondent_a: User, staff_user: User
) -> None:
    access = invite(company_a, correspondent_a)
    client.force_login(staff_user)

    page = client.get("/backoffice/acces/").content.decode()
    stopped = client.post(f"/backoffice/acces/{access.pk}/arreter/", follow=True)

    assert "expert@cabinet.example" in page and "ALPHA SAS" in page
    assert "est arrêté" in stopped.content.decode()
    event = AuditEvent.objects.get(action=AuditAction.ACCESS_REVOKED)
    assert (event.actor, event.details["by_insurer"]) == (staff_user, True)
    assert list(companies_for_user(access.user)) == []


@pytest.mark.django_db
def test_the_insurers_access_screen_is_not_for_correspondents(
    client_a: Client, company_a: Company, correspondent_a: User
) -> None:
    access = invite(company_a, correspondent_a)

    assert client_a.get("/backoffice/acces/").status_code == 404
    assert client_a.post(f"/backoffice/acces/{access.pk}/arreter/").status_code == 404
    assert DelegatedAccess.objects.get().revoked_at is None


@pytest.mark.django_db
def test_a_delegates_second_factor_follows_the_companies_it_was_given(
    company_a: Company, correspondent_a: User, settings: Any
) -> None:
    Company.objects.filter(pk=company_a.pk).update(hr_two_factor_required=False)
    access = invite(company_a, correspondent_a)

    assert correspondent_two_factor_required(access.user) is False
    Company.objects.filter(pk=company_a.pk).update(hr_two_factor_required=True)
    assert correspondent_two_factor_required(access.user) is True


@pytest.mark.django_db
def test_a_correspondent_of_two_companies_gives_access_to_both_at_once_and_no_other(
    client_a: Client, company_a: Company, company_b: Company, correspondent_a: User
) -> None:
    third = Company.objects.create(
        legal_name="GAMMA SA",
        siret="35600000000048",
        address_street="1 RUE",
        postal_code="75002",
        city="PARIS",
        account_manager=company_a.account_manager,
    )
    correspondent_a.companies.add(company_b)
    url = reverse("companies:accesses", args=[company_a.pk])
    person = {
        "last_name": "Comptable",
        "first_name": "Paul",
        "email": "expert@cabinet.example",
        "kind": "accountant",
        "rights": ["declare"],
    }

    foreign = client_a.post(url, {**person, "companies": [company_a.pk, third.pk]})
    with TestCase.captureOnCommitCallbacks(execute=True):
        both = client_a.post(
            url, {**person, "companies": [company_a.pk, company_b.pk]}, follow=True
        )

    assert foreign.status_code == 200
    assert "GAMMA SA" not in foreign.content.decode()
    assert "expert@cabinet.example a maintenant accès à ALPHA SAS, BETA SARL" in (
        both.content.decode()
    )
    accesses = DelegatedAccess.objects.order_by("company__legal_name")
    assert [(a.company.legal_name, a.rights) for a in accesses] == [
        ("ALPHA SAS", ["declare"]),
        ("BETA SARL", ["declare"]),
    ]
    assert len(mail.outbox) == 1  # the new login's welcome link, once
