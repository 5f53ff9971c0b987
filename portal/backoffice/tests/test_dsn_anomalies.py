"""The "Anomalies DSN" queue of "À traiter": the anomalies not yet handled with their count
and their DSN file's link; "Traitée" (audited) takes one out; staff only."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from conftest import file_copy_of_the_database, in_threads, make_user, text
from portal.accounts.models import Role, User
from portal.companies.models import Company
from portal.core.errors import BusinessError
from portal.core.models import AuditEvent
from portal.dsn.models import DeclarationStatus, DsnDeclaration, DsnFile, DsnOutcome
from portal.dsn.outcomes import OutcomeKind
from portal.dsn.services import mark_anomaly_handled

QUEUE = reverse("backoffice:dsn_anomalies")
HANDLED = reverse("backoffice:dsn_anomalies_handled")


def outcomes(company: Company) -> list[DsnOutcome]:
    """A declaration of `company` with two anomalies and one affiliation created."""
    dsn = DsnFile(original_name="dsn-mensuelle-2026-11.txt", sha256="a" * 64)
    dsn.file.save("dsn.txt", ContentFile(b"S10.G00.00.001,'x'"), save=True)
    declaration = DsnDeclaration.objects.create(
        file=dsn, position=1, company=company, status=DeclarationStatus.APPLIED
    )
    rows = [
        (OutcomeKind.ANOMALY, "Durand Lucie", "eaff05", "Salariée inconnue du contrat."),
        (OutcomeKind.AFFILIATION_CREATED, "Roux Marc", "", ""),
        (OutcomeKind.ANOMALY, "Petit Jean", "erup01", "Fin de contrat déjà enregistrée."),
    ]
    return [
        DsnOutcome.objects.create(
            declaration=declaration, position=i, kind=kind, name=name, code=code, message=message
        )
        for i, (kind, name, code, message) in enumerate(rows, start=1)
    ]


@pytest.fixture
def anomalies(company_a: Company) -> list[DsnOutcome]:
    return outcomes(company_a)


@pytest.mark.django_db
def test_the_queue_counts_and_lists_the_anomalies_not_handled_with_their_file(
    staff_client: Client, anomalies: list[DsnOutcome]
) -> None:
    home = text(staff_client.get(reverse("backoffice:queue")))
    assert f'<a href="{QUEUE}">Anomalies DSN <span class="queue-count">(2)</span></a>' in home
    page = text(staff_client.get(QUEUE))
    assert "Anomalies DSN : 2 anomalies à traiter" in page
    assert "Durand Lucie" in page and "Petit Jean" in page and "Roux Marc" not in page
    assert page.index("Durand Lucie") < page.index("Petit Jean")  # oldest first
    file_url = reverse("admin:dsn_dsnfile_change", args=[anomalies[0].declaration.file_id])
    assert f'<a href="{file_url}">dsn-mensuelle-2026-11.txt</a>' in page
    assert "EAFF05" in page and "Salariée inconnue du contrat." in page


@pytest.mark.django_db
def test_traitee_takes_the_anomaly_out_of_the_queue_and_is_audited(
    staff_client: Client, staff_user: User, anomalies: list[DsnOutcome]
) -> None:
    first = anomalies[0]
    response = staff_client.post(HANDLED, {"anomalie": first.pk})
    assert response.status_code == 302 and response["Location"] == QUEUE
    first.refresh_from_db()
    assert first.handled_by_id == staff_user.pk and first.handled_at is not None
    event = AuditEvent.objects.get(action="dsn_anomaly_handled")
    assert (event.actor_id, event.target_id, event.company_id, event.details) == (
        staff_user.pk,
        str(first.pk),
        first.declaration.company_id,
        {"code": "eaff05"},
    )
    page = text(staff_client.get(QUEUE))
    assert "Anomalies DSN : 1 anomalie à traiter" in page
    assert "Anomalie EAFF05 traitée : Durand Lucie." in page  # the message
    assert '<th scope="row">Durand Lucie</th>' not in page
    assert '<th scope="row">Petit Jean</th>' in page


@pytest.mark.django_db
def test_an_outcome_that_is_not_an_anomaly_or_already_handled_is_refused(
    staff_user: User, anomalies: list[DsnOutcome]
) -> None:
    with pytest.raises(BusinessError) as refused:
        mark_anomaly_handled(outcome_id=anomalies[1].pk, by=staff_user)
    assert refused.value.code == "not_an_anomaly"
    mark_anomaly_handled(outcome_id=anomalies[0].pk, by=staff_user)
    with pytest.raises(BusinessError) as again:
        mark_anomaly_handled(outcome_id=anomalies[0].pk, by=staff_user)
    assert again.value.message.startswith("Cette anomalie a déjà été traitée par Sophie Lambert")
    assert AuditEvent.objects.filter(action="dsn_anomaly_handled").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_staff_marking_the_same_anomaly_make_one(
    company_a: Company, staff_user: User, tmp_path: Path
) -> None:
    outcome = outcomes(company_a)[0]

    def mark() -> str:
        try:
            mark_anomaly_handled(outcome_id=outcome.pk, by=staff_user)
        except BusinessError as error:
            return error.code
        return "done"

    with file_copy_of_the_database(tmp_path / "portal.sqlite3"):
        results = in_threads(mark, mark)
        ((audited,),) = in_threads(
            lambda: (AuditEvent.objects.filter(action="dsn_anomaly_handled").count(),)
        )
    assert sorted(results) == ["anomaly_already_handled", "done"]
    assert audited == 1


@pytest.mark.django_db
def test_hr_and_members_get_a_404_and_anonymous_the_login(
    client_a: Client, anomalies: list[DsnOutcome]
) -> None:
    assert client_a.get(QUEUE).status_code == 404
    assert client_a.post(HANDLED, {"anomalie": anomalies[0].pk}).status_code == 404
    member = Client()
    member.force_login(make_user("lucie.durand@example.org", Role.MEMBER))
    assert member.get(QUEUE).status_code == 404
    assert member.post(HANDLED, {"anomalie": anomalies[0].pk}).status_code == 404
    anonymous = Client().get(QUEUE)
    assert anonymous.status_code == 302
    assert anonymous["Location"] == f"{reverse('accounts:login')}?next={QUEUE}"
    anomalies[0].refresh_from_db()
    assert anomalies[0].handled_at is None
