from __future__ import annotations

from argon2 import Parameters, extract_parameters
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, make_password
from django.test import override_settings

ARGON2 = [
    "portal.accounts.hashers.TunedArgon2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]


def parameters_of(encoded: str) -> Parameters:
    """The Argon2 parameters of a Django hash ("argon2$argon2id$v=19$m=…")."""
    return extract_parameters("$" + encoded.split("$", 1)[1])


@override_settings(PASSWORD_HASHERS=ARGON2)
def test_a_new_hash_is_argon2id_with_owasps_parameters() -> None:
    encoded = make_password("Bonjour-2026!")
    parameters = parameters_of(encoded)
    assert parameters.type.name == "ID"
    assert (parameters.memory_cost, parameters.time_cost, parameters.parallelism) == (19456, 2, 1)
    assert check_password("Bonjour-2026!", encoded)
    assert not check_password("Bonjour-2027!", encoded)


@override_settings(PASSWORD_HASHERS=ARGON2)
def test_a_hash_made_with_djangos_parameters_still_logs_in_and_is_made_again() -> None:
    django_hasher = Argon2PasswordHasher()
    old = django_hasher.encode("Bonjour-2026!", django_hasher.salt())
    assert parameters_of(old).memory_cost == 102400
    remade: list[str] = []
    assert check_password("Bonjour-2026!", old, setter=remade.append)
    assert remade == ["Bonjour-2026!"]  # Django then saves make_password() of it


@override_settings(PASSWORD_HASHERS=ARGON2, ARGON2_MEMORY_KIB=47104, ARGON2_TIME_COST=1)
def test_the_parameters_come_from_the_settings() -> None:
    parameters = parameters_of(make_password("Bonjour-2026!"))
    assert (parameters.memory_cost, parameters.time_cost, parameters.parallelism) == (47104, 1, 1)
