from __future__ import annotations

import pytest

from portal.core.addresses import AFNOR_LINE_LENGTH, afnor_line, commune_key, read_postal_codes
from portal.core.models import PostalCode
from portal.core.postal import communes_for, find_commune, load_postal_codes


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("12 bis, rue de l'Église-Saint-Œuvre", "12 BIS RUE DE L EGLISE SAINT OEUVRE"),
        ("  Allée   des Mûriers ", "ALLEE DES MURIERS"),
        ("Bât. C – Résidence Les Pins", "BAT C RESIDENCE LES PINS"),
        ("Lieu-dit « Le Moulin »", "LIEU DIT LE MOULIN"),
        ("ÇA ÆTHER", "CA AETHER"),
        ("", ""),
    ],
)
def test_afnor_line_normalisation(raw: str, normalised: str) -> None:
    assert afnor_line(raw) == normalised


def test_afnor_line_length_is_38() -> None:
    assert AFNOR_LINE_LENGTH == 38


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Saint-Étienne", "ST ETIENNE"),
        ("Sainte-Foy-lès-Lyon", "STE FOY LES LYON"),
        ("Paris", "PARIS"),
    ],
)
def test_commune_names_compare_without_accents_or_abbreviations(a: str, b: str) -> None:
    assert commune_key(a) == commune_key(b)


def test_shipped_list_has_every_pair_once() -> None:
    rows = list(read_postal_codes())
    assert len(rows) == len({(r.postal_code, r.insee_code, r.routing_label) for r in rows})
    assert len(rows) > 35_000
    assert any(r.insee_code.startswith("2A") for r in rows)


@pytest.mark.django_db
def test_migration_loaded_the_postal_codes() -> None:
    assert PostalCode.objects.count() == len(list(read_postal_codes()))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("postal_code", "city", "routing_label"),
    [
        ("75015", "Paris", "PARIS"),
        ("20000", "Ajaccio", "AJACCIO"),
        ("42000", "St Étienne", "SAINT-ETIENNE"),
        ("67000", "strasbourg", "STRASBOURG"),
    ],
)
def test_find_commune_accepts_the_official_commune(
    postal_code: str, city: str, routing_label: str
) -> None:
    found = find_commune(postal_code, city)
    assert found is not None
    assert found.routing_label == routing_label


@pytest.mark.django_db
@pytest.mark.parametrize(("postal_code", "city"), [("75015", "Lyon"), ("99999", "Paris")])
def test_find_commune_refuses_a_mismatch(postal_code: str, city: str) -> None:
    assert find_commune(postal_code, city) is None


@pytest.mark.django_db
def test_a_postal_code_shared_by_several_communes_lists_them_all() -> None:
    names = {r.commune for r in communes_for("01100")}
    assert {"Oyonnax", "Apremont"} <= names


@pytest.mark.django_db
def test_reloading_the_list_replaces_it() -> None:
    count = PostalCode.objects.count()
    assert load_postal_codes() == count
    assert PostalCode.objects.count() == count
