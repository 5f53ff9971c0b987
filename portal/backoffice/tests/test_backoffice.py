from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib import admin
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import reverse

from portal.accounts.models import LinkPurpose, OneTimeLink, Role, User
from portal.backoffice.demo import DEMO_PASSWORD, load_demo
from portal.companies.models import AccountManager, Company, Contract, Product
from portal.core.models import AuditEvent
from portal.enrollment.models import Employee, Membership
from portal.terminations.models import PortabilityProof
from portal.waivers.models import Waiver


@pytest.fixture
def staff_client(client: Client, staff_user: User) -> Client:
    client.force_login(staff_user)
    return client


def company_form(manager: AccountManager, **overrides: Any) -> dict[str, Any]:
    data = {
        "legal_name": "GAMMA SA",
        "siret": "732 829 320 00074",
        "trade_name": "",
        "address_street": "3 rue de la République",
        "postal_code": "69001",
        "city": "Lyon",
        "country": "FRANCE",
        "account_manager": manager.pk,
        "contracts-TOTAL_FORMS": "0",
        "contracts-INITIAL_FORMS": "0",
    }
    return {**data, **overrides}


@pytest.mark.django_db
def test_staff_sees_every_back_office_list_and_add_page(
    staff_client: Client, staff_user: User, rf: RequestFactory
) -> None:
    request = rf.get("/")
    request.user = staff_user
    for model, model_admin in admin.site._registry.items():
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        assert staff_client.get(reverse(f"{info}_changelist")).status_code == 200
        add = staff_client.get(reverse(f"{info}_add")).status_code
        assert add == (200 if model_admin.has_add_permission(request) else 403), info


@pytest.mark.django_db
def test_back_office_is_in_french(staff_client: Client) -> None:
    # The admin's index (its app list) is "Paramétrage"; the working screens have no sidebar.
    page = staff_client.get(reverse("backoffice:settings")).content.decode()
    assert "Back-office — Mutuelle Démo" in page
    assert "Entreprises et contrats" in page
    assert "Correspondants RH" in page


@pytest.mark.django_db
def test_staff_creates_a_company_with_normalised_address(
    staff_client: Client, manager: AccountManager
) -> None:
    response = staff_client.post(reverse("admin:companies_company_add"), company_form(manager))
    assert response.status_code == 302, response.content.decode()[:3000]
    company = Company.objects.get(siret="73282932000074")
    assert company.address_street == "3 RUE DE LA REPUBLIQUE"
    assert company.city == "LYON"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"siret": "73282932000075"}, "Le N° de Siret 73282932000075 est invalide"),
        ({"siret": "1234"}, "Le N° de Siret doit comporter 14 chiffres."),
        ({"city": "Marseille"}, "La ville ne correspond pas au code postal 69001"),
        ({"postal_code": "69999"}, "Le code postal 69999 n'existe pas."),
        ({"postal_code": "6900"}, "Le code postal doit comporter 5 chiffres."),
    ],
)
def test_company_with_bad_identifiers_is_refused_in_french(
    staff_client: Client, manager: AccountManager, overrides: dict[str, str], message: str
) -> None:
    response = staff_client.post(
        reverse("admin:companies_company_add"), company_form(manager, **overrides)
    )
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Company.objects.filter(legal_name="GAMMA SA").exists()


@pytest.mark.django_db
def test_cedex_code_is_accepted_with_cedex_city(
    staff_client: Client, manager: AccountManager
) -> None:
    response = staff_client.post(
        reverse("admin:companies_company_add"),
        company_form(manager, postal_code="69441", city="Lyon Cedex 03"),
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_staff_creates_a_correspondent_for_two_companies_who_gets_a_link(
    staff_client: Client, company_a: Company, company_b: Company
) -> None:
    response = staff_client.post(
        reverse("admin:companies_correspondent_add"),
        {
            "email": "Nouveau.RH@Example.org",
            "first_name": "Léa",
            "last_name": "Roux",
            "is_active": "on",
            "companies": [company_a.pk, company_b.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="nouveau.rh@example.org")
    assert user.role == Role.CORRESPONDENT
    assert set(user.companies.all()) == {company_a, company_b}
    assert not user.has_usable_password()
    assert OneTimeLink.objects.get(user=user).purpose == LinkPurpose.WELCOME
    assert mail.outbox[-1].to == ["nouveau.rh@example.org"]
    assert re.search(r"/mot-de-passe/[^/\s]+/", str(mail.outbox[-1].body))
    assert AuditEvent.objects.filter(action="correspondent_created", target_id=str(user.pk))


@pytest.mark.django_db
def test_an_email_gets_one_login_only(
    staff_client: Client, correspondent_a: User, company_b: Company
) -> None:
    response = staff_client.post(
        reverse("admin:companies_correspondent_add"),
        {
            "email": "RH-A@example.org",
            "first_name": "X",
            "last_name": "Y",
            "companies": [company_b.pk],
        },
    )
    assert response.status_code == 200
    assert "1 e-mail = 1 identifiant" in response.content.decode()
    assert User.objects.filter(email__iexact="rh-a@example.org").count() == 1


@pytest.mark.django_db
def test_staff_changes_the_companies_of_a_correspondent(
    staff_client: Client, correspondent_a: User, company_a: Company, company_b: Company
) -> None:
    response = staff_client.post(
        reverse("admin:companies_correspondent_change", args=[correspondent_a.pk]),
        {
            "first_name": "Sophie",
            "last_name": "Lambert",
            "is_active": "on",
            "companies": [company_b.pk],
        },
    )
    assert response.status_code == 302
    assert list(correspondent_a.companies.all()) == [company_b]
    event = AuditEvent.objects.get(action="correspondent_companies_changed")
    assert event.details == {"added": [company_b.pk], "removed": [company_a.pk]}


@pytest.mark.django_db
def test_product_coverage_table_must_be_a_pdf(staff_client: Client) -> None:
    response = staff_client.post(
        reverse("admin:companies_product_add"),
        {
            "code": "NIS/X1",
            "label": "X",
            "kind": "base",
            "coverage_table": SimpleUploadedFile("t.pdf", b"GIF89a...", "application/pdf"),
            "rates-TOTAL_FORMS": "0",
            "rates-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "Le tableau de garanties doit être un fichier PDF" in response.content.decode()
    assert not Product.objects.filter(code="NIS/X1").exists()


@pytest.mark.django_db
def test_demo_data_loads_twice_with_the_same_result() -> None:
    load_demo()
    load_demo()
    assert Company.objects.count() == 4
    assert Contract.objects.filter(kind="provident").count() == 2
    assert not Contract.objects.filter(kind="provident", beneficiary_designation=False).exists()
    rh = User.objects.get(email="rh@demo.example")
    assert rh.companies.count() == 3
    assert rh.check_password(DEMO_PASSWORD)
    assert User.objects.get(email="rh2@demo.example").companies.count() == 1
    assert User.objects.get(email="staff@demo.example").is_staff
    assert Company.objects.filter(waivers_enabled=True, contracts__kind="provident").exists()
    statuses = set(Membership.objects.values_list("status", flat=True))
    assert statuses == {
        "pre_enrolled",
        "signed",
        "active",
        "terminated",
        "waiver_requested",
        "waived",
    }
    # A waiver to check and a granted one, of the health contract, where waivers are enabled.
    assert sorted(
        Waiver.objects.values_list("employee__last_name", "membership__contract__kind", "status")
    ) == [("GARCIA", "health", "signed"), ("ROUSSEL", "health", "granted")]
    # The waivers' employees only where waivers are enabled; one employee halfway through.
    assert Employee.objects.count() == 24  # with the two former employees under portability
    # The register is not empty: one attestation to check, one asked and due.
    assert sorted(
        PortabilityProof.objects.values_list(
            "termination__membership__employee__last_name", "status"
        )
    ) == [("BENALI", "received"), ("MARCHAND", "asked")]
    assert Membership.objects.filter(journey_step="dependants", status="pre_enrolled").count() == 3
    assert Employee.objects.filter(email="").count() == 3  # letters in the outbox
    for product in Product.objects.all():
        with product.coverage_table.open("rb") as handle:
            assert handle.read(5) == b"%PDF-"


def contracts_by_employee(company: str) -> dict[str, tuple[str, str]]:
    """Each demo employee of `company`: (health status, provident status), "" where none."""
    found: dict[str, dict[str, str]] = {}
    for last_name, kind, status in Membership.objects.filter(
        employee__company__legal_name=company
    ).values_list("employee__last_name", "contract__kind", "status"):
        found.setdefault(last_name, {})[kind] = status
    return {
        name: (kinds.get("health", ""), kinds.get("provident", "")) for name, kinds in found.items()
    }


@pytest.mark.django_db
def test_demo_has_employees_in_every_combination_of_health_and_provident() -> None:
    load_demo()
    load_demo()
    # Both contracts: each status on both; health only (the non-executives, whom the
    # provident contract does not cover); health waived while provident waits or is signed.
    assert contracts_by_employee("BOULANGERIES MARTIN SAS") == {
        "PUYOT": ("active", ""),
        "LENOIR": ("terminated", "terminated"),
        "PÉLISSIER": ("signed", "signed"),
        "SIMON": ("pre_enrolled", "pre_enrolled"),
        "N'DIAYE": ("pre_enrolled", "pre_enrolled"),
        "ROUSSEL": ("waived", "signed"),
        "GARCIA": ("waiver_requested", "pre_enrolled"),
        "FABRE": ("active", "active"),
    }
    # A health-only company (no waivers) and a provident-only one.
    assert set(contracts_by_employee("ATELIER NUMERIQUE DUPONT").values()) == {
        ("active", ""),
        ("terminated", ""),
        ("signed", ""),
        ("pre_enrolled", ""),
    }
    assert contracts_by_employee("CABINET ROCHE CONSEIL") == {
        "PUYOT": ("", "active"),
        "LENOIR": ("", "terminated"),
        "PÉLISSIER": ("", "signed"),
        "SIMON": ("", "pre_enrolled"),
        "N'DIAYE": ("", "pre_enrolled"),
        "ROUSSEL": ("", "signed"),
        "GARCIA": ("", "pre_enrolled"),
        "FABRE": ("", "active"),
    }
    assert not Contract.objects.filter(company__legal_name="CABINET ROCHE CONSEIL", kind="health")
    # The halfway one's dossier leads from the health membership; its provident one waits.
    awa = Membership.objects.filter(
        employee__last_name="N'DIAYE", employee__company__legal_name="BOULANGERIES MARTIN SAS"
    )
    assert sorted(awa.values_list("contract__kind", "journey_step")) == [
        ("health", "dependants"),
        ("provident", ""),
    ]
    # Signed provident memberships chose their beneficiary clause; one named it.
    signed = Membership.objects.filter(contract__kind="provident", status__in=["signed", "active"])
    assert set(signed.values_list("beneficiary_clause", flat=True)) == {"standard", "named"}
    # Two enrolled families on the health contract, with the option chosen.
    families = Membership.objects.filter(dependants__isnull=False).distinct()
    assert sorted(
        families.values_list("employee__last_name", "contract__kind", "option__code")
    ) == [
        ("FABRE", "health", "NIS/AN00010"),
        ("FABRE", "health", "NIS/AN00010"),
        ("PÉLISSIER", "health", "NIS/AN00010"),
        ("PÉLISSIER", "health", "NIS/AN00010"),
    ]  # at BOULANGERIES MARTIN SAS and ATELIER NUMERIQUE DUPONT
