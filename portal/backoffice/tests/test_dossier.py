"""The dossier page: the declaration next to the employee's entry, the NIR and dependants'
checks, the coverage and its price, the bank details, the signature validated on opening, the
timeline; audited, read-only, constant queries, staff only."""

from __future__ import annotations

import hashlib
import os
import re
from datetime import date
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db.models.fields.files import FieldFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import declare, make_nir, make_user, text
from portal.accounts.models import Role, User
from portal.backoffice.dossier import build, load_request, validated
from portal.backoffice.identity import compare_identity
from portal.backoffice.tests.conftest import CHILD_NIR, IBAN, fill_in, sign
from portal.companies.models import Company
from portal.core.models import AuditEvent
from portal.core.nir import format_nir
from portal.enrollment.models import Employee
from portal.enrollment.rules import age_on
from portal.signatures.models import SignedDocument
from portal.signatures.pades import check_signature, signer_certificate
from portal.tracking.models import Reason, Request
from portal.waivers.models import Waiver

from .test_waiver_review import waiver  # noqa: F401  (a fixture)

TODAY = date(2024, 6, 1)


def page(client: Client, item: Request) -> Any:
    return client.get(reverse("backoffice:dossier", args=[item.pk]))


def words(response: Any) -> str:
    """The page's main content as read: tags removed, spaces collapsed."""
    main = text(response).split('id="content-main"', 1)[-1]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


def age(year: int, month: int, day: int) -> int:
    return age_on(date(year, month, day), timezone.localdate())


@pytest.mark.django_db
def test_the_declared_identity_is_kept_as_declared_with_the_nir_as_its_digest(
    affiliation: Request,
) -> None:
    declared = Employee.objects.get(pk=affiliation.employee_id).declared_identity
    assert declared["first_name"] == "Cédric"
    assert declared["last_name"] == "SIMON"
    assert declared["birth_date"] == "1985-05-14"
    assert "nir" not in declared
    assert len(declared["nir_digest"]) == 64


@pytest.mark.django_db
def test_the_differences_are_exactly_what_the_employee_changed(affiliation: Request) -> None:
    employee = Employee.objects.get(pk=affiliation.employee_id)
    differing = [(r.label, r.declared, r.entered) for r in compare_identity(employee) if r.differs]
    assert differing == [("Prénom", "Cédric", "Cedric")]


@pytest.mark.django_db
def test_a_changed_nir_is_a_difference_without_showing_the_declared_number(
    affiliation: Request,
) -> None:
    Employee.objects.filter(pk=affiliation.employee_id).update(nir=make_nir(order="124"))
    rows = compare_identity(Employee.objects.get(pk=affiliation.employee_id))
    nir_row = next(r for r in rows if r.label == "Numéro de sécurité sociale")
    assert (nir_row.declared, nir_row.entered, nir_row.differs) == ("déclaré", "différent", True)


@pytest.mark.django_db
def test_the_page_shows_the_checks_the_price_and_the_valid_signature(
    staff_client: Client, affiliation: Request
) -> None:
    body = words(page(staff_client, affiliation))
    assert "1 différence entre la déclaration et la saisie du salarié." in body
    assert "Prénom Cédric Cedric (différent)" in body
    member_nir = format_nir(Employee.objects.get(pk=affiliation.employee_id).nir)
    assert f"NIR : {member_nir}" in body
    assert "Clé valide, cohérent avec la civilité et la date de naissance." in body
    # The children: Léa with her own NIR, Hugo attached to his parent's and past the limit.
    assert f"Léa SIMON 09/03/2012 {age(2012, 3, 9)} ans 1 {format_nir(CHILD_NIR)} Conforme" in body
    assert f"Hugo SIMON 02/01/2000 {age(2000, 1, 2)} ans 1 Rattaché au {member_nir}" in body
    assert "moins de 21 ans, moins de 26 ans pour un étudiant ou un apprenti" in body
    # The member pays the option (their base is payroll), each child base and option.
    assert "Socle + Option Confort" in body
    assert "67,00 € par mois (adhérent 12,50 €, bénéficiaires 54,50 €)" in body
    assert f"Prélèvement des cotisations Cédric Simon {IBAN}" in body
    assert "RUM-A0001-0001" in body and "Mensuelle" in body and "le 10" in body
    assert body.count("Signature valide (document intact)") == 2
    assert "Signature invalide" not in body
    assert "Adhésion signée par le salarié" in body  # the timeline
    assert "Mettre en gestion" in body and "RIB illisible ou non conforme" in body


@pytest.mark.django_db
def test_a_child_past_the_contract_age_limit_is_flagged(affiliation: Request) -> None:
    view = build(load_request(affiliation.pk), today=TODAY)
    problems = {row.dependant.first_name: row.problems for row in view.dependants}
    assert problems["Léa"] == []
    assert len(problems["Hugo"]) == 1 and "21 ans" in problems["Hugo"][0]
    assert [row.nir for row in view.dependants] == [format_nir(CHILD_NIR), ""]


@pytest.mark.django_db
def test_a_tampered_signed_pdf_shows_an_invalid_signature(
    staff_client: Client, affiliation: Request
) -> None:
    document = SignedDocument.objects.filter(envelope__membership=affiliation.membership).first()
    assert document is not None
    signed_file: FieldFile = document.signed_file
    with signed_file.open("rb") as handle:
        data = handle.read()
    assert check_signature(data).valid
    tampered = data.replace(b"/MediaBox [0 0 595.28 841.89]", b"/MediaBox [0 0 595.28 841.88]", 1)
    assert tampered != data
    with open(signed_file.path, "wb") as handle:
        handle.write(tampered)
    body = words(page(staff_client, affiliation))
    assert body.count("Signature invalide") == 1
    assert body.count("Signature valide (document intact)") == 1
    check = check_signature(tampered)
    assert (check.intact, check.valid) == (False, False)


@pytest.mark.django_db
def test_a_signed_pdf_lost_from_the_storage_is_shown_missing_and_the_page_still_opens(
    staff_client: Client, affiliation: Request
) -> None:
    document = SignedDocument.objects.filter(envelope__membership=affiliation.membership).first()
    assert document is not None
    os.remove(document.signed_file.path)
    response = page(staff_client, affiliation)
    assert response.status_code == 200
    body = words(response)
    assert body.count("Fichier introuvable") == 1
    assert body.count("Signature valide (document intact)") == 1


@pytest.mark.django_db
def test_a_validation_is_remembered_by_the_signed_files_sha256(
    staff_client: Client, affiliation: Request
) -> None:
    document = SignedDocument.objects.filter(envelope__membership=affiliation.membership).first()
    assert document is not None
    with document.signed_file.open("rb") as handle:
        data = handle.read()
    cache = caches["signature_checks"]
    cache.clear()
    page(staff_client, affiliation)
    root = os.stat(settings.SIGNING_CERT_FILE).st_mtime_ns
    remembered = cache.get(f"pades:{hashlib.sha256(data).hexdigest()}:{root}")
    assert remembered == check_signature(data)
    assert remembered.valid
    # Other bytes are another key: validated on their opening, not read from this one.
    assert validated(data + b"\n") == check_signature(data + b"\n")
    assert not validated(data + b"\n").whole_file


@pytest.mark.django_db
def test_the_validation_names_the_signer_and_the_signing_time(affiliation: Request) -> None:
    view = build(load_request(affiliation.pk), today=TODAY)
    check = view.documents[0].signature
    assert check.valid and check.trusted and check.whole_file
    with view.documents[0].document.signed_file.open("rb") as handle:
        certificate = signer_certificate(handle.read())
    assert certificate is not None and check.signer == certificate.subject
    assert settings.PORTAL_BRAND["insurer_name"] in check.signer
    assert check.signed_at is not None
    assert abs((timezone.now() - check.signed_at).total_seconds()) < 600


@pytest.mark.django_db
def test_opening_a_dossier_is_audited_with_who_and_which_dossier(
    staff_client: Client, staff_user: User, affiliation: Request
) -> None:
    page(staff_client, affiliation)
    event = AuditEvent.objects.get(action="dossier_viewed")
    assert (event.actor_id, event.target_type, event.target_id) == (
        staff_user.pk,
        "tracking.Request",
        str(affiliation.pk),
    )
    assert event.details == {"nir": True, "iban": True}


@pytest.mark.django_db
def test_opening_the_page_writes_nothing_but_its_audit_event(
    staff_client: Client, affiliation: Request
) -> None:
    from portal.enrollment.models import Membership
    from portal.tracking.models import RequestEvent

    before = (
        list(Membership.objects.values_list("status", "status_changed_at")),
        list(Request.objects.values_list("state", "updated_at")),
        RequestEvent.objects.count(),
        AuditEvent.objects.exclude(action="dossier_viewed").count(),
    )
    page(staff_client, affiliation)
    after = (
        list(Membership.objects.values_list("status", "status_changed_at")),
        list(Request.objects.values_list("state", "updated_at")),
        RequestEvent.objects.count(),
        AuditEvent.objects.exclude(action="dossier_viewed").count(),
    )
    assert before == after


@pytest.mark.django_db
def test_the_page_answers_in_a_constant_number_of_queries(
    staff_client: Client,
    affiliation: Request,
    company_a: Company,
    django_assert_num_queries: Any,
) -> None:
    page(staff_client, affiliation)  # warm the session and the admin's caches
    with django_assert_num_queries(QUERIES):
        page(staff_client, affiliation)
    from portal.enrollment.models import Dependant

    assert affiliation.membership is not None
    for n in range(3):
        Dependant.objects.create(
            membership=affiliation.membership,
            kind="child",
            civility="M",
            last_name="SIMON",
            first_name=f"Enfant{n}",
            birth_date=date(2015, 1, 1 + n),
            fund_code="011751234",
        )
    with django_assert_num_queries(QUERIES):
        page(staff_client, affiliation)


QUERIES = 16  # session, user, second-factor device, request, timeline, memberships, dependants,
# accounts, mandate, the option and its rates (4), envelope, documents, the audit event


@pytest.mark.django_db
def test_a_waiver_dossier_shows_its_proof_inline_in_a_framed_audited_view(
    staff_client: Client,
    waiver: Waiver,  # noqa: F811
) -> None:
    item = Request.objects.get(reason=Reason.WAIVER, employee_id=waiver.employee_id)
    body = page(staff_client, item).content.decode()
    proof_url = reverse("backoffice:dossier_document", args=[item.pk, "justificatif", waiver.pk])
    assert f'<object data="{proof_url}"' in body
    assert "Accepter" in body and "Refuser" in body
    response = staff_client.get(proof_url)
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Content-Type"] == "application/pdf"
    event = AuditEvent.objects.get(action="dossier_document_viewed")
    assert event.details == {"document": "justificatif", "document_id": waiver.pk}


@pytest.mark.django_db
def test_the_signed_pdf_opens_from_the_dossier(staff_client: Client, affiliation: Request) -> None:
    document = SignedDocument.objects.filter(envelope__membership=affiliation.membership).first()
    assert document is not None
    url = reverse("backoffice:dossier_document", args=[affiliation.pk, "signe", document.pk])
    response = staff_client.get(url)
    assert response.status_code == 200
    assert response.getvalue().startswith(b"%PDF")


@pytest.mark.django_db
def test_another_employees_document_is_not_served_through_this_dossier(
    staff_client: Client, affiliation: Request, company_a: Company
) -> None:
    other = declare(
        company_a,
        street_number="",
        street_name="",
        postal_code="",
        city="",
        last_name="Autre",
        email="autre@example.org",
        employee_number="M-0003",
        nir=make_nir(order="888"),
    )
    sign(other.membership)
    theirs = SignedDocument.objects.filter(envelope__membership=other.membership).first()
    assert theirs is not None
    url = reverse("backoffice:dossier_document", args=[affiliation.pk, "signe", theirs.pk])
    assert staff_client.get(url).status_code == 404


@pytest.mark.django_db
def test_an_unsigned_pre_enrolled_employee_page_has_no_decision(
    staff_client: Client, company_a: Company
) -> None:
    declared = declare(company_a, street_number="", street_name="", postal_code="", city="")
    fill_in(declared.membership)
    body = words(page(staff_client, declared))
    assert "Pas encore signé." in body
    assert "Mettre en gestion" not in body


PAGES = [
    ("backoffice:dossier", True),
    ("backoffice:bulk", False),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "with_id"), PAGES)
def test_only_staff_reach_the_dossier_pages(
    client: Client,
    affiliation: Request,
    correspondent_a: User,
    correspondent_b: User,
    name: str,
    with_id: bool,
) -> None:
    url = reverse(name, args=[affiliation.pk] if with_id else [])
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "?next=" in anonymous["Location"]
    member = Employee.objects.get(pk=affiliation.employee_id).user
    assert member is not None and member.role == Role.MEMBER
    outsider = make_user("rh-seul@example.org")
    for user in (correspondent_a, correspondent_b, member, outsider):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    decide = reverse("backoffice:decide", args=[affiliation.pk, "mettre-en-gestion"])
    client.force_login(correspondent_a)
    assert client.post(decide).status_code == 404
    assert not AuditEvent.objects.filter(action__in=["dossier_viewed", "enrollment_closed"])


@pytest.mark.django_db
def test_the_admin_request_page_links_to_the_dossier(
    staff_client: Client, affiliation: Request
) -> None:
    url = reverse("admin:tracking_request_change", args=[affiliation.pk])
    body = text(staff_client.get(url))
    dossier_url = reverse("backoffice:dossier", args=[affiliation.pk])
    assert f'<a href="{dossier_url}">Ouvrir le dossier</a>' in body
