"""Settings for the portal: one file, driven by the environment (see .env.example)."""

import datetime
import hashlib
import hmac
import os
import re
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    return env(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(env(name, str(default)))


# "demo" runs on one machine with the development outbox; "test" is the test suite;
# "production" refuses to start without its secrets.
ENVIRONMENT = env("PORTAL_ENV", "production")
if ENVIRONMENT not in {"production", "demo", "test"}:
    raise ImproperlyConfigured("PORTAL_ENV must be production, demo or test.")
DEMO = ENVIRONMENT == "demo"

# The demo runs as production does (DEBUG off: the styled 403/404 pages, no URL list); only its
# development outbox differs. DJANGO_DEBUG=1 turns Django's debug pages on for development.
DEBUG = env_bool("DJANGO_DEBUG")
SECRET_KEY = env("DJANGO_SECRET_KEY")
if ENVIRONMENT == "production":
    if not SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set (50+ random characters).")
    if DEBUG:
        raise ImproperlyConfigured("DJANGO_DEBUG must be off in production.")
elif not SECRET_KEY:
    SECRET_KEY = "insecure-development-key-for-" + ENVIRONMENT + "-only-never-in-production"

ALLOWED_HOSTS = [h for h in env("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env("DJANGO_CSRF_TRUSTED_ORIGINS").split(",") if o]
SITE_URL = env("PORTAL_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_altcha",
    "django_tasks",
    "django_tasks_db",
    "portal.core",
    "portal.accounts",
    "portal.companies",
    "portal.enrollment",
    "portal.tracking",
    "portal.waivers",
    "portal.terminations",
    "portal.imports",
    "portal.notifications",
    "portal.documents",
    "portal.signatures",
    "portal.cards",
    "portal.assistance",
    "portal.journey",
    "portal.employer",
    "portal.backoffice",
    "portal.api",
    "portal.dsn",
    "portal.billing",
    "portal.member_requests",
    "portal.webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.core.middleware.SecurityHeadersMiddleware",
    "axes.middleware.AxesMiddleware",
    "portal.accounts.middleware.PasswordChangeRequiredMiddleware",
    "portal.accounts.middleware.SecondFactorRequiredMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "builtins": ["portal.core.templatetags.portal"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.core.context_processors.portal",
            ],
        },
    },
]

# Database: SQLite by default, PostgreSQL when DATABASE_URL-like variables are set.
if env("POSTGRES_DB"):
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": env("POSTGRES_DB"),
            "USER": env("POSTGRES_USER", "postgres"),
            "PASSWORD": env("POSTGRES_PASSWORD"),
            "HOST": env("POSTGRES_HOST", "127.0.0.1"),
            "PORT": env("POSTGRES_PORT", "5432"),
            "CONN_MAX_AGE": env_int("POSTGRES_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env("SQLITE_PATH", str(BASE_DIR / "var" / "portal.sqlite3")),
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                # WAL: readers never wait for the writer. A checkpoint every 20,000 pages (80 MB)
                # rather than 1,000: a file import writes ~50 MB a minute.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA wal_autocheckpoint=20000;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A database cache is shared by every web process: it holds the anti-robot replay list.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "portal_cache",
    },
    # The dossier page's signature validations, keyed by the signed file's SHA-256 (same bytes,
    # same result): per process, bounded in size and lifetime (portal.backoffice.dossier).
    "signature_checks": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "signature-checks",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "portal.accounts.backends.IdentifierOrEmailBackend",
]
PASSWORD_HASHERS = [
    "portal.accounts.hashers.TunedArgon2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Argon2id parameters (OWASP Password Storage Cheat Sheet: 19 MiB, 2 passes, 1 lane at least).
ARGON2_MEMORY_KIB = int(env("ARGON2_MEMORY_KIB", "19456"))
ARGON2_TIME_COST = int(env("ARGON2_TIME_COST", "2"))
ARGON2_PARALLELISM = int(env("ARGON2_PARALLELISM", "1"))
if ARGON2_MEMORY_KIB < 19456 or ARGON2_TIME_COST < 2 or ARGON2_PARALLELISM < 1:
    raise ImproperlyConfigured("ARGON2_* below OWASP's minimum (19456 KiB, 2 passes, 1 lane).")
if ENVIRONMENT == "test":
    # Argon2 is slow by design (a tenth of a second and 100 MB per hash): the suite creates
    # thousands of users. Tests only: production and the demo hash with Argon2 (tested).
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "first_name", "last_name")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "portal.accounts.validators.CharacterClassesValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "companies:choose"

# Sessions: a browser session by default; "Se souvenir de moi" keeps it REMEMBER_ME_DAYS.
SESSION_COOKIE_AGE = env_int("SESSION_HOURS", 8) * 3600
REMEMBER_ME_AGE = env_int("REMEMBER_ME_DAYS", 30) * 86400
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Links sent by e-mail to set a password: the reset link is valid 5 minutes (user guide).
PASSWORD_RESET_LINK_MINUTES = env_int("PASSWORD_RESET_LINK_MINUTES", 5)
WELCOME_LINK_DAYS = env_int("WELCOME_LINK_DAYS", 7)
# "Mes coordonnées": the link that confirms a member's new e-mail address.
EMAIL_CHANGE_LINK_HOURS = env_int("EMAIL_CHANGE_LINK_HOURS", 24)

# Lockout after repeated failures (django-axes), keyed by login.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_LOCKOUT_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "portal.accounts.backends.lockout_key"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "portal.accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "portal.core.audit.client_ip"
AXES_VERBOSE = False
# Failures are counted per account by axes: a per-address lockout at 5 would shut out a whole
# office behind one NAT address. Addresses get their own, higher limit (portal.accounts.throttling,
# on the shared cache): failed logins per address, and password-reset e-mails per account and
# per address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 30)
LOGIN_ADDRESS_WINDOW_MINUTES = env_int("LOGIN_ADDRESS_WINDOW_MINUTES", 15)
PASSWORD_RESETS_PER_ACCOUNT = env_int("PASSWORD_RESETS_PER_ACCOUNT", 3)
PASSWORD_RESETS_PER_ADDRESS = env_int("PASSWORD_RESETS_PER_ADDRESS", 10)
PASSWORD_RESET_WINDOW_MINUTES = env_int("PASSWORD_RESET_WINDOW_MINUTES", 60)

# Second factor (django-otp): staff always, HR correspondents as their companies decide
# (Company.hr_two_factor_required). A TOTP app code or one of 10 single-use recovery codes.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "Mon Entreprise")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the back office never shows a device's secret key
OTP_RECOVERY_CODES = 10
# Wrong codes in one login session before it is closed (the password is asked again); each
# device also makes the next try wait longer after each failure (django-otp's throttling).
OTP_SESSION_FAILURE_LIMIT = env_int("OTP_SESSION_FAILURE_LIMIT", 5)
# The enrolment page's key, signed into the form, is valid this long.
OTP_ENROLMENT_MINUTES = 15


# Encryption of identifiers at rest (NIR): Fernet keys, comma-separated, newest first, and
# the key of the lookup digests. Generate with
#   python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
def _derived_key(label: str) -> str:
    import base64
    import hashlib

    return base64.urlsafe_b64encode(hashlib.sha256((label + SECRET_KEY).encode()).digest()).decode()


FIELD_ENCRYPTION_KEYS = [k for k in env("FIELD_ENCRYPTION_KEYS").split(",") if k]
BLIND_INDEX_KEY = env("BLIND_INDEX_KEY")
if ENVIRONMENT == "production" and not (FIELD_ENCRYPTION_KEYS and BLIND_INDEX_KEY):
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS and BLIND_INDEX_KEY must be set.")
FIELD_ENCRYPTION_KEYS = FIELD_ENCRYPTION_KEYS or [_derived_key("field-encryption")]
BLIND_INDEX_KEY = BLIND_INDEX_KEY or _derived_key("blind-index")

# Self-hosted anti-robot check (ALTCHA proof of work): no third-party service.
ALTCHA_HMAC_KEY = env("ALTCHA_HMAC_KEY") or SECRET_KEY
ALTCHA_MAX_NUMBER = env_int("ALTCHA_MAX_NUMBER", 100_000)
ALTCHA_INCLUDE_TRANSLATIONS = True
if ENVIRONMENT == "production" and not env("ALTCHA_HMAC_KEY"):
    raise ImproperlyConfigured("ALTCHA_HMAC_KEY must be set in production.")

# Electronic signature (portal.signatures): the PAdES key and certificate, as PEM files, and the
# passphrase of the key. Production uses the insurer's certificate (an e-seal from a trust service
# provider); the demo and the tests use a self-signed pair made under var/ by
# `manage.py make_signing_certificate` (never committed).
SIGNING_KEY_FILE = env("SIGNING_KEY_FILE")
SIGNING_CERT_FILE = env("SIGNING_CERT_FILE")
SIGNING_KEY_PASSPHRASE = env("SIGNING_KEY_PASSPHRASE")
if ENVIRONMENT == "production" and not (
    SIGNING_KEY_FILE and SIGNING_CERT_FILE and SIGNING_KEY_PASSPHRASE
):
    raise ImproperlyConfigured(
        "SIGNING_KEY_FILE, SIGNING_CERT_FILE and SIGNING_KEY_PASSPHRASE must be set."
    )
_SIGNING_DIR = BASE_DIR / "var" / ("cache/test-signing" if ENVIRONMENT == "test" else "signing")
SIGNING_KEY_FILE = SIGNING_KEY_FILE or str(_SIGNING_DIR / "signing-key.pem")
SIGNING_CERT_FILE = SIGNING_CERT_FILE or str(_SIGNING_DIR / "signing-cert.pem")
if ENVIRONMENT == "test":
    # The tests sign with an encrypted key, as production does.
    SIGNING_KEY_PASSPHRASE = SIGNING_KEY_PASSPHRASE or "test-only-signing-passphrase"
# The place written in each signature ("Lieu" in PDF readers).
SIGNING_LOCATION = env("SIGNING_LOCATION", "France")
# Seal (HMAC-SHA256) of the evidence files. Evidence is kept for the life of the membership plus
# the limitation periods (rules.md R7.4), so its key must outlive a SECRET_KEY rotation: by
# default it is derived from BLIND_INDEX_KEY, which never changes once data exists, under its own
# label so that the two uses stay apart. Set EVIDENCE_SEAL_KEY to give it a key of its own.
EVIDENCE_SEAL_KEY = (
    env("EVIDENCE_SEAL_KEY")
    or hmac.new(BLIND_INDEX_KEY.encode(), b"evidence-seal", hashlib.sha256).hexdigest()
)

# Background tasks: the database queue, run by `manage.py db_worker`.
TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# E-mail: SMTP in production; the demo writes to the worker's console (and the outbox page).
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEMO
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Mon Entreprise <ne-pas-repondre@demo.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 5)
# The /dev/outbox/ page exists in the demo only: it shows the copies the demo's delivery
# backend (DevOutboxBackend) keeps there, secrets included, standing for the inboxes.
DEV_OUTBOX = DEMO
DEV_OUTBOX_DIR = Path(env("DEV_OUTBOX_DIR", str(BASE_DIR / "var" / "dev-outbox")))

# The brand: the insurer's name, its logo (a path under static/) and two colours (#rrggbb), used by
# the pages (CSS custom properties in base.html, the logo in the header) and the PDFs alike.
BRAND_NAME = env("BRAND_NAME", env("INSURER_NAME", "Mutuelle Démo"))
BRAND_LOGO = env("BRAND_LOGO", "brand/logo.svg")
BRAND_PRIMARY_COLOR = env("BRAND_PRIMARY_COLOR", "#0b4f8a")
BRAND_ACCENT_COLOR = env("BRAND_ACCENT_COLOR", "#b34700")
for _name, _colour in (
    ("BRAND_PRIMARY_COLOR", BRAND_PRIMARY_COLOR),
    ("BRAND_ACCENT_COLOR", BRAND_ACCENT_COLOR),
):
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", _colour):
        raise ImproperlyConfigured(f"{_name} must be a colour written #rrggbb.")
if not BRAND_LOGO or BRAND_LOGO.startswith(("/", "http:", "https:")) or ".." in BRAND_LOGO:
    raise ImproperlyConfigured("BRAND_LOGO must be a file path under static/ (brand/logo.svg).")

# Branding and help contacts (the user guide's numbers are examples).
PORTAL_BRAND = {
    "insurer_name": BRAND_NAME,
    "logo": BRAND_LOGO,
    "primary_color": BRAND_PRIMARY_COLOR,
    "accent_color": BRAND_ACCENT_COLOR,
    # The creditor's address printed on SEPA mandates (rules.md R6.1).
    "insurer_address": env("INSURER_ADDRESS", "1 rue de la Démo, 75002 PARIS"),
    "space_name": env("SPACE_NAME", "Mon Entreprise"),
    "employer_help_service": env("EMPLOYER_HELP_SERVICE", "SERVICE RELATION ENTREPRISE"),
    "employer_help_phone": env("EMPLOYER_HELP_PHONE", "0 980 98 98 22"),
    "employer_help_phone_note": env("EMPLOYER_HELP_PHONE_NOTE", "appel non surtaxé"),
    "employer_help_hours": env("EMPLOYER_HELP_HOURS", "du lundi au vendredi de 8h30 à 17h30"),
    "member_help_phone": env("MEMBER_HELP_PHONE", "0 980 98 98 23"),
    # The membership card (tiers payant): the insurer's AMC number ("organisme complémentaire"
    # number health professionals bill) and the line they call to check a member's rights.
    "amc_number": env("AMC_NUMBER", "" if ENVIRONMENT == "production" else "775685365"),
    "health_professionals_phone": env("HEALTH_PROFESSIONALS_PHONE", "0 980 98 98 24"),
    "member_help_hours": env(
        "MEMBER_HELP_HOURS",
        "du lundi au vendredi de 8h30 à 18h30 et le samedi de 8h30 à 12h",
    ),
    # "Déclaration d'accessibilité" (RGAA): who answers a user who cannot reach a content.
    "accessibility_contact_email": env(
        "ACCESSIBILITY_CONTACT_EMAIL",
        "" if ENVIRONMENT == "production" else "accessibilite@demo.example",
    ),
    "accessibility_contact_address": env(
        "ACCESSIBILITY_CONTACT_ADDRESS", env("INSURER_ADDRESS", "1 rue de la Démo, 75002 PARIS")
    ),
}
# The day the accessibility statement was established (YYYY-MM-DD): set it again after each
# new evaluation.
try:
    ACCESSIBILITY_STATEMENT_DATE = datetime.date.fromisoformat(
        env("ACCESSIBILITY_STATEMENT_DATE", "2026-12-02")
    )
except ValueError as error:
    raise ImproperlyConfigured("ACCESSIBILITY_STATEMENT_DATE must be a date YYYY-MM-DD.") from error

# SEPA direct debits of what the employee pays (rules.md §6): the insurer's creditor identifier
# (ICS, issued by the Banque de France through its bank), and the prefix of the mandate
# references (RUM). The demo's ICS is the format example of rules.md R6.3.
SEPA_CREDITOR_ID = env("SEPA_CREDITOR_ID", "" if ENVIRONMENT == "production" else "FR69ZZZ651190")
SEPA_MANDATE_PREFIX = env("SEPA_MANDATE_PREFIX", "ADH")
if ENVIRONMENT == "production" and not SEPA_CREDITOR_ID:
    raise ImproperlyConfigured("SEPA_CREDITOR_ID must be set in production.")
# The creditor's account credited by the debit files (pain.008, portal/billing). The demo's
# IBAN is the format example of rules.md R6.9 (its bank's BIC beside it).
_DEMO_ONLY = ENVIRONMENT != "production"
SEPA_CREDITOR_NAME = env("SEPA_CREDITOR_NAME", BRAND_NAME if _DEMO_ONLY else "")
SEPA_CREDITOR_IBAN = env("SEPA_CREDITOR_IBAN", "FR7630006000011234567890189" if _DEMO_ONLY else "")
SEPA_CREDITOR_BIC = env("SEPA_CREDITOR_BIC", "AGRIFRPPXXX" if _DEMO_ONLY else "")
for _name in ("SEPA_CREDITOR_NAME", "SEPA_CREDITOR_IBAN", "SEPA_CREDITOR_BIC"):
    if not globals()[_name]:
        raise ImproperlyConfigured(f"{_name} must be set in production.")
# R6.6: the debtor is told the amount and date of each debit at least this many calendar days
# before it (the SEPA Core default is 14 unless the contract agrees on less), and the daily
# `prepare_debits` prepares the due dates from then to this many days further.
SEPA_PRENOTIFICATION_DAYS = env_int("SEPA_PRENOTIFICATION_DAYS", 14)
SEPA_PREPARE_WINDOW_DAYS = env_int("SEPA_PREPARE_WINDOW_DAYS", 7)

# Retroactivity: how many days before today an affiliation's "Date d'effet du contrat" and a
# termination's "Date de résiliation" may be (one rule, portal/enrollment/rules.py; older dates
# go to the insurer's staff). TERMINATION_MAX_RETROACTIVE_DAYS is its former name, still read.
RETROACTIVE_MAX_DAYS = env_int(
    "RETROACTIVE_MAX_DAYS", env_int("TERMINATION_MAX_RETROACTIVE_DAYS", 62)
)
# How far ahead of today a termination date may be (default: portal/terminations/rules.py).
TERMINATION_MAX_FUTURE_DAYS = env_int("TERMINATION_MAX_FUTURE_DAYS", 92)

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Production serves collected files (collectstatic); elsewhere WhiteNoise reads the sources.
STATIC_ROOT = BASE_DIR / "staticfiles" if ENVIRONMENT == "production" else None
WHITENOISE_USE_FINDERS = ENVIRONMENT != "production"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# No URL serves MEDIA_ROOT: files leave only through the access-checked views.
MEDIA_URL = "media/"
# Every file is encrypted at rest with FIELD_ENCRYPTION_KEYS (portal/core/files.py), on the disk
# (FILE_STORAGE=disk, the default) or in an S3-compatible bucket (FILE_STORAGE=s3).
FILE_STORAGE = env("FILE_STORAGE", "disk")
if FILE_STORAGE not in {"disk", "s3"}:
    raise ImproperlyConfigured("FILE_STORAGE must be disk or s3.")
_FILE_STORAGES: dict[str, dict[str, Any]] = {
    "disk": {"BACKEND": "portal.core.files.EncryptedFileSystemStorage"},
    "s3": {
        "BACKEND": "portal.core.s3.EncryptedS3Storage",
        # Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, read by boto3 itself.
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env("AWS_S3_REGION_NAME") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    },
}
STORAGES = {
    "default": _FILE_STORAGES[FILE_STORAGE],
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if ENVIRONMENT == "production"
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_PERMISSIONS = 0o640
# Days each kind of stored file is kept (`manage.py purge_files`, daily), from the event named
# (portal/*/file_retention.py); FILE_RETENTION_DAYS="import_file=60,letter=30" overrides some.
FILE_RETENTION_DAYS = {
    "refused_upload": 0,  # issue 12: a refused import or DSN file, at once (its end)
    "import_file": 30,  # import, rejection and DSN files and DSN reports, after the import ends
    "letter": 90,  # the outbox's letters (provisional passwords), after they are queued
    # R8.5 / R7.4: the adhesion's life, then the limitation period (C. civ. 2224, 5 years)
    "signed_dossier": 5 * 365,
    # R8.5: no contract: health data 2 years active + 3 years archived (URSSAF, R2.9)
    "waiver_document": 5 * 365,
    # R8.5 / R7.4: proofs of unemployment benefits, 5 years after the portability's end
    "portability_proof": 5 * 365,
}
for _item in filter(None, env("FILE_RETENTION_DAYS").split(",")):
    _kind, _, _days = _item.partition("=")
    if _kind.strip() not in FILE_RETENTION_DAYS or not _days.strip().isdigit():
        raise ImproperlyConfigured(f"FILE_RETENTION_DAYS: unknown kind or days in {_item!r}.")
    FILE_RETENTION_DAYS[_kind.strip()] = int(_days)
# A file no row references (its transaction rolled back) is deleted once this old.
FILE_ORPHAN_GRACE_HOURS = env_int("FILE_ORPHAN_GRACE_HOURS", 24)
# Static instances of the PDF font, made on first use.
FONT_CACHE_DIR = Path(env("FONT_CACHE_DIR", str(BASE_DIR / "var" / "cache" / "fonts")))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Security headers (production behind HTTPS).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Reverse proxies in front of gunicorn that append the client's address to X-Forwarded-For
# (nginx: `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`): 1 for one nginx,
# 2 for a load balancer then nginx. 0: the header is ignored (REMOTE_ADDR is the client).
# See `portal.core.audit.client_ip`: the per-address login and reset limits rely on it.
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=ENVIRONMENT == "production")
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=ENVIRONMENT == "production")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if ENVIRONMENT == "production" else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# Message delivery backends (portal.notifications.backends). SMS and postal letters need a
# carrier's API in production; until one is configured they stay in the outbox.
# The demo delivers to its /dev/outbox/ (DevOutboxBackend); the tests to memory.
_DEFAULT_BACKEND = (
    "portal.notifications.backends.DevOutboxBackend"
    if DEV_OUTBOX
    else "portal.notifications.backends.MemoryBackend"
    if ENVIRONMENT == "test"
    else "portal.notifications.backends.OutboxBackend"
)
EMAIL_DELIVERY_BACKEND = (
    _DEFAULT_BACKEND if DEV_OUTBOX else "portal.notifications.backends.DjangoEmailBackend"
)
SMS_BACKEND = env("SMS_BACKEND", _DEFAULT_BACKEND)
LETTER_BACKEND = env("LETTER_BACKEND", _DEFAULT_BACKEND)

if ENVIRONMENT == "test":
    # Tasks run inline so that a test sees their effects; the worker is tested on its own.
    TASKS = {
        "default": {
            "BACKEND": env("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
        }
    }
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    ALTCHA_MAX_NUMBER = env_int("ALTCHA_MAX_NUMBER", 2_000)

# Automatic reminders of employees who have not enrolled (daily `manage.py send_reminders`):
# each contract's reminder ladder (`Contract.reminder_ladder`), then an e-mail this many days
# before the link expires.
AUTO_REMINDER_BEFORE_EXPIRY_DAYS = env_int("AUTO_REMINDER_BEFORE_EXPIRY_DAYS", 7)

# Employee import files: size and row limits.
# The API (issue 16): calls a minute per key (then 429 with Retry-After), employees per batch.
API_RATE_LIMIT_PER_MINUTE = env_int("API_RATE_LIMIT_PER_MINUTE", 120)
API_BATCH_MAX = env_int("API_BATCH_MAX", 1000)
# How long a call's answer is kept for its Idempotency-Key (daily `manage.py purge_api_answers`).
API_IDEMPOTENCY_HOURS = env_int("API_IDEMPOTENCY_HOURS", 48)
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_MEGABYTES", 20) * 1024 * 1024
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 100_000)
# Rows declared per transaction: a worker stopped in the middle loses nothing and resumes.
IMPORT_CHUNK_ROWS = env_int("IMPORT_CHUNK_ROWS", 2000)

# DSN files received (back office "Fichiers DSN", `manage.py import_dsn`): size limit.
DSN_MAX_BYTES = env_int("DSN_MAX_MEGABYTES", 200) * 1024 * 1024

# Background jobs (import files, DSN files; portal.core.jobs): a worker holds a job's lease
# and renews it every quarter of JOB_LEASE_SECONDS; a job whose lease passed is resumed by any
# live worker (`manage.py worker` looks every JOB_REAP_SECONDS), at most JOB_MAX_RESUMES times.
JOB_LEASE_SECONDS = env_int("JOB_LEASE_SECONDS", 120)
JOB_REAP_SECONDS = env_int("JOB_REAP_SECONDS", 60)
JOB_MAX_RESUMES = env_int("JOB_MAX_RESUMES", 10)

# Proof documents of waiver requests (PDF, JPEG, PNG): size limit of one file.
PROOF_MAX_MEGABYTES = env_int("PROOF_MAX_MEGABYTES", 5)

# Remote assistance (portal/assistance): once an adviser entered the employee's code, the
# assisted mode lasts at most this long (the code itself is valid 15 minutes).
ASSISTANCE_SESSION_MINUTES = env_int("ASSISTANCE_SESSION_MINUTES", 60)

# Webhooks (portal/webhooks): the POST's timeout; the retry delays after each failed attempt
# (seconds, Standard Webhooks' schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h); an endpoint
# is disabled once no delivery succeeded for WEBHOOKS_DISABLE_AFTER_DAYS days of failures with
# at least WEBHOOKS_DISABLE_MIN_FAILURES attempts failed in a row; delivered and failed messages
# are deleted after WEBHOOKS_KEEP_DAYS. WEBHOOKS_ALLOW_LOCAL lets http:// and local or private
# addresses through (the tests' and the demo's receivers): refused in production.
WEBHOOKS_TIMEOUT_SECONDS = env_int("WEBHOOKS_TIMEOUT_SECONDS", 10)
WEBHOOKS_RETRY_SCHEDULE = [
    int(part)
    for part in env("WEBHOOKS_RETRY_SCHEDULE", "5,300,1800,7200,18000,36000,36000").split(",")
    if part.strip()
]
WEBHOOKS_DISABLE_AFTER_DAYS = env_int("WEBHOOKS_DISABLE_AFTER_DAYS", 5)
WEBHOOKS_DISABLE_MIN_FAILURES = env_int("WEBHOOKS_DISABLE_MIN_FAILURES", 15)
WEBHOOKS_KEEP_DAYS = env_int("WEBHOOKS_KEEP_DAYS", 30)
WEBHOOKS_ALLOW_LOCAL = env_bool("WEBHOOKS_ALLOW_LOCAL", default=ENVIRONMENT != "production")
if ENVIRONMENT == "production" and WEBHOOKS_ALLOW_LOCAL:
    raise ImproperlyConfigured("WEBHOOKS_ALLOW_LOCAL must be off in production.")
