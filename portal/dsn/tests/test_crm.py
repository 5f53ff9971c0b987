"""The compte rendu métier: one CRM XML per declaration applied or rejected, stored with it,
read back here (the official XSD was not found: the structure is what dsn.md §4 lists)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from portal.accounts.models import User
from portal.core.models import AuditEvent
from portal.dsn.models import DsnDeclaration, DsnFile, DsnFileStatus
from portal.dsn.tests import dsn_files
from portal.dsn.tests.test_intake import (
    DUPONT,
    OTHER,
    employer,  # noqa: F401  (the fixture, used through usefixtures)
    monthly,
    person,
    take_in,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("employer")]

ENVOI_ID = "ENV20250703"
DECLARATION_ID = "DEC42"
FNMF_NAME = re.compile(
    rf"99900000300015_A99999-PASDLG-1-{DECLARATION_ID}-{ENVOI_ID}_CRM_\d{{8}}-\d{{6}}\.xml"
)


def identified(data: bytes) -> bytes:
    """The file with the concentrator's ids: the envoi's (S10.G00.95.900) and the
    declaration's (S20.G00.96.902), and the S90 total counting them."""
    text = data.decode("latin-1")
    text = text.replace(
        "S20.G00.05.001,",
        f"S10.G00.95.900,'{ENVOI_ID}'\r\nS20.G00.05.001,",
    ).replace(
        "S21.G00.06.001,",
        f"S20.G00.96.902,'{DECLARATION_ID}'\r\nS21.G00.06.001,",
    )
    total = re.search(r"S90\.G00\.90\.001,'(\d+)'", text)
    assert total is not None
    text = text.replace(total.group(0), f"S90.G00.90.001,'{int(total.group(1)) + 2}'")
    return text.encode("latin-1")


def crm_of(received: DsnFile, position: int = 1) -> tuple[DsnDeclaration, bytes, ET.Element]:
    declaration = received.declarations.get(position=position)
    with declaration.crm.open("rb") as handle:
        data = handle.read()
    return declaration, data, ET.fromstring(data)


def fields(element: ET.Element) -> dict[str, str]:
    return {child.tag: child.text or "" for child in element if len(child) == 0}


def returns(root: ET.Element) -> list[dict[str, str]]:
    return [fields(r) for r in root.iter("RetourMetier")]


def contexts(retour: ET.Element) -> list[tuple[str, str, str]]:
    return [
        (c.findtext("Rubrique", ""), c.findtext("Valeur", ""), c.findtext("LibelVal", ""))
        for c in retour.iter("ContexteRetourMetier")
    ]


def test_an_accepted_declaration_has_a_latin1_crm_with_its_data_counts_and_code_0() -> None:
    received = take_in(identified(monthly()))
    declaration, data, root = crm_of(received)
    assert data.startswith(b"<?xml version='1.0' encoding='ISO-8859-1'?>")
    assert (declaration.crm.name or "").startswith(f"dsn/crm/{received.pk}/1/")
    assert FNMF_NAME.fullmatch(declaration.crm_file_name)
    assert root.tag == "Fichier"
    assert root.attrib == {
        "VersionCRM": "114",
        "IdEnvoi": ENVOI_ID,
        "TypCRM": "3",
        "VersionNorme": "P25V01",
        "SiretEmetteur": "99900000300015",
    }
    (element,) = root.findall("Declaration")
    assert fields(element) == {
        "IdDec": DECLARATION_ID,
        "NatureDecla": "01",
        "TypeDecla": "01",
        "FractionDecla": "11",
        "NoOrdreDecla": "1",
        "DateMoisDec": "01062025",
        "SirenDecla": "999000003",
        "NicAffectation": "00015",
        "CodeOC": "A99999",
        "NbreSal": "1",
        "NbreErreur": "0",
        "NbreAff": "1",
        "NbreRad": "0",
        "CodeRetourDecla": "0",
    }
    assert returns(root) == []
    assert declaration.crm_return_code == "0"


def test_a_partly_rejected_declaration_returns_the_rejection_with_rubrique_value_context() -> None:
    data = identified(monthly(person(option="PREMIUM"), person(OTHER, "MARTIN", "Zoe")))
    received = take_in(data)
    declaration, _, root = crm_of(received)
    element = root.find("Declaration")
    assert element is not None
    assert (
        element.findtext("CodeRetourDecla"),
        element.findtext("NbreSal"),
        element.findtext("NbreAff"),
        element.findtext("NbreErreur"),
    ) == ("2", "2", "1", "1")
    (retour,) = root.iter("RetourMetier")
    line = next(
        number
        for number, text in enumerate(data.decode("latin-1").splitlines(), 1)
        if text == "S21.G00.70.004,'PREMIUM'"
    )
    assert fields(retour) == {
        "IdRetour": "1",
        "CodeRetourMetier": "EAFF03",
        "LibelCodeRetourMetier": "Le code option PREMIUM (S21.G00.70.004) n'est pas prévu par "
        "le contrat SANTE-COLL-0001.",
        "CriticiteRetour": "bloquante",
        "DescriptionRetour": f"Ligne {line}",
        "RubriqueBlocRetour": "S21.G00.70.004",
        "ValeurRubriqueErreur": "PREMIUM",
    }
    # The NIR as declared: the CRM goes back to the declarant who sent it.
    assert contexts(retour) == [
        ("S21.G00.30.001", DUPONT, "DUPONT Jean"),
        ("S21.G00.15.001", "SANTE-COLL-0001", ""),
        ("S21.G00.15.002", "A99999", ""),
    ]
    assert declaration.crm_return_code == "2"


def test_a_declaration_whose_every_individual_is_rejected_is_not_taken_into_account() -> None:
    received = take_in(
        monthly(
            person(option="PREMIUM"),
            person(OTHER, "MARTIN", "Zoe", population="STAGIAIRES"),
        )
    )
    _, _, root = crm_of(received)
    assert root.findtext("Declaration/CodeRetourDecla") == "3"
    assert [(r["CodeRetourMetier"], r["ValeurRubriqueErreur"]) for r in returns(root)] == [
        ("EAFF03", "PREMIUM"),
        ("EAFF06", "STAGIAIRES"),
    ]


def test_a_rejected_declaration_of_an_unknown_establishment_has_code_3_and_eetb01() -> None:
    received = take_in(monthly(siren="123456789"))
    declaration, _, root = crm_of(received)
    assert root.findtext("Declaration/CodeRetourDecla") == "3"
    assert root.findtext("Declaration/SirenDecla") == "123456789"
    ((retour),) = returns(root)
    assert (
        retour["CodeRetourMetier"],
        retour["CriticiteRetour"],
        retour["RubriqueBlocRetour"],
        retour["ValeurRubriqueErreur"],
    ) == ("EETB01", "bloquante", "S21.G00.11.001", "12345678900015")
    assert retour["LibelCodeRetourMetier"] == (
        "L'établissement de SIRET 12345678900015 n'est pas une entreprise cliente du portail : "
        "la déclaration n'est pas intégrée."
    )
    # Without the concentrator's ids, the name says so rather than leave a part empty.
    assert declaration.crm_file_name.startswith(
        "99900000300015_A99999-PASDLG-1-INCONNU-INCONNU_CRM_"
    )
    assert declaration.crm_return_code == "3"


def test_an_anomaly_is_information_and_leaves_the_declaration_accepted() -> None:
    ended = take_in(monthly(person(extra=[("S21.G00.70.015", "30062025")])), "fin.dsn")
    _, _, root = crm_of(ended)
    ((retour),) = returns(root)
    assert (retour["CodeRetourMetier"], retour["CriticiteRetour"]) == ("IAFF15", "information")
    assert root.findtext("Declaration/CodeRetourDecla") == "0"
    assert root.findtext("Declaration/NbreErreur") == "0"


def test_a_value_out_of_the_norm_is_accepted_with_corrections() -> None:
    wrong = [(k, "99" if k == "S21.G00.40.002" else v) for k, v in person()]
    received = take_in(monthly(wrong), "statut.dsn")
    _, _, root = crm_of(received)
    ((retour),) = returns(root)
    assert (
        retour["CodeRetourMetier"],
        retour["CriticiteRetour"],
        retour["RubriqueBlocRetour"],
        retour["ValeurRubriqueErreur"],
    ) == ("EFMT03", "non bloquante", "S21.G00.40.002", "99")
    assert retour["LibelCodeRetourMetier"] == (
        "La valeur ne fait pas partie des codes autorisés par la norme P25V01."
    )
    assert (
        root.findtext("Declaration/CodeRetourDecla"),
        root.findtext("Declaration/NbreAff"),
        root.findtext("Declaration/NbreErreur"),
    ) == ("1", "1", "1")


def test_an_end_of_contract_applied_is_counted_in_nbrerad_without_a_return() -> None:
    take_in(monthly())
    ended = [
        *[r for r in person() if r[0] <= "S21.G00.40.009"],
        ("S21.G00.62.001", "30062025"),
        ("S21.G00.62.002", "043"),
        *[r for r in person() if r[0] > "S21.G00.40.009"],
    ]
    july = take_in(monthly(ended, month="01072025"), "juillet.dsn")
    _, _, root = crm_of(july)
    assert (
        root.findtext("Declaration/NbreRad"),
        root.findtext("Declaration/NbreAff"),
        root.findtext("Declaration/CodeRetourDecla"),
    ) == ("1", "0", "0")
    assert returns(root) == []


def test_an_end_of_contract_keeping_the_affiliation_is_returned_for_information() -> None:
    take_in(monthly())
    kept = [
        *[r for r in person() if r[0] <= "S21.G00.40.009"],
        ("S21.G00.62.001", "30062025"),
        ("S21.G00.62.002", "031"),
        ("S21.G00.62.016", "01"),
        *[r for r in person() if r[0] > "S21.G00.40.009"],
    ]
    july = take_in(monthly(kept, month="01072025"), "juillet.dsn")
    _, _, root = crm_of(july)
    ((retour),) = returns(root)
    assert (
        retour["CodeRetourMetier"],
        retour["CriticiteRetour"],
        retour["RubriqueBlocRetour"],
        retour["ValeurRubriqueErreur"],
    ) == ("IFCT99", "information", "S21.G00.62.016", "01")
    assert (
        root.findtext("Declaration/NbreRad"),
        root.findtext("Declaration/CodeRetourDecla"),
    ) == ("0", "0")


def test_one_declaration_element_per_declaration_of_the_file() -> None:
    body = [*dsn_files.declaration(), *person(), *dsn_files.declaration(siren="123456789")]
    received = take_in(dsn_files.build(body, declarations=2))
    first, second = (crm_of(received, position)[2] for position in (1, 2))
    assert [len(root.findall("Declaration")) for root in (first, second)] == [1, 1]
    assert [root.findtext("Declaration/CodeRetourDecla") for root in (first, second)] == [
        "0",
        "3",
    ]


def test_a_test_envoi_has_no_crm() -> None:
    received = take_in(monthly().replace(b"S10.G00.00.005,'02'", b"S10.G00.00.005,'01'"))
    declaration = received.declarations.get()
    assert (declaration.crm.name, declaration.crm_return_code) == ("", "")


def test_a_declaration_that_fails_after_its_crm_is_written_leaves_no_crm_file(
    media_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    save = DsnDeclaration.save

    def fail(self: DsnDeclaration, *args: Any, **kwargs: Any) -> None:
        if "crm" in (kwargs.get("update_fields") or ()):
            assert self.crm.storage.exists(self.crm.name or "")  # written, then the failure
            raise RuntimeError("panne de la base")
        save(self, *args, **kwargs)

    monkeypatch.setattr(DsnDeclaration, "save", fail)
    with pytest.raises(RuntimeError, match="panne de la base"):
        take_in(monthly())
    assert not DsnDeclaration.objects.exists()
    assert list((media_root / "dsn" / "crm").rglob("*.xml")) == []


def test_staff_download_the_crm_from_the_files_page_and_each_download_is_audited(
    staff_user: User, client: Client
) -> None:
    received = take_in(identified(monthly()))
    declaration, data, _ = crm_of(received)
    name = declaration.crm_file_name
    url = f"/backoffice/dsn/dsnfile/{received.pk}/crm/1/"
    assert client.get(url).status_code == 302  # the login page: staff only
    client.force_login(staff_user)
    page = client.get(f"/backoffice/dsn/dsnfile/{received.pk}/change/").content.decode()
    assert f'<a href="{url}">Déclaration 1 : {name}</a> (code retour 0)' in page
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert b"".join(response.streaming_content) == data  # type: ignore[attr-defined]
    event = AuditEvent.objects.get(action="dsn_crm_downloaded")
    assert (event.actor_id, event.target_id, event.details) == (
        staff_user.pk,
        str(declaration.pk),
        {"file": received.pk},
    )
    assert client.get(f"/backoffice/dsn/dsnfile/{received.pk}/crm/2/").status_code == 404


def wrong_total(data: bytes) -> bytes:
    """The file with its S90 rubriques total one too many: refused as a whole (EFIC06)."""
    text = data.decode("latin-1")
    total = re.search(r"S90\.G00\.90\.001,'(\d+)'", text)
    assert total is not None
    return text.replace(total.group(0), f"S90.G00.90.001,'{int(total.group(1)) + 1}'").encode(
        "latin-1"
    )


def test_a_refused_file_with_its_ids_has_a_crm_code_3_with_its_file_level_returns() -> None:
    data = wrong_total(identified(monthly()))
    received = take_in(data, "refuse.dsn")
    assert received.status == DsnFileStatus.REFUSED
    assert not received.declarations.exists()
    assert FNMF_NAME.fullmatch(received.crm_file_name)
    assert received.crm_return_code == "3"
    with received.crm.open("rb") as handle:
        xml = handle.read()
    assert xml.startswith(b"<?xml version='1.0' encoding='ISO-8859-1'?>")
    root = ET.fromstring(xml)
    assert root.attrib["IdEnvoi"] == ENVOI_ID
    declaration = fields(next(root.iter("Declaration")))
    assert {k: declaration[k] for k in ("IdDec", "CodeOC", "NbreSal", "NbreAff")} == {
        "IdDec": DECLARATION_ID,
        "CodeOC": "A99999",
        "NbreSal": "0",
        "NbreAff": "0",
    }
    assert (declaration["CodeRetourDecla"], declaration["NbreErreur"]) == ("3", "1")
    lines = data.decode("latin-1").splitlines()
    total_line = next(i for i, line in enumerate(lines, 1) if line.startswith("S90.G00.90.001"))
    assert [
        (
            r["CodeRetourMetier"],
            r["CriticiteRetour"],
            r["DescriptionRetour"],
            r["RubriqueBlocRetour"],
        )
        for r in returns(root)
    ] == [("EFIC06", "bloquante", f"Ligne {total_line}", "S90.G00.90.001")]
    assert returns(root)[0]["ValeurRubriqueErreur"] == lines[total_line - 1][16:-1]


def test_a_refused_file_without_the_concentrators_ids_has_no_crm() -> None:
    received = take_in(wrong_total(monthly()), "refuse.dsn")
    assert received.status == DsnFileStatus.REFUSED
    assert (received.crm.name, received.crm_return_code) == ("", "")


def test_staff_download_a_refused_files_crm_and_the_download_is_audited(
    staff_user: User, client: Client
) -> None:
    received = take_in(wrong_total(identified(monthly())), "refuse.dsn")
    with received.crm.open("rb") as handle:
        data = handle.read()
    url = f"/backoffice/dsn/dsnfile/{received.pk}/crm/refus/"
    assert client.get(url).status_code == 302  # the login page: staff only
    client.force_login(staff_user)
    page = client.get(f"/backoffice/dsn/dsnfile/{received.pk}/change/").content.decode()
    assert f'<a href="{url}">Déclaration refusée : {received.crm_file_name}</a>' in page
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{received.crm_file_name}"'
    assert b"".join(response.streaming_content) == data  # type: ignore[attr-defined]
    event = AuditEvent.objects.get(action="dsn_crm_downloaded")
    assert (event.actor_id, event.target_id, event.details) == (
        staff_user.pk,
        str(received.pk),
        {"file": received.pk},
    )
    accepted = take_in(identified(monthly()), "accepte.dsn")
    assert client.get(f"/backoffice/dsn/dsnfile/{accepted.pk}/crm/refus/").status_code == 404
