"""The staff queue "À traiter": counts, order, filters, search, pagination, "Je prends"."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD, declare, file_copy_of_the_database, in_threads, make_nir, make_user
from portal.accounts.models import Role, User
from portal.backoffice.demo import load_demo
from portal.companies.models import Company
from portal.core.errors import BusinessError
from portal.core.models import AuditEvent
from portal.enrollment.models import Membership
from portal.tracking.models import EventKind, Reason, Request, RequestEvent, Source, State
from portal.tracking.queries import timeline
from portal.tracking.services import (
    move_request,
    open_request,
    release_request,
    take_request,
)

QUEUE = "/backoffice/"
ROW_RE = re.compile(r'<th scope="row"><a href="/backoffice/dossiers/(\d+)/">')

_counter = iter(range(100, 999))


def employee_request(
    company: Company, last_name: str, first_name: str = "Cédric", **overrides: Any
) -> Any:
    """A declared employee's affiliation request ("En attente")."""
    i = next(_counter)
    return declare(
        company,
        last_name=last_name,
        first_name=first_name,
        nir=make_nir(order=f"{i:03d}"),
        employee_number=f"M-{i}",
        email=f"e{i}@example.org",
        **overrides,
    )


def signed(request: Request, since: datetime) -> Request:
    """The employee signed `since`: the affiliation is "En cours" from then."""
    with transaction.atomic():
        return move_request(
            request.pk, State.IN_PROGRESS, event=EventKind.SIGNED, by=None, now=since
        )


def opened(
    membership: Membership, reason: str, since: datetime, source: str = Source.FORM
) -> Request:
    """A termination, death or waiver request, "En cours" from its opening."""
    with transaction.atomic():
        return open_request(membership=membership, reason=reason, source=source, by=None, now=since)


def ids_on(page: str) -> list[int]:
    return [int(pk) for pk in ROW_RE.findall(page)]


def staff(email: str, first: str, last: str) -> User:
    return User.objects.create_user(
        email, PASSWORD, role=Role.STAFF, is_staff=True, first_name=first, last_name=last
    )


@pytest.fixture
def staff_client(client: Client, staff_user: User) -> Client:
    client.force_login(staff_user)
    return client


@pytest.fixture
def other_staff(db: None) -> User:
    return staff("marc@example.org", "Marc", "Durand")


@pytest.fixture
def desk(company_a: Company, company_b: Company) -> dict[str, Request]:
    """Requests of every motif and state across two companies, "En cours" at known times."""
    now = timezone.now()
    simon = employee_request(company_a, "Simon")
    leroy = employee_request(company_a, "Leroy", "Élodie")
    petit = employee_request(company_b, "Petit", "Paul")
    waiting = employee_request(company_a, "Attente")
    return {
        "simon": signed(simon, now - timedelta(days=3)),
        "leroy": signed(leroy, now - timedelta(days=10)),
        "petit": signed(petit, now - timedelta(days=5, hours=2)),
        "waiting": waiting,
        "termination": opened(
            waiting.membership, Reason.TERMINATION, now - timedelta(days=1), Source.DSN
        ),
        "death": opened(leroy.membership, Reason.DEATH, now - timedelta(hours=5)),
        "waiver": opened(simon.membership, Reason.WAIVER, now - timedelta(days=2), Source.API),
    }


# --- Permissions ---


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_the_login_page(client: Client) -> None:
    for url in [QUEUE, reverse("backoffice:takeover") + "?demande=1"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    response = client.post(reverse("backoffice:take"), {"demande": "1"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_hr_and_member_logins_get_404_on_every_queue_page(
    client: Client, correspondent_a: User, desk: dict[str, Request]
) -> None:
    member = make_user("membre@example.org", Role.MEMBER)
    pk = desk["simon"].pk
    for user in (correspondent_a, member):
        client.force_login(user)
        assert client.get(QUEUE).status_code == 404
        takeover = reverse("backoffice:takeover")
        assert client.get(takeover, {"demande": pk}).status_code == 404
        assert client.post(reverse("backoffice:take"), {"demande": pk}).status_code == 404
        assert client.post(reverse("backoffice:release"), {"demande": pk}).status_code == 404
    assert Request.objects.get(pk=pk).assigned_to_id is None


@pytest.mark.django_db
def test_staff_lands_on_a_traiter_with_the_admin_index_under_parametrage(
    staff_client: Client,
) -> None:
    page = staff_client.get(QUEUE).content.decode()
    assert "<h1>À traiter</h1>" in page
    assert 'href="/backoffice/parametrage/"' in page
    settings_page = staff_client.get(reverse("backoffice:settings")).content.decode()
    assert "Entreprises et contrats" in settings_page
    assert "Correspondants RH" in settings_page


# --- Counts, order, filters, search, pagination ---


@pytest.mark.django_db
def test_each_queue_counts_its_requests_in_progress(
    staff_client: Client, desk: dict[str, Request]
) -> None:
    page = staff_client.get(QUEUE).content.decode()
    assert 'Affiliation <span class="queue-count">(3)</span>' in page
    assert 'Dispense <span class="queue-count">(1)</span>' in page
    assert 'Résiliation <span class="queue-count">(1)</span>' in page
    assert 'Décès <span class="queue-count">(1)</span>' in page


@pytest.mark.django_db
def test_affiliations_in_progress_are_listed_oldest_first_with_their_age(
    staff_client: Client, desk: dict[str, Request]
) -> None:
    page = staff_client.get(QUEUE).content.decode()
    assert ids_on(page) == [desk["leroy"].pk, desk["petit"].pk, desk["simon"].pk]
    assert "(10 jours)" in page
    assert "(5 jours)" in page
    assert "(3 jours)" in page


@pytest.mark.django_db
def test_a_request_signed_again_ages_from_its_new_start(
    staff_client: Client, desk: dict[str, Request]
) -> None:
    leroy = desk["leroy"]
    with transaction.atomic():
        move_request(leroy.pk, State.WAITING, event=EventKind.SENT_BACK, by=None)
    signed(leroy, timezone.now() - timedelta(hours=1))
    page = staff_client.get(QUEUE).content.decode()
    assert ids_on(page) == [desk["petit"].pk, desk["simon"].pk, leroy.pk]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("motif=death", ["death"]),
        ("motif=waiver", ["waiver"]),
        ("motif=termination&origine=dsn", ["termination"]),
        ("motif=termination&origine=form", []),
        ("motif=waiver&origine=api", ["waiver"]),
        ("etat=waiting", ["waiting"]),
        ("etat=closed", []),
    ],
)
def test_motif_source_and_state_filters(
    staff_client: Client, desk: dict[str, Request], query: str, expected: list[str]
) -> None:
    page = staff_client.get(f"{QUEUE}?{query}").content.decode()
    assert ids_on(page) == [desk[name].pk for name in expected]


@pytest.mark.django_db
def test_company_and_contract_filters(
    staff_client: Client, desk: dict[str, Request], company_a: Company, company_b: Company
) -> None:
    page = staff_client.get(f"{QUEUE}?entreprise={company_b.pk}").content.decode()
    assert ids_on(page) == [desk["petit"].pk]
    assert 'Affiliation <span class="queue-count">(1)</span>' in page
    contract_a = company_a.contracts.get()
    page = staff_client.get(
        f"{QUEUE}?entreprise={company_a.pk}&contrat={contract_a.pk}"
    ).content.decode()
    assert ids_on(page) == [desk["leroy"].pk, desk["simon"].pk]
    assert f'<option value="{contract_a.pk}" selected>A0001</option>' in page
    other = company_b.contracts.get()
    page = staff_client.get(f"{QUEUE}?contrat={other.pk}").content.decode()
    assert ids_on(page) == [desk["petit"].pk]


@pytest.mark.django_db
def test_search_by_nir_typed_with_spaces_uses_the_keyed_digest(
    staff_client: Client, desk: dict[str, Request]
) -> None:
    nir = desk["petit"].employee.nir
    spaced = f"{nir[0]} {nir[1:3]} {nir[3:5]} {nir[5:7]} {nir[7:10]} {nir[10:13]} {nir[13:]}"
    with CaptureQueriesContext(connection) as captured:
        page = staff_client.get(QUEUE, {"q": spaced}).content.decode()
    assert ids_on(page) == [desk["petit"].pk]
    assert any(desk["petit"].employee.nir_digest in q["sql"] for q in captured.captured_queries)
    assert not any(nir in q["sql"] for q in captured.captured_queries)


@pytest.mark.django_db
def test_search_by_member_number(staff_client: Client, desk: dict[str, Request]) -> None:
    membership = desk["simon"].membership
    assert membership is not None
    number = membership.member_number
    page = staff_client.get(QUEUE, {"q": f" {number} "}).content.decode()
    assert ids_on(page) == [desk["simon"].pk]
    page = staff_client.get(QUEUE, {"q": number, "motif": "waiver"}).content.decode()
    assert ids_on(page) == [desk["waiver"].pk]


@pytest.mark.django_db
def test_search_by_the_start_of_a_name_either_way_round(
    staff_client: Client, desk: dict[str, Request]
) -> None:
    assert ids_on(staff_client.get(QUEUE, {"q": "ler"}).content.decode()) == [desk["leroy"].pk]
    assert ids_on(staff_client.get(QUEUE, {"q": "elodie l"}).content.decode()) == [desk["leroy"].pk]
    assert ids_on(staff_client.get(QUEUE, {"q": "Dupont"}).content.decode()) == []


@pytest.mark.django_db
def test_queue_is_paginated_by_25_keeping_the_filters(
    staff_client: Client, company_a: Company
) -> None:
    membership = employee_request(company_a, "Simon").membership
    start = timezone.now() - timedelta(days=40)
    made = [
        opened(membership, Reason.TERMINATION, start + timedelta(hours=i)).pk for i in range(27)
    ]
    first = staff_client.get(QUEUE, {"motif": "termination"}).content.decode()
    assert ids_on(first) == made[:25]
    assert "Page 1 sur 2" in first
    assert "?motif=termination&amp;page=2" in first
    second = staff_client.get(QUEUE, {"motif": "termination", "page": "2"}).content.decode()
    assert ids_on(second) == made[25:]


@pytest.mark.django_db
def test_queue_runs_the_same_number_of_queries_for_1_and_30_rows(
    staff_client: Client, company_a: Company, django_assert_num_queries: Any
) -> None:
    membership = employee_request(company_a, "Simon").membership
    start = timezone.now() - timedelta(days=40)
    opened(membership, Reason.TERMINATION, start)
    with CaptureQueriesContext(connection) as one:
        assert len(ids_on(staff_client.get(QUEUE, {"motif": "termination"}).content.decode())) == 1
    # Session, user, its second-factor device, the counts by motif, the DSN anomalies' count,
    # the page's ids, its rows, the companies filter.
    assert len(one) == 8
    for i in range(29):
        request = opened(membership, Reason.TERMINATION, start + timedelta(hours=i + 1))
    take_request(request.pk, User.objects.get(email="staff@example.org"))
    with django_assert_num_queries(len(one)):
        page = staff_client.get(QUEUE, {"motif": "termination"}).content.decode()
    assert len(ids_on(page)) == 25
    assert "Pris par Sophie Lambert le" not in page  # the newest one is on page 2
    with django_assert_num_queries(len(one)):
        page = staff_client.get(QUEUE, {"motif": "termination", "page": "2"}).content.decode()
    assert "Pris par Sophie Lambert le" in page


@pytest.mark.django_db
def test_no_writes_on_get(
    staff_client: Client, desk: dict[str, Request], other_staff: User
) -> None:
    take_request(desk["simon"].pk, other_staff)
    before = (
        AuditEvent.objects.count(),
        RequestEvent.objects.count(),
        list(Request.objects.values_list("pk", "state", "assigned_to_id", "updated_at")),
    )
    staff_client.get(QUEUE)
    staff_client.get(QUEUE, {"q": "simon", "etat": "tous"})
    staff_client.get(reverse("backoffice:takeover"), {"demande": desk["simon"].pk})
    take_on_get = staff_client.get(reverse("backoffice:take"), {"demande": desk["simon"].pk})
    assert take_on_get.status_code == 405
    after = (
        AuditEvent.objects.count(),
        RequestEvent.objects.count(),
        list(Request.objects.values_list("pk", "state", "assigned_to_id", "updated_at")),
    )
    assert after == before


# --- "Je prends", "Libérer", "Reprendre" ---


@pytest.mark.django_db
def test_je_prends_holds_the_request_with_its_audit_and_staff_only_timeline_step(
    staff_client: Client, staff_user: User, desk: dict[str, Request]
) -> None:
    pk = desk["simon"].pk
    response = staff_client.post(
        reverse("backoffice:take"), {"demande": pk, "next": "/backoffice/?motif=affiliation"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/backoffice/?motif=affiliation"
    request = Request.objects.get(pk=pk)
    assert request.assigned_to_id == staff_user.pk
    assert request.assigned_at is not None
    page = staff_client.get(QUEUE).content.decode()
    assert (
        f"Pris par Sophie Lambert le {timezone.localtime(request.assigned_at):%d/%m/%Y à %H:%M}"
        in page
    )
    assert ">Libérer<" in page
    event = AuditEvent.objects.get(action="request_taken")
    assert (event.actor_id, event.target_id) == (staff_user.pk, str(pk))
    assert request.events.order_by("pk").last().kind == EventKind.TAKEN  # type: ignore[union-attr]
    employer_steps = [entry.label for entry in timeline(request)]
    staff_steps = [entry.label for entry in timeline(request, staff=True)]
    assert "Prise en charge par un gestionnaire" not in employer_steps
    assert staff_steps[-1] == "Prise en charge par un gestionnaire"


@pytest.mark.django_db
def test_taking_a_request_held_by_someone_else_names_the_holder(
    staff_client: Client, staff_user: User, other_staff: User, desk: dict[str, Request]
) -> None:
    pk = desk["simon"].pk
    taken = take_request(pk, other_staff)
    at = timezone.localtime(taken.assigned_at).strftime("%d/%m/%Y à %H:%M")
    with pytest.raises(BusinessError) as raised:
        take_request(pk, staff_user)
    assert str(raised.value) == (
        f"Cette demande est déjà prise par Marc Durand depuis le {at}. Pour la traiter à sa"
        " place, utilisez « Reprendre »."
    )
    response = staff_client.post(reverse("backoffice:take"), {"demande": pk}, follow=True)
    assert "Cette demande est déjà prise par Marc Durand" in response.content.decode()
    assert Request.objects.get(pk=pk).assigned_to_id == other_staff.pk
    page = staff_client.get(QUEUE).content.decode()
    assert f"Pris par Marc Durand le {at}" in page
    assert f'href="/backoffice/a-traiter/reprendre/?demande={pk}&amp;next=/backoffice/"' in page


@pytest.mark.django_db
def test_reprendre_asks_for_confirmation_then_takes_the_request_over(
    staff_client: Client, staff_user: User, other_staff: User, desk: dict[str, Request]
) -> None:
    pk = desk["simon"].pk
    take_request(pk, other_staff)
    response = staff_client.get(reverse("backoffice:takeover"), {"demande": pk})
    confirmation = response.content.decode()
    assert "est prise par Marc Durand le" in confirmation
    assert '<input type="hidden" name="reprendre" value="1">' in confirmation
    staff_client.post(reverse("backoffice:take"), {"demande": pk, "reprendre": "1"})
    assert Request.objects.get(pk=pk).assigned_to_id == staff_user.pk
    event = AuditEvent.objects.get(action="request_taken_over")
    assert event.details == {"previous_holder": other_staff.pk}
    assert Request.objects.get(pk=pk).events.order_by("pk").last().kind == EventKind.TAKEN_OVER  # type: ignore[union-attr]


@pytest.mark.django_db
def test_the_holder_releases_and_nobody_else_can(
    staff_client: Client, staff_user: User, other_staff: User, desk: dict[str, Request]
) -> None:
    pk = desk["simon"].pk
    take_request(pk, staff_user)
    with pytest.raises(BusinessError) as raised:
        release_request(pk, other_staff)
    assert raised.value.problems[0].code == "not_the_holder"
    staff_client.post(reverse("backoffice:release"), {"demande": pk})
    request = Request.objects.get(pk=pk)
    assert (request.assigned_to_id, request.assigned_at) == (None, None)
    assert AuditEvent.objects.filter(action="request_released", actor=staff_user).count() == 1
    with pytest.raises(BusinessError) as raised:
        release_request(pk, staff_user)
    assert raised.value.problems[0].code == "not_taken"


@pytest.mark.django_db
def test_only_a_request_in_progress_can_be_taken_and_leaving_it_frees_it(
    staff_user: User, desk: dict[str, Request]
) -> None:
    with pytest.raises(BusinessError) as raised:
        take_request(desk["waiting"].pk, staff_user)
    assert raised.value.problems[0].code == "not_in_progress"
    take_request(desk["simon"].pk, staff_user)
    with transaction.atomic():
        move_request(desk["simon"].pk, State.WAITING, event=EventKind.SENT_BACK, by=staff_user)
    request = Request.objects.get(pk=desk["simon"].pk)
    assert (request.assigned_to_id, request.assigned_at) == (None, None)


@pytest.mark.django_db(transaction=True)
def test_two_staff_taking_at_once_make_one_holder(
    company_a: Company, staff_user: User, other_staff: User, tmp_path: Path
) -> None:
    request = signed(
        employee_request(
            company_a, "Simon", street_number="", street_name="", postal_code="", city=""
        ),
        timezone.now(),
    )

    def take(user: User) -> str:
        try:
            take_request(request.pk, user)
        except BusinessError as error:
            return error.problems[0].code
        return f"taken by {user.pk}"

    with file_copy_of_the_database(tmp_path / "portal.sqlite3"):
        outcomes = in_threads(lambda: take(staff_user), lambda: take(other_staff))
        (holder,) = in_threads(lambda: Request.objects.get(pk=request.pk).assigned_to_id)
        (taken_events,) = in_threads(
            lambda: RequestEvent.objects.filter(request_id=request.pk, kind=EventKind.TAKEN).count()
        )
    assert sorted(outcomes) == sorted(["request_taken", f"taken by {holder}"])
    assert holder in (staff_user.pk, other_staff.pk)
    assert taken_events == 1


@pytest.mark.django_db
def test_the_demo_queue_has_requests_in_progress_two_of_them_taken(client: Client) -> None:
    load_demo()
    load_demo()
    staff_member = User.objects.get(email="staff@demo.example")
    assert Request.objects.filter(assigned_to=staff_member).count() == 2
    client.force_login(staff_member)
    page = client.get(QUEUE, {"etat": "in_progress"}).content.decode()
    assert ids_on(page)
    assert "Pris par Nadia Garnier le" in page
