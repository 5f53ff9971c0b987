from django.urls import path

from portal.terminations import views

app_name = "terminations"
base = "entreprises/<int:company_id>/"
urlpatterns = [
    path(f"{base}portabilites/", views.register, name="register"),
    path(f"{base}adhesions/<int:membership_id>/resilier/", views.terminate, name="terminate"),
    path(f"{base}resiliations/<int:termination_id>/annuler/", views.undo, name="undo"),
    path(
        f"{base}resiliations/<int:termination_id>/attestation-portabilite.pdf",
        views.certificate,
        name="certificate",
    ),
]
