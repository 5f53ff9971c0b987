#!/usr/bin/env bash
# The whole test suite: lint, types, Django checks, tests on SQLite and on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/chromium.sh
scripts/postgres.sh
export PORTAL_ENV=test
PY=.venv/bin/python

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy"
.venv/bin/mypy portal config e2e bench conftest.py
echo "== import direction (a lower app never imports an upper one)"
.venv/bin/lint-imports --no-cache --no-logo
echo "== Django checks"
$PY manage.py check --fail-level WARNING
$PY manage.py makemigrations --check --dry-run
PORTAL_ENV=production DJANGO_SECRET_KEY="$(openssl rand -hex 40)" ALTCHA_HMAC_KEY=check \
  FIELD_ENCRYPTION_KEYS="$($PY -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
  BLIND_INDEX_KEY="$(openssl rand -hex 32)" SEPA_CREDITOR_ID=FR69ZZZ651190 \
  SEPA_CREDITOR_NAME=Mutuelle SEPA_CREDITOR_IBAN=FR7630006000011234567890189 SEPA_CREDITOR_BIC=AGRIFRPPXXX \
  SIGNING_KEY_FILE=/etc/portal/signing-key.pem SIGNING_CERT_FILE=/etc/portal/signing-cert.pem \
  SIGNING_KEY_PASSPHRASE=check \
  DJANGO_ALLOWED_HOSTS=portal.example $PY manage.py check --deploy --fail-level WARNING

echo "== tests on SQLite"
$PY -m pytest -q -n 2 "$@"
echo "== tests on PostgreSQL"
POSTGRES_DB=portal POSTGRES_USER=postgres POSTGRES_HOST=127.0.0.1 POSTGRES_PORT=${PGPORT:-54329} \
  $PY -m pytest -q -n 2 "$@"
