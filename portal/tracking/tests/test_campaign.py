"""Issue 17, item 1: "Vision de leur avancée" — where each employee stands, per insured group,
with the count to chase and the link that lists exactly them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import declare, make_nir, text
from portal.accounts.models import User
from portal.enrollment.models import Invitation, JourneyStep, Membership, MembershipStatus
from portal.tracking.campaign import STAGE_KEYS, company_campaign, staff_campaign, stage_of

pytestmark = pytest.mark.django_db
S = MembershipStatus


@pytest.mark.parametrize(
    ("status", "step", "opened", "link_valid", "stage"),
    [
        (S.PRE_ENROLLED, "", False, True, "invited"),
        (S.PRE_ENROLLED, "", True, True, "profile"),
        (S.PRE_ENROLLED, JourneyStep.PROFILE, True, True, "dependants"),
        (S.PRE_ENROLLED, JourneyStep.DEPENDANTS, True, True, "coverage"),
        (S.PRE_ENROLLED, JourneyStep.COVERAGE, True, True, "bank"),
        (S.PRE_ENROLLED, JourneyStep.BANK, True, True, "signature"),
        (S.PRE_ENROLLED, JourneyStep.SIGNATURE, True, True, "signature"),
        (S.PRE_ENROLLED, JourneyStep.COVERAGE, True, False, "expired"),
        (S.PRE_ENROLLED, "", False, False, "expired"),
        (S.SIGNED, JourneyStep.SIGNATURE, True, False, "signed"),
        (S.ACTIVE, JourneyStep.SIGNATURE, True, True, "active"),
        (S.WAIVER_REQUESTED, "", True, True, "waived"),
        (S.WAIVED, "", True, False, "waived"),
    ],
)
def test_each_membership_stands_at_one_stage(
    status: str, step: str, opened: bool, link_valid: bool, stage: str
) -> None:
    assert stage_of(status, step, opened=opened, link_valid=link_valid) == stage


@pytest.fixture
def campaign_a(company_a: Any) -> dict[str, Any]:
    """Five employees: invited, at "Mes garanties", link expired, signed, and cancelled."""
    people = {
        name: declare(
            company_a, last_name=name, nir=make_nir(order=order), email="", employee_number=order
        )
        for name, order in [
            ("Invite", "101"),
            ("Garanties", "102"),
            ("Expire", "103"),
            ("Signe", "104"),
            ("Annule", "105"),
        ]
    }
    invitations = Invitation.objects.filter(membership__employee__last_name__in=["GARANTIES"])
    invitations.update(used_at=timezone.now())
    Membership.objects.filter(employee__last_name="GARANTIES").update(
        journey_step=JourneyStep.DEPENDANTS
    )
    Invitation.objects.filter(membership__employee__last_name="EXPIRE").update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    Membership.objects.filter(employee__last_name="SIGNE").update(status=S.SIGNED)
    Membership.objects.filter(employee__last_name="ANNULE").update(status=S.CANCELLED)
    return people


def test_the_company_campaign_counts_each_employee_once_at_their_stage(
    company_a: Any, campaign_a: dict[str, Any]
) -> None:
    campaign = company_campaign(company_a)

    expected = dict.fromkeys(STAGE_KEYS, 0) | {
        "invited": 1,
        "coverage": 1,
        "expired": 1,
        "signed": 1,
    }
    assert [bar.label for bar in campaign.bars] == ["Complémentaire Santé — 02ENSP Cadres"]
    assert campaign.bars[0].counts == expected and campaign.total.counts == expected
    assert [(s.stage.key, s.count, s.x, s.width) for s in campaign.bars[0].segments] == [
        ("invited", 1, 0.0, 25.0),
        ("coverage", 1, 25.0, 25.0),
        ("expired", 1, 50.0, 25.0),
        ("signed", 1, 75.0, 25.0),
    ]
    # Requests are left as declared (the fixture moved memberships only): all five wait.
    assert campaign.to_chase == 5


def test_the_home_shows_the_chart_its_table_and_the_link_to_those_to_chase(
    client_a: Client, company_a: Any, campaign_a: dict[str, Any]
) -> None:
    page = text(client_a.get(reverse("employer:home", args=[company_a.pk])))

    assert '<h2 id="campaign-title">Avancée des adhésions</h2>' in page
    assert '<svg class="campaign__bar" viewBox="0 0 100 6"' in page
    assert (
        "<caption>Avancée des adhésions, en nombre d'adhésions (un salarié des deux contrats "
        "compte dans chacun)</caption>"
    ) in page
    assert '<th scope="col">Complémentaire Santé — 02ENSP Cadres</th></tr></thead>' in page
    for stage, count in [
        ("Invité, lien non ouvert", 1),
        ("En cours : Mon profil", 0),
        ("En cours : Mes garanties", 1),
        ("Lien expiré", 1),
        ("Signé", 1),
        ("Mis en gestion", 0),
    ]:
        assert f'<tr><th scope="row">{stage}</th><td>{count}</td></tr>' in page
    assert '<tfoot><tr><th scope="row">Total</th><td>4</td></tr></tfoot>' in page
    link = reverse("tracking:requests", args=[company_a.pk]) + "?etat=waiting&motif=affiliation"
    assert f'<a href="{link}">voir les salariés à relancer</a>' in page
    listed = client_a.get(link)
    assert listed.context["page"].count == 5
    names = {r.employee.last_name for r in listed.context["page"].object_list}
    assert names == {"INVITE", "GARANTIES", "EXPIRE", "SIGNE", "ANNULE"}


def test_mes_demandes_shows_the_chart_on_its_unfiltered_first_page_only(
    client_a: Client, company_a: Any, campaign_a: dict[str, Any]
) -> None:
    url = reverse("tracking:requests", args=[company_a.pk])
    assert "Avancée des adhésions" in text(client_a.get(url))
    assert "Avancée des adhésions" not in text(client_a.get(url + "?etat=waiting"))


def test_an_empty_company_says_so(client_a: Client, company_a: Any) -> None:
    page = text(client_a.get(reverse("employer:home", args=[company_a.pk])))
    assert "Aucune adhésion en cours : les salariés déclarés apparaîtront ici" in page


def test_staff_see_every_company_and_link_each_ones_waiting_affiliations(
    client: Client, staff_user: User, company_a: Any, company_b: Any, campaign_a: dict[str, Any]
) -> None:
    declare(company_b, nir=make_nir(order="201"))
    found, ranked = staff_campaign()
    assert [(company.pk, count) for company, count in ranked] == [
        (company_a.pk, 5),
        (company_b.pk, 1),
    ]
    assert found.total.counts["invited"] == 2 and found.to_chase == 6

    client.force_login(staff_user)
    page = text(client.get(reverse("backoffice:campaign")))
    waiting = "state__exact=waiting&reason__exact=affiliation"
    link = (
        reverse("admin:tracking_request_changelist")
        + f"?company__id__exact={company_a.pk}&{waiting}"
    )
    assert f'<a href="{link}"' in page
    listed = client.get(link)
    assert listed.status_code == 200 and listed.context["cl"].result_count == 5


def test_hr_and_visitors_never_see_the_staff_page(client: Client, correspondent_a: User) -> None:
    url = reverse("backoffice:campaign")
    assert client.get(url)["Location"].startswith("/connexion/?next=")
    client.force_login(correspondent_a)
    assert client.get(url).status_code == 404


def test_the_figures_are_kept_two_minutes_and_say_when_they_were_counted(
    client_a: Client, company_a: Any, campaign_a: dict[str, Any]
) -> None:
    first = company_campaign(company_a)
    declare(company_a, last_name="Nouveau", nir=make_nir(order="106"), employee_number="106")

    assert company_campaign(company_a).total.total == first.total.total == 4
    assert company_campaign(company_a, now=timezone.now()).total.total == 5  # counted again
    page = text(client_a.get(reverse("employer:home", args=[company_a.pk])))
    assert f"Chiffres du {timezone.localtime(first.as_of):%d/%m/%Y à %H:%M}." in page
