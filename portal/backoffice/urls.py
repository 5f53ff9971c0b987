"""The insurer's working screens, under /backoffice/ beside the Django admin (set-up)."""

from django.urls import URLPattern, URLResolver, path

from portal.backoffice import debits, dossier

app_name = "backoffice"

urlpatterns: list[URLPattern | URLResolver] = [
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
    path("prelevements/", debits.debit_runs, name="debit_runs"),
    path("prelevements/<int:run_id>/", debits.debit_run, name="debit_run"),
    path("prelevements/<int:run_id>/fichier/", debits.debit_run_file, name="debit_run_file"),
]
