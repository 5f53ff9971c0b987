"""Signing what was shown, through HTTP: data changed in another tab signs nothing and shows
the new dossier; the SMS limits hold per membership and per day, whatever the reloads."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from conftest import text
from portal.enrollment.models import Dependant, Membership, MembershipStatus
from portal.journey.tests import test_journey
from portal.journey.tests.test_journey import CHILD, last_sms_code, ready_to_sign, url
from portal.notifications.models import Channel, OutboundMessage
from portal.signatures.models import DailyCodeUsage, EnvelopeStatus, SignatureEnvelope
from portal.signatures.rules import MAX_CODES_PER_DAY, MAX_WRONG_CODES_PER_DAY

# The journey's fixtures: a pre-enrolled membership with an option, its employee logged in.
membership = test_journey.membership
member = test_journey.member

SPOUSE = {
    **CHILD,
    "kind": "spouse",
    "first_name": "Claire",
    "birth_date": "1987-03-02",
}


def to_code_page(client: Client, membership: Membership) -> None:
    """ "Valider" on the summary, the two boxes, "Envoyer le sms"."""
    client.post(url("summary", membership))
    client.post(url("bulletin", membership), {"consent1": "on", "consent2": "on"})
    client.post(url("sms", membership), {"phone": "06 12 34 56 78"})


def sms_sent() -> int:
    return OutboundMessage.objects.filter(channel=Channel.SMS).count()


@pytest.mark.django_db
def test_a_spouse_added_after_the_dossier_was_made_signs_nothing_and_shows_the_new_dossier(
    member: Client, membership: Membership
) -> None:
    ready_to_sign(member, membership)
    to_code_page(member, membership)
    shown = SignatureEnvelope.objects.get(status=EnvelopeStatus.CODE_SENT)
    shown_pdf = shown.documents.get().unsigned_sha256
    # Another tab adds a spouse while the dossier says "the member and one child".
    added = member.post(url("add_dependant", membership), SPOUSE)
    assert added.status_code == 302
    assert Dependant.objects.filter(membership=membership, kind="spouse").count() == 1

    response = member.post(url("code", membership), {"code": last_sms_code()})

    assert response["Location"] == url("bulletin", membership)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PRE_ENROLLED
    shown.refresh_from_db()
    assert shown.status == EnvelopeStatus.ABANDONED and shown.signed_at is None
    assert not shown.documents.exclude(signed_file="").exists()
    remade = SignatureEnvelope.objects.get(status=EnvelopeStatus.PREPARED)
    assert remade.documents.get().unsigned_sha256 != shown_pdf
    assert remade.content_sha256 != shown.content_sha256
    bulletin = text(member.get(url("bulletin", membership), follow=True))
    assert "Vos informations ont été modifiées depuis la préparation de vos documents" in bulletin


@pytest.mark.django_db
def test_the_dossier_made_again_signs_with_the_spouse_it_shows(
    member: Client, membership: Membership
) -> None:
    ready_to_sign(member, membership)
    to_code_page(member, membership)
    member.post(url("add_dependant", membership), SPOUSE)
    member.post(url("code", membership), {"code": last_sms_code()})
    member.post(url("dependants", membership))  # the step is confirmed again, if asked

    member.post(url("bulletin", membership), {"consent1": "on", "consent2": "on"})
    member.post(url("sms", membership), {"phone": "06 12 34 56 78"})
    response = member.post(url("code", membership), {"code": last_sms_code()})

    assert response["Location"] == url("done", membership)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.SIGNED
    signed = SignatureEnvelope.objects.get(status=EnvelopeStatus.SIGNED)
    assert signed.evidence_events.filter(kind="documents_prepared").get().details["reason"] == (
        "content_changed"
    )


@pytest.mark.django_db
def test_making_the_dossier_again_and_again_gives_no_more_sms_codes_in_a_day(
    member: Client, membership: Membership
) -> None:
    ready_to_sign(member, membership)
    for _ in range(MAX_CODES_PER_DAY):
        to_code_page(member, membership)
    assert sms_sent() == MAX_CODES_PER_DAY

    member.post(url("summary", membership))
    for _ in range(5):
        member.get(url("bulletin", membership))
    member.post(url("bulletin", membership), {"consent1": "on", "consent2": "on"})
    refused = text(member.post(url("sms", membership), {"phone": "06 12 34 56 78"}))

    assert "Vous avez reçu le nombre maximal de codes pour aujourd'hui." in refused
    assert sms_sent() == MAX_CODES_PER_DAY
    usage = DailyCodeUsage.objects.get(membership=membership)
    assert (usage.day, usage.codes_sent) == (timezone.localdate(), MAX_CODES_PER_DAY)
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert membership.employee.user is not None
        member.force_login(membership.employee.user)  # yesterday's session has expired
        sent = member.post(url("sms", membership), {"phone": "06 12 34 56 78"})
        assert sent["Location"] == url("code", membership)
        assert sms_sent() == MAX_CODES_PER_DAY + 1


@pytest.mark.django_db
def test_wrong_codes_count_per_day_across_new_dossiers(
    member: Client, membership: Membership
) -> None:
    ready_to_sign(member, membership)
    pages = []
    for _ in range(MAX_WRONG_CODES_PER_DAY // 4 + 1):
        to_code_page(member, membership)  # a new dossier, a new code: the day's count stays
        wrong = "111111" if last_sms_code() != "111111" else "222222"
        pages += [text(member.post(url("code", membership), {"code": wrong})) for _ in range(4)]
        if len(pages) >= MAX_WRONG_CODES_PER_DAY:
            break
    blocked = pages[MAX_WRONG_CODES_PER_DAY - 1]
    assert "trop de codes incorrects aujourd'hui" in blocked
    assert DailyCodeUsage.objects.get(membership=membership).wrong_codes == (
        MAX_WRONG_CODES_PER_DAY
    )

    to_code_page(member, membership)
    refused = text(member.post(url("code", membership), {"code": last_sms_code()}))

    assert "trop de codes incorrects aujourd'hui" in refused
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PRE_ENROLLED


@pytest.mark.django_db
def test_the_sms_page_proposes_the_mobile_given_in_the_profile(
    member: Client, membership: Membership
) -> None:
    ready_to_sign(member, membership)
    member.post(url("summary", membership))
    member.post(url("bulletin", membership), {"consent1": "on", "consent2": "on"})

    page = text(member.get(url("sms", membership)))

    assert 'name="phone" id="phone" value="06 12 34 56 78"' in page
