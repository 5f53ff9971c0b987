"""Issue 17, item 2 (in part): "Relancer la sélection" — several employees reminded at once,
each as by their own "Relancer"."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from conftest import declare, make_nir, text
from portal.companies.models import Company
from portal.tracking.models import EventKind, Request

pytestmark = pytest.mark.django_db


def three(company: Company) -> list[Any]:
    return [
        declare(company, last_name=name, nir=make_nir(order=order), employee_number=order,
                email=f"{name.lower()}@example.org")
        for name, order in [("Arnaud", "301"), ("Bernard", "302"), ("Carre", "303")]
    ]  # fmt: skip


def remind(client: Client, company: Company, ids: list[int]) -> Any:
    url = reverse("tracking:remind_selected", args=[company.pk])
    back = reverse("tracking:requests", args=[company.pk]) + "?etat=waiting"
    return client.post(url, {"demande": [str(i) for i in ids], "retour": back}, follow=True)


def reminders(request: Request) -> int:
    return request.events.filter(kind=EventKind.REMINDER_SENT).count()


def test_the_ticked_employees_are_reminded_and_no_one_else(
    client_a: Client, company_a: Company, company_b: Company
) -> None:
    arnaud, bernard, carre = three(company_a)
    elsewhere = declare(company_b, nir=make_nir(order="304"))
    mail.outbox.clear()

    page = remind(client_a, company_a, [arnaud.pk, carre.pk, elsewhere.pk])

    assert page.redirect_chain[-1][0] == (
        reverse("tracking:requests", args=[company_a.pk]) + "?etat=waiting"
    )
    assert "2 salariés relancés : Cédric ARNAUD, Cédric CARRE." in text(page)
    assert sorted(m.to[0] for m in mail.outbox) == ["arnaud@example.org", "carre@example.org"]
    assert [reminders(r) for r in (arnaud, bernard, carre, elsewhere)] == [1, 0, 1, 0]


def test_one_already_reminded_today_is_named_and_the_others_still_go(
    client_a: Client, company_a: Company
) -> None:
    arnaud, bernard, _ = three(company_a)
    remind(client_a, company_a, [arnaud.pk])

    page = text(remind(client_a, company_a, [arnaud.pk, bernard.pk]))

    assert (
        "Cédric ARNAUD non relancé(e) : Une relance a déjà été envoyée aujourd'hui à ce salarié."
    ) in page
    assert "1 salarié relancé : Cédric BERNARD." in page
    assert [reminders(Request.objects.get(pk=r.pk)) for r in (arnaud, bernard)] == [1, 1]


def test_nothing_ticked_says_what_to_do(client_a: Client, company_a: Company) -> None:
    page = text(remind(client_a, company_a, []))
    assert "Cochez au moins un salarié à relancer, puis « Relancer la sélection »." in page


def test_the_list_offers_a_selection_box_per_employee_to_remind(
    client_a: Client, company_a: Company
) -> None:
    arnaud, _, _ = three(company_a)
    page = text(client_a.get(reverse("tracking:requests", args=[company_a.pk])))
    assert (
        f'<input type="checkbox" name="demande" value="{arnaud.pk}" id="selection-{arnaud.pk}" '
        'form="relance-groupee">'
    ) in page
    assert '<form method="post" id="relance-groupee"' in page
    assert "Relancer la sélection" in page


def test_a_get_is_refused(client_a: Client, company_a: Company) -> None:
    assert client_a.get(reverse("tracking:remind_selected", args=[company_a.pk])).status_code == 405
