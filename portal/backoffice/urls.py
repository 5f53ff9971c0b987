"""The insurer's working screens, under /backoffice/ beside the Django admin (set-up)."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, path

from portal.backoffice import (
    accesses,
    api_keys,
    assistance,
    cards,
    debits,
    dossier,
    dsn_anomalies,
    portability,
    queues,
)
from portal.backoffice import campaign as campaign_views
from portal.backoffice import member_requests as member_request_views

app_name = "backoffice"

urlpatterns: list[URLPattern | URLResolver] = [
    # "À traiter" is the back office's home; the admin's own index moves to "Paramétrage".
    path("", queues.to_process, name="queue"),
    path("parametrage/", admin.site.admin_view(admin.site.index), name="settings"),
    path("a-traiter/prendre/", queues.take, name="take"),
    path("a-traiter/reprendre/", queues.confirm_takeover, name="takeover"),
    path("a-traiter/liberer/", queues.release, name="release"),
    path("dossiers/mise-en-gestion/", dossier.bulk_page, name="bulk"),
    path("dossiers/<int:request_id>/", dossier.dossier_page, name="dossier"),
    path(
        "dossiers/<int:request_id>/document/<slug:kind>/<int:pk>/",
        dossier.dossier_document,
        name="dossier_document",
    ),
    path(
        "dossiers/<int:request_id>/decision/<slug:decision>/",
        dossier.decide,
        name="decide",
    ),
    path("anomalies-dsn/", dsn_anomalies.anomalies, name="dsn_anomalies"),
    path("anomalies-dsn/traitee/", dsn_anomalies.handled, name="dsn_anomalies_handled"),
    path("cartes/<int:card_id>/carte.pdf", cards.card_pdf, name="card"),
    path("prelevements/", debits.debit_runs, name="debit_runs"),
    path("demandes-adherents/", member_request_views.queue, name="member_requests"),
    path(
        "demandes-adherents/<int:request_id>/",
        member_request_views.decision,
        name="member_request",
    ),
    path(
        "demandes-adherents/<int:request_id>/justificatif/",
        member_request_views.proof,
        name="member_request_proof",
    ),
    path(
        "demandes-adherents/<int:request_id>/accepter/",
        member_request_views.accept,
        name="member_request_accept",
    ),
    path(
        "demandes-adherents/<int:request_id>/refuser/",
        member_request_views.refuse,
        name="member_request_refuse",
    ),
    path("portabilites/", portability.register, name="portability_register"),
    path("portabilites/<int:termination_id>/", portability.portability_page, name="portability"),
    path(
        "portabilites/<int:termination_id>/fin-anticipee/",
        portability.end_early,
        name="portability_end",
    ),
    path(
        "portabilites/justificatifs/<int:proof_id>/fichier/",
        portability.proof_file,
        name="portability_proof",
    ),
    path(
        "portabilites/justificatifs/<int:proof_id>/decision/",
        portability.decide,
        name="portability_decide",
    ),
    path("cles-api/", api_keys.api_keys, name="api_keys"),
    path("acces/", accesses.accesses, name="accesses"),
    path("assistance/", assistance.assistance, name="assistance"),
    path("avancee-des-adhesions/", campaign_views.campaign, name="campaign"),
    path("assistance/<int:session_id>/terminer/", assistance.end, name="assistance_end"),
    path("acces/<int:access_id>/arreter/", accesses.stop, name="access_stop"),
    path("cles-api/<int:key_id>/revoquer/", api_keys.revoke, name="api_key_revoke"),
    path("prelevements/<int:run_id>/", debits.debit_run, name="debit_run"),
    path("prelevements/<int:run_id>/fichier/", debits.debit_run_file, name="debit_run_file"),
]
