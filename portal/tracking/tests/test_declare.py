from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD, declaration, declare, link_in, make_nir, post_with_robot_check, text
from portal.accounts.models import User
from portal.companies.models import Company
from portal.core.errors import BusinessError
from portal.enrollment.declarations import validate_declaration
from portal.enrollment.models import Employee, Invitation, Membership, MembershipStatus
from portal.notifications.backends import Delivery
from portal.notifications.models import Channel, MessageStatus, OutboundMessage
from portal.notifications.tests.test_outbox import DEMO_BACKEND, raw_columns
from portal.tracking.models import EventKind, Reason, Request, Source, State
from portal.tracking.services import declare_employee

TODAY = date(2024, 4, 1)


def codes(company: Company, **overrides: object) -> dict[str, list[str]]:
    result = validate_declaration(declaration(company, **overrides), company=company, today=TODAY)
    found: dict[str, list[str]] = {}
    for problem in result.errors:
        found.setdefault(problem.field, []).append(problem.code)
    return found


@pytest.mark.django_db
def test_a_city_not_of_a_one_commune_postal_code_is_corrected_with_a_warning(
    company_a: Company,
) -> None:
    d = declaration(company_a, postal_code="92000", city="Lyon")
    result = validate_declaration(d, company=company_a, today=TODAY)
    assert result.errors == []
    assert (d.city, d.insee_code) == ("NANTERRE", "92050")
    assert [(p.field, p.code, p.message) for p in result.warnings] == [
        (
            "city",
            "city_corrected",
            "Ville corrigée : « Lyon » ne correspond pas au code postal 92000, sa seule commune "
            "« NANTERRE » a été retenue.",
        )
    ]


@pytest.mark.django_db
def test_a_city_not_of_a_several_communes_postal_code_is_an_error_listing_them(
    company_a: Company,
) -> None:
    d = declaration(company_a, postal_code="49000", city="Lyon")
    result = validate_declaration(d, company=company_a, today=TODAY)
    assert [p.message for p in result.errors] == [
        "La ville ne correspond pas au code postal 49000. Communes possibles : ANGERS, ECOUFLANT."
    ]
    assert d.insee_code == ""


@pytest.mark.django_db
def test_a_door_that_confirms_the_commune_gets_the_candidates_and_no_problem(
    company_a: Company,
) -> None:
    d = declaration(company_a, postal_code="49000", city="Lyon")
    result = validate_declaration(d, company=company_a, today=TODAY, suggest_commune=True)
    assert (result.errors, result.warnings) == ([], [])
    assert sorted(r.insee_code for r in result.communes) == ["49007", "49129"]
    assert (d.city, d.insee_code) == ("Lyon", "")
    unknown = declaration(company_a, postal_code="00000", city="Lyon")
    result = validate_declaration(unknown, company=company_a, today=TODAY, suggest_commune=True)
    assert [p.code for p in result.errors] == ["postal_code_unknown"]


@pytest.mark.django_db
def test_a_confirmed_insee_code_is_kept_when_it_matches_the_city(company_a: Company) -> None:
    d = declaration(company_a, postal_code="49000", city="ECOUFLANT", insee_code="49129")
    assert validate_declaration(d, company=company_a, today=TODAY).ok
    assert d.insee_code == "49129"
    stale = declaration(company_a, postal_code="49000", city="ANGERS", insee_code="49129")
    assert validate_declaration(stale, company=company_a, today=TODAY).ok
    assert stale.insee_code == "49007"


@pytest.mark.django_db
def test_a_complete_declaration_is_valid(company_a: Company) -> None:
    assert codes(company_a) == {}


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["N'Diaye", "Le Gall-Durand", "Ødegård", "Müller", "St Pierre"])
def test_real_names_are_accepted(company_a: Company, name: str) -> None:
    assert codes(company_a, last_name=name) == {}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"last_name": ""}, {"last_name": ["required"]}),
        ({"civility": ""}, {"civility": ["required"]}),
        ({"last_name": "=HYPERLINK(1)"}, {"last_name": ["name_invalid"]}),
        ({"first_name": "Jean2"}, {"first_name": ["name_invalid"]}),
        ({"alsace_moselle": None}, {"alsace_moselle": ["required"]}),
        ({"nir": make_nir()[:13] + "00"}, {"nir": ["nir_key"]}),
        ({"civility": "MME"}, {"nir": ["nir_civility_mismatch"]}),
        ({"birth_date": date(1986, 5, 14)}, {"nir": ["nir_birth_year_mismatch"]}),
        ({"fund_code": "1234"}, {"fund_code": ["fund_code_format"]}),
        ({"effective_date": date(2024, 2, 1)}, {"effective_date": ["effective_before_hire"]}),
        (
            {"hire_date": date(2023, 6, 1), "effective_date": date(2023, 6, 1)},
            {"effective_date": ["effective_before_contract", "too_retroactive"]},
        ),
        ({"email": "pas-un-email"}, {"email": ["email_invalid"]}),
        ({"postal_code": "73000", "city": "Lyon"}, {"city": ["city_mismatch"]}),
        ({"postal_code": "00000"}, {"postal_code": ["postal_code_unknown"]}),
        (
            {"email": "", "street_name": "", "street_number": "", "postal_code": "", "city": ""},
            {"street_name": ["address_required"]},
        ),
        ({"insured_group_ids": [999_999]}, {"insured_group_ids": ["group_unknown"]}),
        ({"insured_group_ids": []}, {"insured_group_ids": ["group_required"]}),
    ],
)
def test_declaration_rules(
    company_a: Company, overrides: dict[str, Any], expected: dict[str, list[str]]
) -> None:
    assert codes(company_a, **overrides) == expected


@pytest.mark.django_db
def test_an_effective_date_at_most_62_days_back_is_accepted_and_one_day_older_refused(
    company_a: Company,
) -> None:
    hired = date(2024, 1, 2)
    assert codes(company_a, hire_date=hired, effective_date=date(2024, 1, 30)) == {}
    result = validate_declaration(
        declaration(company_a, hire_date=hired, effective_date=date(2024, 1, 29)),
        company=company_a,
        today=TODAY,
    )
    assert [(p.field, p.code, p.message) for p in result.errors] == [
        (
            "effective_date",
            "too_retroactive",
            "La « Date d'effet du contrat » (29/01/2024) ne peut pas être antérieure au "
            "30/01/2024 : la rétroactivité est limitée à 62 jours avant aujourd'hui. Vérifiez "
            "l'année ; pour une date plus ancienne, contactez votre service relation entreprise.",
        )
    ]


@pytest.mark.django_db
def test_an_affiliation_18_months_back_is_refused_by_the_setting_shared_with_terminations(
    company_a: Company, settings: Any
) -> None:
    def problems() -> list[str]:
        result = validate_declaration(
            declaration(company_a), company=company_a, today=date(2025, 9, 1)
        )
        return [f"{p.field}:{p.code}" for p in result.errors]

    assert problems() == ["effective_date:too_retroactive"]  # 01/03/2024, 18 months back
    settings.RETROACTIVE_MAX_DAYS = 600
    assert problems() == []


@pytest.mark.django_db
def test_corsican_and_provisional_numbers_are_accepted(company_a: Company) -> None:
    assert codes(company_a, nir=make_nir(place="2A004")) == {}
    result = validate_declaration(
        declaration(company_a, nir=make_nir(sex="7")), company=company_a, today=TODAY
    )
    assert result.ok
    assert [w.code for w in result.warnings] == ["nir_provisional"]


@pytest.mark.django_db
def test_declaring_creates_employee_membership_waiting_request_and_invitation(
    company_a: Company, correspondent_a: User
) -> None:
    request = declare(company_a, by=correspondent_a)
    assert request.reason == Reason.AFFILIATION
    assert request.state == State.WAITING
    assert request.source == Source.FORM
    membership = request.membership
    assert membership.status == MembershipStatus.PRE_ENROLLED
    assert membership.effective_date == date(2024, 3, 1)
    assert re.fullmatch(r"\d{9}", membership.member_number)
    invitation = Invitation.objects.get(membership=membership)
    assert invitation.expires_at - invitation.sent_at == timedelta(days=60)
    assert [e.kind for e in request.events.all()] == [
        EventKind.CREATED,
        EventKind.INVITATION_SENT,
    ]
    email = mail.outbox[-1]
    assert isinstance(email, EmailMultiAlternatives)
    assert email.subject == "Votre nouvelle mutuelle d'entreprise"
    assert email.to == ["cedric.simon@example.org"]
    assert "Cédric SIMON, nous vous souhaitons la bienvenue !" in email.body
    assert "ALPHA SAS vous permet aujourd'hui" in email.body
    assert f"NUMÉRO ADHÉRENT : {membership.member_number}" in email.body
    assert "Adhérer au contrat d'entreprise" in str(email.alternatives[0][0])


@pytest.mark.django_db
def test_the_nir_is_encrypted_at_rest(company_a: Company) -> None:
    nir = make_nir()
    request = declare(company_a, nir=nir)
    with connection.cursor() as cursor:
        cursor.execute("SELECT nir FROM enrollment_employee WHERE id = %s", [request.employee_id])
        stored = cursor.fetchone()[0]
    assert nir not in stored
    assert Employee.objects.get(pk=request.employee_id).nir == nir


@pytest.mark.django_db
def test_without_email_two_letters_carry_login_and_provisional_password(
    client: Client, company_a: Company, delivered: list[Delivery]
) -> None:
    request = declare(company_a, email="")
    letters = OutboundMessage.objects.filter(channel=Channel.LETTER).order_by("id")
    assert [m.subject for m in letters] == ["Votre identifiant", "Votre mot de passe provisoire"]
    for letter in letters:
        assert "M Cédric SIMON" not in letter.recipient
        assert letter.recipient.splitlines() == [
            "Monsieur Cédric SIMON",
            "20 rue Gambetta",
            "92000 Nanterre",
        ]
    login_letter, password_letter = letters
    with login_letter.attachment.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    # The provisional password's PDF was posted, not kept: staff see that it was sent.
    assert not password_letter.attachment
    assert password_letter.sealed == ""
    assert password_letter.body_text == (
        "Mot de passe provisoire envoyé à SIMON (le mot de passe figure dans le PDF).\n"
    )
    posted = [d for d in delivered if d.channel == Channel.LETTER]
    assert [d.subject for d in posted] == ["Votre identifiant", "Votre mot de passe provisoire"]
    assert all(d.attachment is not None and d.attachment[1][:5] == b"%PDF-" for d in posted)
    assert mail.outbox == []
    assert [e.kind for e in request.events.all()] == [EventKind.CREATED, EventKind.LETTERS_SENT]


@pytest.mark.django_db
def test_a_rejected_declaration_saves_nothing(company_a: Company) -> None:
    with pytest.raises(BusinessError) as rejected:
        declare_employee(
            company=company_a,
            declaration=declaration(company_a, nir="185057511512300"),
            source=Source.FORM,
            by=None,
            today=TODAY,
        )
    assert [p.code for p in rejected.value.problems] == ["nir_key"]
    assert Employee.objects.count() == 0
    assert Membership.objects.count() == 0
    assert Request.objects.count() == 0
    assert OutboundMessage.objects.count() == 0


@pytest.mark.django_db
def test_same_nir_or_matricule_already_declared_is_refused_with_a_link(
    company_a: Company,
) -> None:
    first = declare(company_a)
    found = codes(company_a, email="autre@example.org")
    assert found == {"nir": ["duplicate_nir"], "employee_number": ["duplicate_employee_number"]}
    result = validate_declaration(
        declaration(company_a, email="x@example.org"), company=company_a, today=TODAY
    )
    assert result.errors[0].link == reverse(
        "employer:employee", args=[company_a.pk, first.employee_id]
    )


@pytest.mark.django_db
def test_the_same_person_may_be_declared_by_another_company(
    company_a: Company, company_b: Company
) -> None:
    declare(company_a)
    assert codes(company_b, email="autre@example.org") == {}


@pytest.mark.django_db
def test_an_email_of_a_login_that_is_no_employee_of_the_company_is_not_told(
    company_a: Company, correspondent_a: User
) -> None:
    # Issue 12 item 8: the message would tell which addresses have a login (staff included).
    assert codes(company_a, email="RH-A@example.org") == {}


@pytest.mark.django_db
def test_the_employee_activates_the_account_from_the_email_link(
    client: Client, company_a: Company
) -> None:
    declare(company_a)
    url = link_in(r"/adhesion/[^/\s]+/", mail.outbox[-1].body)
    page = client.get(url).content.decode()
    assert "Espace personnel" in page
    assert 'value="cedric.simon@example.org"' in page
    response = client.post(url, {"password1": "Adherent-2026!", "password2": "Adherent-2026!"})
    membership = Membership.objects.get()
    assert response["Location"] == reverse("journey:resume", args=[membership.pk])
    space = client.get(reverse("journey:space")).content.decode()
    assert "Bonjour Cédric." in space
    again = Client().get(url)
    assert again.status_code == 410
    assert "il ne fonctionne qu'une seule fois" in text(again)


@pytest.mark.django_db
def test_an_expired_or_altered_invitation_says_what_to_do(
    client: Client, company_a: Company
) -> None:
    declare(company_a)
    url = link_in(r"/adhesion/[^/\s]+/", mail.outbox[-1].body)
    with time_machine.travel(timezone.now() + timedelta(days=60, minutes=1)):
        expired = client.get(url)
    assert expired.status_code == 410
    assert "il n'était valable que 60 jours" in text(expired)
    altered = client.get(url[:-3] + "xx/")
    assert altered.status_code == 410
    assert "n'est pas valide" in text(altered)


@pytest.mark.django_db
def test_a_weak_activation_password_is_refused(client: Client, company_a: Company) -> None:
    declare(company_a)
    url = link_in(r"/adhesion/[^/\s]+/", mail.outbox[-1].body)
    response = client.post(url, {"password1": "simple", "password2": "simple"})
    assert response.status_code == 200
    assert "Ce mot de passe est trop court." in response.content.decode()
    assert Invitation.objects.get().used_at is None


@pytest.mark.django_db
def test_an_employee_without_email_logs_in_with_the_letters(
    client: Client, company_a: Company
) -> None:
    request = declare(company_a, email="")
    user = request.employee.user
    from portal.enrollment import services

    password = "Provisoire-2026!"
    user.set_password(password)
    user.save()
    response = post_with_robot_check(
        client,
        reverse("accounts:member_login"),
        {"username": user.identifier, "password": password},
    )
    assert response["Location"] == reverse("accounts:choose_password")  # then their own
    assert services.INVITATION_DAYS == 60
    assert PASSWORD


@pytest.mark.django_db
def test_text_emails_keep_apostrophes_as_typed_and_the_html_escapes_them(
    company_a: Company,
) -> None:
    declare(company_a, last_name="N'Diaye", first_name="Aïssa")
    email = mail.outbox[-1]
    assert isinstance(email, EmailMultiAlternatives)
    assert "Aïssa N'DIAYE, nous vous souhaitons la bienvenue !" in email.body
    assert "&#x27;" not in email.body and "&amp;" not in email.body
    html_body = str(email.alternatives[0][0])
    assert "N&#x27;DIAYE" in html_body


@pytest.mark.django_db
def test_dev_outbox_shows_the_password_letter_pdf_in_the_demo_only(
    client: Client, company_a: Company, settings: Any
) -> None:
    settings.DEV_OUTBOX = True
    settings.LETTER_BACKEND = DEMO_BACKEND
    declare(company_a, email="")
    letter = OutboundMessage.objects.get(template="letter_password")
    assert letter.status == MessageStatus.SENT
    assert not letter.attachment  # the PDF with the password is nowhere in the portal's storage
    url = f"/dev/outbox/{letter.pk}/piece-jointe.pdf"
    response = client.get(url)
    assert response.status_code == 200
    assert response.getvalue().startswith(b"%PDF-")
    assert "Voir le courrier (PDF)" in client.get("/dev/outbox/").content.decode()
    settings.DEV_OUTBOX = False
    assert client.get(url).status_code == 404
    assert client.get("/dev/outbox/").status_code == 404


@pytest.mark.django_db
def test_an_invitation_rendered_at_delivery_keeps_no_readable_link(
    company_a: Company, client: Client
) -> None:
    from conftest import declare
    from portal.enrollment.models import Invitation

    declare(company_a)
    invitation = Invitation.objects.get()
    message = OutboundMessage.objects.get(channel=Channel.EMAIL, template="invitation")
    assert message.status == MessageStatus.SENT
    assert invitation.token not in raw_columns(message.pk)
    assert "[lien d'invitation envoyé]" in message.body_text
    sent = mail.outbox[-1]
    assert f"/adhesion/{invitation.token}/" in sent.body
