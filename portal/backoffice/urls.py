"""The insurer's working screens, under /backoffice/ beside the Django admin (set-up)."""

from django.urls import URLPattern, URLResolver, path

from portal.backoffice import debits

app_name = "backoffice"

urlpatterns: list[URLPattern | URLResolver] = [
    path("prelevements/", debits.debit_runs, name="debit_runs"),
    path("prelevements/<int:run_id>/", debits.debit_run, name="debit_run"),
    path("prelevements/<int:run_id>/fichier/", debits.debit_run_file, name="debit_run_file"),
]
