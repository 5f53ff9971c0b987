from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import declare, link_in, make_nir, text
from portal.companies.models import Company
from portal.enrollment.models import Employee, Invitation
from portal.notifications.models import Channel, OutboundMessage
from portal.tracking.models import EventKind, Request
from portal.tracking.services import run_daily_reminders

# Hired and covered 10 days ago: within the retroactivity limit (settings.RETROACTIVE_MAX_DAYS).
RECENT = (timezone.localdate() - timedelta(days=10)).isoformat()


def form_data(company: Company, **overrides: Any) -> dict[str, Any]:
    group = company.contracts.get().insured_groups.get()
    data = {
        "civility": "MME",
        "last_name": "Durand",
        "first_name": "Élodie",
        "birth_date": "1990-02-03",
        "nir": make_nir(sex="2", yymm="9002", place="69123", order="045"),
        "fund_code": "011691234",
        "street_number": "12",
        "street_name": "rue de l'Église",
        "postal_code": "69001",
        "city": "lyon",
        "country": "FRANCE",
        "email": "elodie.durand@example.org",
        "employee_number": "E-42",
        "hire_date": RECENT,
        "effective_date": RECENT,
        f"group_{group.contract_id}": str(group.pk),
        "alsace_moselle": "non",
    }
    data.update(overrides)
    return data


def url(name: str, company: Company, *args: int) -> str:
    return reverse(f"tracking:{name}", args=[company.pk, *args])


@pytest.mark.django_db
def test_options_step_offers_the_form(client_a: Client, company_a: Company) -> None:
    page = text(client_a.get(url("add", company_a)))
    for label in [
        "Options",
        "Renseigner les salariés",
        "Confirmation",
        "Sous quelle forme désirez-vous les renseigner ?",
        "Formulaire",
        "Annuler",
        "Poursuivre",
    ]:
        assert label in page, label
    response = client_a.post(url("add", company_a), {"mode": "form"})
    assert response["Location"] == url("declare", company_a)


@pytest.mark.django_db
def test_the_form_has_the_guide_fields(client_a: Client, company_a: Company) -> None:
    page = text(client_a.get(url("declare", company_a)))
    for label in [
        "Civilité",
        "Madame",
        "Monsieur",
        "Nom",
        "Prénom",
        "Date de naissance",
        "N° de sécurité sociale",
        "Organisme de rattachement Sécurité Sociale",
        "Adresse postale",
        "Numéro",
        "Libellé de la voie",
        "Escalier / Etage",
        "Bâtiment / Résidence",
        "Lieu-dit",
        "Code postal",
        "Ville",
        "Pays",
        "Email",
        "Matricule",
        "Date d'embauche",
        "Date d'effet du contrat",
        "Groupe d'assurés",
        "Régime local Alsace Moselle",
        "Oui",
        "Non",
        "Précédent",
        "Valider",
        "* champs obligatoires",
        "02ENSP — Cadres",
    ]:
        assert label in page, label


@pytest.mark.django_db
def test_declaring_two_employees_by_form_with_the_suggested_address(
    client_a: Client, company_a: Company
) -> None:
    response = client_a.post(url("declare", company_a), form_data(company_a))
    assert response["Location"] == url("confirm_address", company_a)
    page = text(client_a.get(url("confirm_address", company_a)))
    assert "Valider l'adresse du collaborateur" in page
    assert "Pouvez-vous confirmer cette adresse ?" in page
    assert "12 rue de l'Église" in page  # as typed
    assert "12 RUE DE L EGLISE" in page and "69001 LYON" in page  # suggested
    response = client_a.post(url("confirm_address", company_a), {"choix": "suggeree"})
    assert response["Location"] == url("review", company_a)

    second = form_data(
        company_a,
        civility="M",
        last_name="Martin",
        first_name="Paul",
        birth_date="1980-01-01",
        nir=make_nir(yymm="8001", place="75115", order="001"),
        email="",
        employee_number="E-43",
        street_number="3",
        street_name="place Bellecour",
    )
    client_a.post(url("declare", company_a), second)
    client_a.post(url("confirm_address", company_a), {"choix": "indiquee"})
    review = text(client_a.get(url("review", company_a)))
    assert "Vérifier les informations saisies" in review
    assert "Élodie DURAND" in review and "Paul MARTIN" in review
    assert review.count("Modifier") == 2 and review.count("Supprimer") == 2

    done = text(client_a.post(url("review", company_a), {"valider": "1"}))
    assert "✓ 2 salariés validés." in done
    assert "identifiant et mot de passe provisoire envoyés par deux courriers" in done
    elodie = Employee.objects.get(last_name="DURAND")
    assert (elodie.street_name, elodie.city, elodie.insee_code) == (
        "RUE DE L EGLISE",
        "LYON",
        "69381",
    )
    paul = Employee.objects.get(last_name="MARTIN")
    assert (paul.street_name, paul.city) == ("place Bellecour", "lyon")
    assert Request.objects.filter(company=company_a, state="waiting").count() == 2

    # A second click on "Valider" declares nobody twice.
    again = client_a.post(url("review", company_a), {"valider": "1"}, follow=True)
    assert "Aucun salarié à valider" in text(again)
    assert Employee.objects.count() == 2


@pytest.mark.django_db
def test_errors_are_shown_next_to_their_field_and_nothing_is_kept(
    client_a: Client, company_a: Company
) -> None:
    data = form_data(
        company_a,
        nir="290026912304599",
        email="",
        street_name="",
        postal_code="",
        city="",
        street_number="",
    )
    page = text(client_a.post(url("declare", company_a), data))
    assert re.search(r'id="id_nir_error"><p>Le numéro de sécurité sociale est invalide', page)
    assert "Sans adresse e-mail, l'adresse postale est obligatoire" in page
    assert f"declarations:{company_a.pk}" not in client_a.session


@pytest.mark.django_db
def test_modify_and_delete_an_entered_employee(client_a: Client, company_a: Company) -> None:
    client_a.post(url("declare", company_a), form_data(company_a))
    client_a.post(url("confirm_address", company_a), {"choix": "suggeree"})
    page = text(client_a.get(url("declare", company_a) + "?modifier=0"))
    assert 'value="Durand"' in page
    client_a.post(url("declare", company_a) + "?modifier=0", form_data(company_a, first_name="Léa"))
    client_a.post(url("confirm_address", company_a), {"choix": "suggeree"})
    review = text(client_a.get(url("review", company_a)))
    assert "Léa DURAND" in review and "Élodie" not in review
    client_a.post(url("review", company_a), {"supprimer": "0"})
    assert "Aucun salarié saisi pour le moment." in text(client_a.get(url("review", company_a)))


@pytest.mark.django_db
def test_the_same_employee_twice_in_one_entry_is_refused(
    client_a: Client, company_a: Company
) -> None:
    client_a.post(url("declare", company_a), form_data(company_a))
    client_a.post(url("confirm_address", company_a), {"choix": "suggeree"})
    page = text(
        client_a.post(url("declare", company_a), form_data(company_a, email="x@example.org"))
    )
    assert "Ce numéro de sécurité sociale est déjà dans votre saisie." in page


@pytest.mark.django_db
def test_requests_list_filters_searches_and_shows_days_left(
    client_a: Client, company_a: Company
) -> None:
    declare(company_a)
    declare(
        company_a,
        last_name="Zola",
        first_name="Émile",
        email="emile@example.org",
        nir=make_nir(order="777"),
        employee_number="Z1",
    )
    page = text(client_a.get(url("requests", company_a)))
    assert "2 demandes" in page
    assert page.index("Émile ZOLA") < page.index("Cédric SIMON")  # newest first
    assert "Jours restants avant expiration : 60 jours" in page
    assert page.count('Relancer<span class="visually-hidden">') == 2
    assert page.count("Relancer la sélection") == 1
    assert "Dispense (non activée pour votre entreprise)" in page
    found = text(client_a.get(url("requests", company_a), {"nom": "zol"}))
    assert "1 demande" in found and "Cédric SIMON" not in found
    closed = text(client_a.get(url("requests", company_a), {"etat": "closed"}))
    assert "0 demande" in closed
    assert "Aucune demande ne correspond à votre recherche." in closed


@pytest.mark.django_db
def test_requests_list_is_paginated_with_constant_queries(
    client_a: Client, company_a: Company, django_assert_max_num_queries: Any
) -> None:
    for i in range(25):
        declare(
            company_a,
            last_name=f"Nom{chr(65 + i)}",
            email=f"e{i}@example.org",
            nir=make_nir(order=f"{i + 100}"),
            employee_number=f"N{i}",
        )
    client_a.get(url("requests", company_a))  # the campaign's figures counted, then cached
    # 14 for the list, 2 for the campaign above it (its groups, its cached figures).
    with django_assert_max_num_queries(16):
        first = text(client_a.get(url("requests", company_a)))
    assert "Page 1 sur 2" in first
    assert "Page précédente" not in first
    following = re.search(r'<a href="\?([^"]+)" rel="next">Page suivante</a>', first)
    assert following is not None
    with django_assert_max_num_queries(14):  # a later page: the same queries, no campaign
        second = text(client_a.get(url("requests", company_a) + "?" + following.group(1)))
    assert second.count('class="row"') == 5
    assert "Page 2 sur 2" in second and "Page suivante" not in second
    back = re.search(r'<a href="\?([^"]+)" rel="prev">Page précédente</a>', second)
    assert back is not None and "avant=" not in back.group(1)  # page 1: no cursor at all


@pytest.mark.django_db
def test_remind_sends_the_same_link_once_a_day(client_a: Client, company_a: Company) -> None:
    request = declare(company_a)
    first_link = link_in(r"/adhesion/[^/\s]+/", mail.outbox[-1].body)
    page = text(client_a.post(url("remind", company_a, request.pk)))
    assert "Votre demande a bien été prise en compte" in page
    assert (
        "Le mail de relance permettant au salarié de finaliser son affiliation a été envoyé."
        in page
    )
    assert "Fermer" in page
    assert (
        mail.outbox[-1].subject == "Rappel : finalisez votre adhésion à votre mutuelle d'entreprise"
    )
    assert first_link in mail.outbox[-1].body
    again = client_a.post(url("remind", company_a, request.pk), follow=True)
    assert "Une relance a déjà été envoyée aujourd'hui à ce salarié." in text(again)
    assert len(mail.outbox) == 2
    assert request.events.filter(kind=EventKind.REMINDER_SENT).count() == 1


@pytest.mark.django_db
def test_remind_after_expiry_sends_a_new_60_day_link(
    client_a: Client, company_a: Company, correspondent_a: Any
) -> None:
    request = declare(company_a)
    old_link = link_in(r"/adhesion/[^/\s]+/", mail.outbox[-1].body)
    with time_machine.travel(timezone.now() + timedelta(days=61)):
        client_a.force_login(correspondent_a)  # the earlier session has ended by then
        client_a.post(url("remind", company_a, request.pk))
        new_link = link_in(r"/adhesion/[^/\s]+/", mail.outbox[-1].body)
        assert new_link != old_link
        assert "Il expire dans 60 jours." in mail.outbox[-1].body
        assert Client().get(old_link).status_code == 410
        assert Client().get(new_link).status_code == 200
    kinds = list(request.events.values_list("kind", flat=True))
    assert kinds[-2:] == [EventKind.REMINDER_SENT, EventKind.LINK_RENEWED]


@pytest.mark.django_db
@time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Paris")))
def test_daily_reminders_after_7_days_and_7_days_before_expiry(company_a: Company) -> None:
    # Declared at 10:00: the runs an hour after each day's mark stay on that day.
    company_a.contracts.update(reminder_ladder="7:email")  # an e-mail on day 7, then none
    request = declare(company_a)
    invitation = Invitation.objects.get()
    start = invitation.sent_at
    assert run_daily_reminders(now=start + timedelta(days=6)).reminders == 0
    assert run_daily_reminders(now=start + timedelta(days=7, hours=1)).reminders == 1
    assert run_daily_reminders(now=start + timedelta(days=8)).reminders == 0
    assert run_daily_reminders(now=start + timedelta(days=53, hours=1)).reminders == 1
    report = run_daily_reminders(now=start + timedelta(days=60, hours=1))
    assert (report.reminders, report.expired) == (0, 1)
    assert run_daily_reminders(now=start + timedelta(days=61)).expired == 0
    kinds = list(request.events.values_list("kind", flat=True))
    assert kinds.count(EventKind.AUTO_REMINDER_SENT) == 2
    assert kinds[-1] == EventKind.LINK_EXPIRED


@pytest.mark.django_db
def test_a_duplicate_links_to_the_employee_already_declared(
    client_a: Client, company_a: Company
) -> None:
    first = declare(company_a)
    data = form_data(
        company_a, nir=make_nir(), civility="M", birth_date="1985-05-14", email="other@example.org"
    )
    page = text(client_a.post(url("declare", company_a), data))
    assert "Un salarié avec ce numéro de sécurité sociale est déjà déclaré (Cédric SIMON)" in page
    assert reverse("employer:employee", args=[company_a.pk, first.employee_id]) in page


@pytest.mark.django_db
def test_typed_employees_wait_encrypted_in_the_session(
    client_a: Client, company_a: Company
) -> None:
    data = form_data(company_a)
    client_a.post(url("declare", company_a), data)
    client_a.post(url("confirm_address", company_a), {"choix": "suggeree"})
    stored = client_a.session[f"declarations:{company_a.pk}"]
    assert data["nir"] not in stored and "Durand" not in stored


@pytest.mark.django_db
def test_state_tabs_filter_the_requests(client_a: Client, company_a: Company) -> None:
    declare(company_a)
    page = text(client_a.get(url("requests", company_a), {"etat": "waiting"}))
    assert re.search(r'<a href="[^"]*etat=waiting" aria-current="page">En attente</a>', page)
    assert "1 demande" in page


@pytest.mark.django_db
def test_two_submissions_of_the_same_list_declare_once_even_without_identifiers(
    client_a: Client, company_a: Company
) -> None:
    data = form_data(company_a, nir="", employee_number="", email="")
    client_a.post(url("declare", company_a), data)
    client_a.post(url("confirm_address", company_a), {"choix": "suggeree"})
    key = f"declarations:{company_a.pk}"
    snapshot = client_a.session[key]  # what a second tab still holds
    first = text(client_a.post(url("review", company_a), {"valider": "1"}))
    assert "✓ 1 salarié validé." in first
    session = client_a.session
    session[key] = snapshot
    session.save()
    second = text(client_a.post(url("review", company_a), {"valider": "1"}))
    assert "✓ 1 salarié validé." in second
    assert Employee.objects.filter(company=company_a).count() == 1
    assert Request.objects.filter(company=company_a).count() == 1


@pytest.mark.django_db
def test_remind_an_employee_without_email_sends_the_two_letters_again(
    client_a: Client, company_a: Company, django_capture_on_commit_callbacks: Any
) -> None:
    request = declare(company_a, email="")
    assert "Relancer" in text(client_a.get(url("requests", company_a)))
    with django_capture_on_commit_callbacks(execute=True):
        page = text(client_a.post(url("remind", company_a, request.pk)))
    assert (
        "Les courriers de relance (identifiant et nouveau mot de passe provisoire) permettant au "
        "salarié de finaliser son affiliation vont lui être envoyés." in page
    )
    letters = OutboundMessage.objects.filter(channel=Channel.LETTER).order_by("id")
    assert [m.template for m in letters] == ["letter_login", "letter_password"] * 2
    assert [m.subject for m in letters[2:]] == [
        "Votre identifiant",
        "Votre mot de passe provisoire",
    ]
    assert mail.outbox == []
    kinds = list(request.events.values_list("kind", flat=True))
    assert kinds[-2:] == [EventKind.REMINDER_SENT, EventKind.LETTERS_SENT]


@pytest.mark.django_db
def test_after_todays_reminder_relancer_is_disabled_with_the_last_and_next_dates(
    client_a: Client, company_a: Company, correspondent_a: Any
) -> None:
    request = declare(company_a)
    remind_url = url("remind", company_a, request.pk)
    client_a.post(remind_url)
    sent = Invitation.objects.get(membership=request.membership).last_reminder_at
    assert sent is not None
    local = timezone.localtime(sent)
    tomorrow = local.date() + timedelta(days=1)
    page = text(client_a.get(url("requests", company_a)))
    assert (
        f"Dernière relance le {local:%d/%m/%Y à %H:%M} · prochaine relance possible le "
        f"{tomorrow:%d/%m/%Y}" in page
    )
    assert re.search(r'<button type="button" class="button button--small" disabled', page)
    assert f'action="{remind_url}"' not in page
    with time_machine.travel(local.replace(hour=9) + timedelta(days=1)):
        client_a.force_login(correspondent_a)
        page = text(client_a.get(url("requests", company_a)))
    assert f"Dernière relance le {local:%d/%m/%Y à %H:%M}</p>" in page
    assert "prochaine relance possible" not in page
    assert f'action="{remind_url}"' in page


@pytest.mark.django_db
def test_a_letter_reminder_keeps_the_password_the_employee_already_chose(
    client_a: Client, company_a: Company, django_capture_on_commit_callbacks: Any
) -> None:
    request = declare(company_a, email="")
    user = request.employee.user
    user.set_password("Mon-Propre-Secret-9?")
    user.password_change_required = False
    user.last_login = timezone.now()
    user.save()
    with django_capture_on_commit_callbacks(execute=True):
        page = text(client_a.post(url("remind", company_a, request.pk)))
    assert (
        "Le courrier de relance (identifiant ; le salarié a déjà choisi son mot de passe) "
        "permettant au salarié de finaliser son affiliation va lui être envoyé." in page
    )
    letters = OutboundMessage.objects.filter(channel=Channel.LETTER).order_by("id")
    assert [m.template for m in letters] == ["letter_login", "letter_password", "letter_login"]
    user.refresh_from_db()
    assert user.check_password("Mon-Propre-Secret-9?")
    assert user.password_change_required is False


@pytest.mark.django_db
def test_a_wrong_city_is_suggested_as_the_official_commune_and_saved_once_confirmed(
    client_a: Client, company_a: Company
) -> None:
    data = form_data(company_a, postal_code="92000", city="Lyon", street_name="rue Gambetta")
    response = client_a.post(url("declare", company_a), data)
    assert response["Location"] == url("confirm_address", company_a)
    page = text(client_a.get(url("confirm_address", company_a)))
    assert "Pouvez-vous confirmer cette adresse ?" in page
    assert "92000 Lyon" in page  # Adresse indiquée
    assert "92000 NANTERRE" in page  # Adresse suggérée
    assert 'value="indiquee"' not in page  # the typed city is no answer
    response = client_a.post(url("confirm_address", company_a), {"choix": "indiquee"})
    assert response["Location"] == url("review", company_a)
    done = text(client_a.post(url("review", company_a), {"valider": "1"}))
    assert "✓ 1 salarié validé." in done
    employee = Employee.objects.get(last_name="DURAND")
    assert (employee.street_name, employee.postal_code, employee.city, employee.insee_code) == (
        "RUE GAMBETTA",
        "92000",
        "NANTERRE",
        "92050",
    )


@pytest.mark.django_db
def test_a_wrong_city_of_a_several_communes_postal_code_is_a_choice_with_the_closest_checked(
    client_a: Client, company_a: Company
) -> None:
    client_a.post(
        url("declare", company_a), form_data(company_a, postal_code="73000", city="Chanbery")
    )
    html = client_a.get(url("confirm_address", company_a)).content.decode()
    choices = re.findall(r'name="commune" value="([^"]+)"[^>]*?( checked)?>', html)
    assert choices == [
        ("73029:BARBERAZ", ""),
        ("73031:BASSENS", ""),
        ("73065:CHAMBERY", " checked"),
        ("73137:JACOB-BELLECOMBETTE", ""),
        ("73160:MONTAGNOLE", ""),
        ("73288:SONNAZ", ""),
    ]
    assert "73000 JACOB BELLECOMBETTE" in text(client_a.get(url("confirm_address", company_a)))
    page = text(client_a.post(url("confirm_address", company_a), {"choix": "suggeree"}))
    assert (
        "Le code postal 73000 dessert plusieurs communes : choisissez celle du collaborateur."
        in page
    )
    assert f"declarations:{company_a.pk}" not in client_a.session
    response = client_a.post(url("confirm_address", company_a), {"commune": "73031:BASSENS"})
    assert response["Location"] == url("review", company_a)
    client_a.post(url("review", company_a), {"valider": "1"})
    employee = Employee.objects.get(last_name="DURAND")
    assert (employee.city, employee.insee_code) == ("BASSENS", "73031")


@pytest.mark.django_db
def test_previous_on_the_address_page_goes_back_to_the_form_as_typed(
    client_a: Client, company_a: Company
) -> None:
    client_a.post(url("declare", company_a), form_data(company_a, postal_code="73000", city="Lyon"))
    page = client_a.get(url("confirm_address", company_a)).content.decode()
    back = url("declare", company_a) + "?retour=1"
    assert f'href="{back}"' in page
    form = client_a.get(back).content.decode()
    assert 'name="city" value="Lyon"' in form
    assert 'name="postal_code" value="73000"' in form
    assert "rue de l&#x27;Église" in form


@pytest.mark.django_db
def test_an_unknown_postal_code_stays_a_blocking_error_on_the_form(
    client_a: Client, company_a: Company
) -> None:
    page = text(client_a.post(url("declare", company_a), form_data(company_a, postal_code="00000")))
    assert "Le code postal 00000 n'existe pas : vérifiez-le." in page
    assert "declaration_pending" not in client_a.session
