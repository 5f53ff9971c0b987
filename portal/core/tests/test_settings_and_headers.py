from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from cryptography.fernet import Fernet
from django.test import Client
from django.urls import reverse

if TYPE_CHECKING:  # a type only: the fixture comes from the root conftest
    from portal.companies.models import Company

ROOT = Path(__file__).resolve().parents[3]


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PORTAL_"))}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = load_settings(PORTAL_ENV="production", ALTCHA_HMAC_KEY="x")
    assert result.returncode == 1
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_with_debug_on() -> None:
    result = load_settings(
        PORTAL_ENV="production", DJANGO_SECRET_KEY="k" * 60, DJANGO_DEBUG="1", ALTCHA_HMAC_KEY="x"
    )
    assert result.returncode == 1
    assert "DJANGO_DEBUG must be off in production" in result.stderr


PRODUCTION_SECRETS = {
    "PORTAL_ENV": "production",
    "DJANGO_SECRET_KEY": "k" * 60,
    "ALTCHA_HMAC_KEY": "x",
    "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "BLIND_INDEX_KEY": "b" * 40,
    "SEPA_CREDITOR_ID": "FR69ZZZ651190",
    "SEPA_CREDITOR_NAME": "Mutuelle",
    "SEPA_CREDITOR_IBAN": "FR7630006000011234567890189",
    "SEPA_CREDITOR_BIC": "AGRIFRPPXXX",
    "SIGNING_KEY_FILE": "/etc/portal/signing-key.pem",
    "SIGNING_CERT_FILE": "/etc/portal/signing-cert.pem",
    "SIGNING_KEY_PASSPHRASE": "p",
}


def test_production_starts_with_its_secrets() -> None:
    result = load_settings(**PRODUCTION_SECRETS)
    assert result.returncode == 0, result.stderr


def test_production_refuses_to_start_without_a_sepa_creditor_identifier() -> None:
    secrets = {k: v for k, v in PRODUCTION_SECRETS.items() if k != "SEPA_CREDITOR_ID"}
    result = load_settings(**secrets)
    assert result.returncode == 1
    assert "SEPA_CREDITOR_ID must be set in production." in result.stderr


@pytest.mark.parametrize("name", ["SEPA_CREDITOR_NAME", "SEPA_CREDITOR_IBAN", "SEPA_CREDITOR_BIC"])
def test_production_refuses_to_start_without_the_creditor_account(name: str) -> None:
    secrets = {k: v for k, v in PRODUCTION_SECRETS.items() if k != name}
    result = load_settings(**secrets)
    assert result.returncode == 1
    assert f"{name} must be set in production." in result.stderr


def test_production_refuses_to_start_without_its_signing_key() -> None:
    secrets = {k: v for k, v in PRODUCTION_SECRETS.items() if k != "SIGNING_KEY_FILE"}
    result = load_settings(**secrets)
    assert result.returncode == 1
    assert (
        "SIGNING_KEY_FILE, SIGNING_CERT_FILE and SIGNING_KEY_PASSPHRASE must be set"
        in result.stderr
    )


def test_production_refuses_to_start_without_encryption_keys() -> None:
    result = load_settings(PORTAL_ENV="production", DJANGO_SECRET_KEY="k" * 60, ALTCHA_HMAC_KEY="x")
    assert result.returncode == 1
    assert "FIELD_ENCRYPTION_KEYS and BLIND_INDEX_KEY must be set" in result.stderr


@pytest.mark.parametrize("environment", ["production", "demo"])
def test_production_and_the_demo_hash_passwords_with_argon2(environment: str) -> None:
    result = print_settings(
        "PASSWORD_HASHERS[0]", **{**PRODUCTION_SECRETS, "PORTAL_ENV": environment}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["'portal.accounts.hashers.TunedArgon2PasswordHasher'"]


def test_argon2_parameters_below_owasp_minimum_are_refused() -> None:
    result = load_settings(**{**PRODUCTION_SECRETS, "ARGON2_MEMORY_KIB": "8192"})
    assert result.returncode == 1
    assert "ARGON2_* below OWASP's minimum (19456 KiB, 2 passes, 1 lane)." in result.stderr


@pytest.mark.django_db
def test_pages_carry_security_headers(client: Client) -> None:
    response = client.get(reverse("accounts:login"))
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_private_pages_are_not_cached(client_a: Client, company_a: Company) -> None:
    response = client_a.get(reverse("employer:home", args=[company_a.pk]))
    assert response["Cache-Control"] == "no-store"


def print_settings(*names: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PORTAL_"))}
    code = "import django; django.setup(); from django.conf import settings; " + "; ".join(
        f"print(repr(settings.{name}))" for name in names
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_demo_runs_with_debug_off_and_keeps_its_outbox() -> None:
    result = print_settings("DEBUG", "DEV_OUTBOX", "WHITENOISE_USE_FINDERS", PORTAL_ENV="demo")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True"]


def test_a_brand_colour_not_written_rrggbb_is_refused() -> None:
    result = load_settings(PORTAL_ENV="demo", BRAND_PRIMARY_COLOR="blue")
    assert result.returncode == 1
    assert "BRAND_PRIMARY_COLOR must be a colour written #rrggbb." in result.stderr


def test_the_brand_is_read_from_its_settings() -> None:
    result = print_settings(
        "PORTAL_BRAND['insurer_name']",
        "PORTAL_BRAND['logo']",
        "PORTAL_BRAND['primary_color']",
        "PORTAL_BRAND['accent_color']",
        PORTAL_ENV="demo",
        BRAND_NAME="Mutuelle Exemple",
        BRAND_LOGO="brand/exemple.svg",
        BRAND_PRIMARY_COLOR="#123456",
        BRAND_ACCENT_COLOR="#abcdef",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "'Mutuelle Exemple'",
        "'brand/exemple.svg'",
        "'#123456'",
        "'#abcdef'",
    ]
