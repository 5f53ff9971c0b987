"""A dependant added or removed after a life event, a document sent; the insurer's decision
changes the cover, the price and the card, and the member is told."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.test import TestCase

from conftest import declare
from portal.accounts.models import User
from portal.cards.models import MembershipCard
from portal.companies.models import Company
from portal.core.audit import AuditAction
from portal.core.errors import BusinessError
from portal.core.models import AuditEvent
from portal.enrollment.choices import DependantKind
from portal.enrollment.journey import current_costs
from portal.enrollment.models import Dependant, Membership
from portal.member_requests import services
from portal.member_requests.choices import EventKind, RequestKind, RequestState
from portal.member_requests.models import MemberRequest
from portal.member_requests.queries import pending_count, requests_of
from portal.member_requests.tests.conftest import (
    BIRTH,
    CHILD_RATE,
    SPOUSE_RATE,
    TODAY,
    birth_certificate,
    newborn,
)
from portal.signatures.tests.conftest import make_pdf

pytestmark = pytest.mark.django_db


def card_people(membership: Membership) -> list[str]:
    card = MembershipCard.objects.get(membership=membership, superseded_at=None)
    return [person["name"] for person in card.lines["people"]]


def accept(member_request: MemberRequest, staff_user: User) -> MemberRequest:
    mail.outbox.clear()  # the enrollment's own messages
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.accept_request(request_id=member_request.pk, by=staff_user, today=TODAY)


def test_asking_to_add_a_newborn_records_the_request_waiting_for_the_insurer(
    addition: MemberRequest, active: Membership
) -> None:
    assert (addition.kind, addition.state, addition.life_event) == (
        RequestKind.ADD_DEPENDANT,
        RequestState.SUBMITTED,
        "birth",
    )
    assert (addition.event_date, addition.effective_date) == (BIRTH, BIRTH)
    assert (addition.first_name, addition.last_name, addition.dependant_kind) == (
        "Jade",
        "SIMON",
        "child",
    )
    assert addition.proof_content_type == "application/pdf"
    assert addition.proof_name == "acte-de-naissance.pdf"
    assert not str(addition.proof.name).endswith("acte-de-naissance.pdf")  # never the given name
    assert [e.kind for e in addition.events.all()] == [EventKind.SUBMITTED]
    assert AuditEvent.objects.filter(
        action=AuditAction.MEMBER_REQUEST_SUBMITTED, target_id=str(addition.pk)
    ).exists()
    # Nothing changes until the insurer decides.
    assert [d.first_name for d in active.dependants.all()] == ["Claire"]
    assert pending_count(active.employee_id) == 1


def test_accepting_an_addition_covers_the_child_and_changes_card_and_price(
    addition: MemberRequest, active: Membership, staff_user: User
) -> None:
    assert current_costs(active).dependants_total == SPOUSE_RATE
    accepted = accept(addition, staff_user)
    child = Dependant.objects.get(membership=active, first_name="Jade")
    assert (child.kind, child.cover_start, child.cover_end) == (DependantKind.CHILD, BIRTH, None)
    # The child without a NIR of their own is attached to the member's (R1.8).
    assert child.parent_nir == active.employee.nir
    assert (accepted.state, accepted.dependant_id) == (RequestState.ACCEPTED, child.pk)
    assert accepted.decided_by == staff_user
    assert card_people(active) == ["Cédric SIMON", "Claire SIMON", "Jade SIMON"]
    assert current_costs(active).dependants_total == SPOUSE_RATE + CHILD_RATE
    [email] = mail.outbox
    assert email.to == ["cedric.simon@example.org"]
    assert email.subject == "Votre demande « Ajout de bénéficiaire » est acceptée"
    assert "Jade SIMON est couvert(e) par votre complémentaire santé à partir du 02/06/2026" in (
        email.body
    )
    assert [e.kind for e in accepted.events.all()] == [EventKind.SUBMITTED, EventKind.ACCEPTED]


def test_an_addition_from_next_month_is_priced_from_its_first_day(
    active: Membership, member: User, staff_user: User
) -> None:
    Dependant.objects.filter(membership=active).delete()
    marriage = services.request_addition(
        membership=active,
        life_event="marriage",
        event_date=date(2026, 6, 6),
        facts=newborn(kind=DependantKind.SPOUSE, first_name="Claire", birth_date=date(1987, 2, 3)),
        proof=services.Proof("acte.pdf", make_pdf("Acte de mariage")),
        by=member,
        today=TODAY,
    )
    assert marriage.effective_date == date(2026, 7, 1)
    accept(marriage, staff_user)
    assert current_costs(active, on=date(2026, 6, 30)).dependants_total == Decimal("0.00")
    assert current_costs(active, on=date(2026, 7, 1)).dependants_total == SPOUSE_RATE


def test_refusing_tells_the_member_why_and_changes_nothing(
    addition: MemberRequest, active: Membership, staff_user: User
) -> None:
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        refused = services.refuse_request(
            request_id=addition.pk, reason="  Acte illisible. ", by=staff_user
        )
    assert (refused.state, refused.refusal_reason) == (RequestState.REFUSED, "Acte illisible.")
    assert [(e.kind, e.note) for e in refused.events.all()] == [
        (EventKind.SUBMITTED, ""),
        (EventKind.REFUSED, "Acte illisible."),
    ]
    assert [d.first_name for d in active.dependants.all()] == ["Claire"]
    [email] = mail.outbox
    assert "Motif : Acte illisible." in email.body


def test_a_refusal_needs_a_reason(addition: MemberRequest, staff_user: User) -> None:
    with pytest.raises(BusinessError) as refused:
        services.refuse_request(request_id=addition.pk, reason="   ", by=staff_user)
    assert (refused.value.code, refused.value.field) == (
        "request_refusal_reason_required",
        "reason",
    )
    addition.refresh_from_db()
    assert addition.state == RequestState.SUBMITTED


def test_a_decided_request_cannot_be_decided_or_withdrawn_again(
    addition: MemberRequest, staff_user: User, member: User
) -> None:
    accept(addition, staff_user)
    with pytest.raises(BusinessError) as again:
        services.accept_request(request_id=addition.pk, by=staff_user, today=TODAY)
    assert again.value.code == "not_pending"
    with pytest.raises(BusinessError) as withdrawn:
        services.withdraw_request(request_id=addition.pk, by=member)
    assert withdrawn.value.code == "not_pending"
    assert Dependant.objects.filter(first_name="Jade").count() == 1


def test_the_member_withdraws_a_pending_request(addition: MemberRequest, member: User) -> None:
    withdrawn = services.withdraw_request(request_id=addition.pk, by=member)
    assert withdrawn.state == RequestState.WITHDRAWN
    assert withdrawn.get_state_display() == "Annulée"
    assert [e.kind for e in withdrawn.events.all()] == [EventKind.SUBMITTED, EventKind.WITHDRAWN]
    assert pending_count(withdrawn.employee_id) == 0


def test_removing_the_spouse_after_a_divorce_ends_cover_at_the_end_of_the_month(
    active: Membership, member: User, staff_user: User
) -> None:
    spouse = active.dependants.get(first_name="Claire")
    removal = services.request_removal(
        dependant=spouse,
        life_event="divorce",
        event_date=date(2026, 6, 3),
        proof=services.Proof("jugement.pdf", make_pdf("Jugement de divorce")),
        by=member,
        today=TODAY,
    )
    assert (removal.kind, removal.effective_date, removal.dependant_id) == (
        RequestKind.REMOVE_DEPENDANT,
        date(2026, 6, 30),
        spouse.pk,
    )
    with pytest.raises(BusinessError) as twice:
        services.request_removal(
            dependant=spouse,
            life_event="divorce",
            event_date=date(2026, 6, 3),
            proof=services.Proof("jugement.pdf", make_pdf("Jugement de divorce")),
            by=member,
            today=TODAY,
        )
    assert twice.value.code == "removal_pending"
    accept(removal, staff_user)
    spouse.refresh_from_db()
    assert spouse.cover_end == date(2026, 6, 30)
    assert card_people(active) == ["Cédric SIMON"]
    assert current_costs(active, on=date(2026, 6, 30)).dependants_total == SPOUSE_RATE
    assert current_costs(active, on=date(2026, 7, 1)).dependants_total == Decimal("0.00")
    # Divorced: a new spouse may join once the former one's cover has ended.
    remarriage = services.request_addition(
        membership=active,
        life_event="marriage",
        event_date=date(2026, 6, 14),
        facts=newborn(kind=DependantKind.SPOUSE, first_name="Inès", birth_date=date(1990, 1, 5)),
        proof=services.Proof("acte.pdf", make_pdf("Acte de mariage")),
        by=member,
        today=TODAY,
    )
    assert remarriage.effective_date == date(2026, 7, 1)


def test_removing_a_child_who_is_no_longer_dependant_needs_no_proof(
    addition: MemberRequest, active: Membership, member: User, staff_user: User
) -> None:
    accept(addition, staff_user)
    child = active.dependants.get(first_name="Jade")
    removal = services.request_removal(
        dependant=child,
        life_event="child_not_dependant",
        event_date=TODAY,
        proof=None,
        by=member,
        today=TODAY,
    )
    assert (removal.proof.name, removal.effective_date) == ("", date(2026, 6, 30))


def test_a_spouse_cannot_be_added_while_one_is_covered(active: Membership, member: User) -> None:
    with pytest.raises(BusinessError) as refused:
        services.request_addition(
            membership=active,
            life_event="pacs",
            event_date=date(2026, 6, 1),
            facts=newborn(
                kind=DependantKind.PACS_PARTNER, first_name="Inès", birth_date=date(1990, 1, 5)
            ),
            proof=services.Proof("pacs.pdf", make_pdf("PACS")),
            by=member,
            today=TODAY,
        )
    # The journey's own rule and message (enrollment.rules.check_dependant).
    assert [p.code for p in refused.value.problems] == ["spouse_already_declared"]
    assert not MemberRequest.objects.exists()


def test_every_problem_is_said_at_once_and_nothing_is_saved(
    active: Membership, member: User
) -> None:
    with pytest.raises(BusinessError) as refused:
        services.request_addition(
            membership=active,
            life_event="birth",
            event_date=BIRTH,
            facts=newborn(first_name="", birth_date=date(2026, 6, 1)),
            proof=None,
            by=member,
            today=TODAY,
        )
    assert [(p.field, p.code) for p in refused.value.problems] == [
        ("birth_date", "birth_not_event_date"),
        ("first_name", "dependant_required"),
        ("proof", "life_event_proof_required"),
    ]
    assert refused.value.problems[-1].message == (
        "Champ « Justificatif » obligatoire : joignez l'acte de naissance ou le livret de "
        "famille (PDF, JPEG ou PNG)."
    )
    assert not MemberRequest.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("acte.pdf", b"%PDF-1.4 not really a pdf", "pdf_damaged"),
        ("acte.pdf", b"MZ\x90\x00 an executable", "file_type"),
        ("acte.png", make_pdf("Acte"), "file_extension_mismatch"),
        ("acte.pdf", b"", "file_empty"),
        ("acte.pdf", b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024) + b"\n%%EOF", "file_too_large"),
    ],
)
def test_a_bad_proof_is_refused_with_the_waivers_message(
    active: Membership, member: User, name: str, data: bytes, code: str
) -> None:
    with pytest.raises(BusinessError) as refused:
        services.request_addition(
            membership=active,
            life_event="birth",
            event_date=BIRTH,
            facts=newborn(),
            proof=services.Proof(name, data),
            by=member,
            today=TODAY,
        )
    assert [(p.field, p.code) for p in refused.value.problems] == [("proof", code)]
    assert not MemberRequest.objects.exists()


def test_a_document_is_sent_to_the_insurer(active: Membership, member: User) -> None:
    sent = services.send_document(
        membership=active,
        document_type="devis",
        note="Devis dentaire du Dr Martin.",
        proof=services.Proof("devis.pdf", make_pdf("Devis")),
        by=member,
    )
    assert (sent.kind, sent.state, sent.document_type, sent.note) == (
        RequestKind.DOCUMENT,
        RequestState.SUBMITTED,
        "devis",
        "Devis dentaire du Dr Martin.",
    )
    with pytest.raises(BusinessError) as refused:
        services.send_document(
            membership=active, document_type="", note="x" * 1001, proof=None, by=member
        )
    assert [p.code for p in refused.value.problems] == [
        "document_type_required",
        "note_too_long",
        "document_required",
    ]


def test_a_pre_enrolled_membership_changes_its_dependants_in_the_journey(
    company_a: Company, member: User
) -> None:
    membership = declare(
        company_a, nir="", email="autre@example.org", employee_number="M-9"
    ).membership
    with pytest.raises(BusinessError) as refused:
        services.request_addition(
            membership=membership,
            life_event="birth",
            event_date=BIRTH,
            facts=newborn(),
            proof=birth_certificate(),
            by=member,
            today=TODAY,
        )
    assert refused.value.code == "membership_not_in_force"


def test_requests_of_lists_newest_first_with_timelines(
    addition: MemberRequest, active: Membership, member: User, django_assert_num_queries: object
) -> None:
    sent = services.send_document(
        membership=active,
        document_type="justificatif",
        note="",
        proof=services.Proof("piece.png", _png()),
        by=member,
    )
    services.withdraw_request(request_id=sent.pk, by=member)
    with django_assert_num_queries(2):  # type: ignore[operator]
        found = requests_of(active.employee_id)
        timelines = [[e.kind for e in r.events.all()] for r in found]
    assert [r.pk for r in found] == [sent.pk, addition.pk]
    assert timelines == [[EventKind.SUBMITTED, EventKind.WITHDRAWN], [EventKind.SUBMITTED]]


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return buffer.getvalue()
