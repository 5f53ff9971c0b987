"""Issue 17, item 3: "Obtenir un nouveau lien" — the employee proves who they are (NIR, birth
date, a code sent to the phone or e-mail on file) and gets a fresh 60-day link without HR.
Wrong data says nothing, and the limits hold whether the NIR exists or not."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import declare, make_nir, text
from portal.core.errors import BusinessError
from portal.enrollment.models import Employee, Invitation
from portal.notifications.backends import Delivery
from portal.notifications.models import Channel
from portal.tracking import link_renewal
from portal.tracking.link_renewal import Identity
from portal.tracking.models import EventKind, LinkRenewal, RequestEvent

pytestmark = pytest.mark.django_db

NIR = make_nir()  # the declared employee's (born 14/05/1985)
BIRTH = date(1985, 5, 14)
SAME_ANSWER = (
    "Si ces informations correspondent à une adhésion en attente, un code à 6 chiffres vient "
    "de vous être envoyé. Il est valable 15 minutes."
)
INVALID_CODE = (
    "Ce code n'est pas valable : il est erroné, expiré (15 minutes) ou déjà utilisé. Vérifiez "
    "les 6 chiffres, ou recommencez votre demande pour recevoir un nouveau code."
)


@pytest.fixture
def expired(company_a: Any) -> Any:
    """Cédric SIMON's affiliation waiting for him, its 60-day link expired; a mobile on file."""
    request = declare(company_a)
    Employee.objects.filter(pk=request.employee_id).update(phone="06 12 34 56 78")
    Invitation.objects.filter(membership=request.membership).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    mail.outbox.clear()
    return request


def sms_code(delivered: list[Delivery]) -> str:
    sms = [d for d in delivered if d.channel == Channel.SMS][-1]
    match = re.search(r"nouveau lien d'adhésion est (\d{6})\.", sms.body_text)
    assert match, sms.body_text
    return match.group(1)


def ask(client: Client, capture: Any, **changes: Any) -> Any:
    data = {"nir": "1 85 05 75 115 123 " + NIR[13:], "birth_date": BIRTH.isoformat()}
    data.update({"channel": "sms", **changes})
    with capture(execute=True):
        return client.post(reverse("journey:new_link"), data)


def test_the_expired_link_page_offers_a_new_link(client: Client, expired: Any) -> None:
    token = Invitation.objects.get(membership=expired.membership).token
    page = client.get(reverse("journey:activate", args=[token]))
    assert page.status_code == 410
    assert reverse("journey:new_link") in text(page)
    assert "Obtenir un nouveau lien" in text(page)


def test_nir_birth_date_and_the_sms_code_open_a_fresh_60_day_link(
    client: Client, expired: Any, delivered: list[Delivery], django_capture_on_commit_callbacks: Any
) -> None:
    old = Invitation.objects.get(membership=expired.membership)
    sent = ask(client, django_capture_on_commit_callbacks)
    assert sent["Location"] == reverse("journey:new_link_code")
    assert SAME_ANSWER in text(client.get(sent["Location"]))
    code = sms_code(delivered)

    with django_capture_on_commit_callbacks(execute=True):
        opened = client.post(reverse("journey:new_link_code"), {"code": code})

    new = Invitation.objects.get(membership=expired.membership, revoked_at=None)
    assert opened["Location"] == reverse("journey:activate", args=[new.token])
    assert new.pk != old.pk and Invitation.objects.get(pk=old.pk).revoked_at is not None
    assert timezone.localdate(new.expires_at) - timezone.localdate() == timedelta(days=60)
    assert client.get(opened["Location"]).status_code == 200  # choose a password and go on
    kinds = list(
        RequestEvent.objects.filter(request=expired)
        .order_by("at", "id")
        .values_list("kind", flat=True)
    )
    assert kinds[-1] == EventKind.LINK_SELF_RENEWED
    assert [m.to for m in mail.outbox] == [["cedric.simon@example.org"]]  # the link, kept too
    assert new.token in mail.outbox[0].body
    # The code served once.
    renewal = LinkRenewal.objects.get()
    assert renewal.used_at is not None
    with pytest.raises(BusinessError):
        link_renewal.check_code(renewal.pk, code)
    again = client.post(reverse("journey:new_link_code"), {"code": code})
    assert again["Location"] == reverse("journey:new_link")


def test_the_code_can_go_by_e_mail(
    client: Client, expired: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ask(client, django_capture_on_commit_callbacks, channel="email")
    assert [m.subject for m in mail.outbox] == [
        "Votre code pour obtenir un nouveau lien d'adhésion"
    ]
    code = re.search(r"valable 15 minutes :\n(\d{6})", str(mail.outbox[0].body))
    assert code is not None
    opened = client.post(reverse("journey:new_link_code"), {"code": code.group(1)})
    assert opened["Location"].startswith("/adhesion/")


@pytest.mark.parametrize(
    "changes",
    [
        {"nir": make_nir(order="456")},  # nobody has it
        {"birth_date": "1985-05-15"},  # not their birth date
        {"channel": "sms", "no_phone": True},  # no mobile on file
    ],
    ids=["unknown NIR", "wrong birth date", "no mobile on file"],
)
def test_wrong_data_gets_the_same_answer_and_sends_nothing(
    client: Client,
    expired: Any,
    delivered: list[Delivery],
    django_capture_on_commit_callbacks: Any,
    changes: dict[str, Any],
) -> None:
    if changes.pop("no_phone", False):
        Employee.objects.filter(pk=expired.employee_id).update(phone="")
    sent = ask(client, django_capture_on_commit_callbacks, **changes)

    assert sent["Location"] == reverse("journey:new_link_code")
    assert SAME_ANSWER in text(client.get(sent["Location"]))
    assert delivered == [] and mail.outbox == [] and not LinkRenewal.objects.exists()
    refused = client.post(reverse("journey:new_link_code"), {"code": "123456"})
    assert refused.status_code == 200 and INVALID_CODE in text(refused)


def test_a_bad_nir_or_a_missing_birth_date_is_named_on_its_field(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    from portal.core.errors import CoreError

    bad_key = NIR[:13] + f"{(int(NIR[13:]) % 97) + 1:02d}"
    response = ask(client, django_capture_on_commit_callbacks, nir=bad_key, birth_date="")

    assert response.status_code == 200
    page = text(response)
    assert f'id="id_nir_error"><p>{CoreError.NIR_KEY.message}</p>' in page
    assert (
        'id="id_birth_date_error"><p>Champ « Date de naissance » obligatoire : indiquez-la au '
        "format jj/mm/aaaa.</p>"
    ) in page
    assert not LinkRenewal.objects.exists()


def test_the_code_page_without_a_request_goes_back_to_the_form(client: Client) -> None:
    page = client.get(reverse("journey:new_link_code"))
    assert page["Location"] == reverse("journey:new_link")


def test_a_code_serves_for_five_tries_and_fifteen_minutes(
    expired: Any, delivered: list[Delivery], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        renewal_id = link_renewal.request_code(Identity(NIR, BIRTH, "sms"), address="10.0.0.1")
    code = sms_code(delivered)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(BusinessError):
            link_renewal.check_code(renewal_id, wrong)
    with pytest.raises(BusinessError) as refused:
        link_renewal.check_code(renewal_id, code)  # the right one, too late
    assert refused.value.code == "link_renewal_code_invalid"

    with django_capture_on_commit_callbacks(execute=True):
        renewal_id = link_renewal.request_code(Identity(NIR, BIRTH, "sms"), address="10.0.0.1")
    code = sms_code(delivered)
    with time_machine.travel(timezone.now() + timedelta(minutes=16)), pytest.raises(BusinessError):
        link_renewal.check_code(renewal_id, code)
    assert link_renewal.check_code(renewal_id, code).pk == expired.employee_id


@pytest.mark.parametrize("nir", [NIR, make_nir(order="456")], ids=["known NIR", "unknown NIR"])
def test_three_requests_a_day_per_nir_whether_it_exists_or_not(expired: Any, nir: str) -> None:
    for n in range(3):
        link_renewal.request_code(Identity(nir, BIRTH, "sms"), address=f"10.0.0.{n}")
    with pytest.raises(BusinessError) as refused:
        link_renewal.request_code(Identity(nir, BIRTH, "sms"), address="10.0.0.9")
    assert refused.value.code == "link_renewal_throttled"
    assert (
        "Réessayez demain, ou appelez nos conseillers au 0 980 98 98 23." in refused.value.message
    )


def test_five_requests_an_hour_per_address() -> None:
    for order in ("101", "102", "103", "104", "105"):
        link_renewal.request_code(Identity(make_nir(order=order), BIRTH, "sms"), address="10.9.9.9")
    with pytest.raises(BusinessError) as refused:
        link_renewal.request_code(Identity(make_nir(order="106"), BIRTH, "sms"), address="10.9.9.9")
    assert refused.value.code == "link_renewal_throttled"
    link_renewal.request_code(Identity(make_nir(order="106"), BIRTH, "sms"), address="10.9.9.8")
