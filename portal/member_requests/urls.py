"""The member's "Mes bénéficiaires" and "Envoyer un justificatif" pages, in "Mon espace"."""

from django.urls import path

from portal.member_requests import views

app_name = "member_requests"

urlpatterns = [
    path("mon-espace/beneficiaires/", views.beneficiaries, name="beneficiaries"),
    path("mon-espace/beneficiaires/ajouter/<int:membership_id>/", views.add, name="add"),
    path("mon-espace/beneficiaires/<int:dependant_id>/retirer/", views.remove, name="remove"),
    path("mon-espace/justificatifs/envoyer/", views.send_document, name="send_document"),
    path("mon-espace/demandes/<int:request_id>/annuler/", views.withdraw, name="withdraw"),
]
