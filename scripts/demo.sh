#!/usr/bin/env bash
# Run the demo: migrate, load the demo data, start the task worker and the web server.
set -euo pipefail
cd "$(dirname "$0")/.."
export PORTAL_ENV=demo
PORT=${PORT:-8000}
export PORTAL_SITE_URL=${PORTAL_SITE_URL:-http://127.0.0.1:$PORT}
PY=.venv/bin/python
$PY manage.py migrate --verbosity 0
$PY manage.py load_demo
$PY manage.py make_signing_certificate
$PY manage.py worker --interval 1 > var/worker.log 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM
cat <<MSG

  Démo prête : http://127.0.0.1:$PORT/
  Boîte d'envoi (e-mails, SMS, courriers) : http://127.0.0.1:$PORT/dev/outbox/
  Back-office : http://127.0.0.1:$PORT/backoffice/

  Identifiants (mot de passe : Demo-2026!)
    rh@demo.example     correspondant RH de trois entreprises (santé et prévoyance,
                        santé seule, prévoyance seule)
    rh2@demo.example    correspondant RH d'ATELIER NUMERIQUE DUPONT (santé seule)
    staff@demo.example  gestionnaire de la mutuelle (back-office)
    monique.puyot@boulangeries-martin.example  adhérente (Mon espace perso :
                        http://127.0.0.1:$PORT/espace-perso/connexion/), carte émise
    didier.lenoir@boulangeries-martin.example  adhérent radié (portabilité)
    thomas.roussel@boulangeries-martin.example  dispensé(e) : sa dispense prend fin
                        dans 25 jours (nouveau justificatif ou adhésion)
    karim.benali@atelier-dupont.example        ancien salarié en portabilité (« Ma portabilité »)
    expert@demo.example expert-comptable invité (« Mes accès ») par les deux correspondants :
                        BOULANGERIES MARTIN SAS et ATELIER NUMERIQUE DUPONT, déclarer et relancer

  API : http://127.0.0.1:$PORT/api/docs/ — clé de démonstration d'ATELIER NUMERIQUE DUPONT :
    mut_demo0001_Demo-2026-cle-de-demonstration-publique

  Double authentification : à sa première connexion, staff@demo.example active une
  application d'authentification (FreeOTP, Google Authenticator… : QR code ou clé à
  saisir), puis saisit son code à chaque connexion ; gardez ses codes de secours.
  Dans la démo, les entreprises rendent le code facultatif aux correspondants RH :
  rh@ et rh2@ se connectent avec le mot de passe seul.

  Parcours salarié : dans la boîte d'envoi, ouvrez l'e-mail « Votre nouvelle mutuelle
  d'entreprise » d'un salarié et son lien « Adhérer au contrat d'entreprise » ; le code
  de signature envoyé par SMS s'y affiche aussi.

  Journal du worker : var/worker.log — Ctrl+C pour arrêter.

MSG
$PY manage.py runserver "127.0.0.1:$PORT"
