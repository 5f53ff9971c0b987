from django.urls import path

from portal.tracking import views

app_name = "tracking"
base = "entreprises/<int:company_id>/"
urlpatterns = [
    path(f"{base}mes-demandes/", views.requests_list, name="requests"),
    path(f"{base}mes-demandes/<int:request_id>/relancer/", views.remind, name="remind"),
    path(f"{base}mes-demandes/relancer/", views.remind_selected, name="remind_selected"),
    path(f"{base}mes-demandes/<int:request_id>/annuler/", views.cancel_request, name="cancel"),
    path(f"{base}mes-demandes/ajouter/", views.add_employees, name="add"),
    path(f"{base}mes-demandes/ajouter/formulaire/", views.declare, name="declare"),
    path(f"{base}mes-demandes/ajouter/adresse/", views.confirm_address, name="confirm_address"),
    path(f"{base}mes-demandes/ajouter/verifier/", views.review, name="review"),
    path(f"{base}mes-demandes/ajouter/annuler/", views.cancel_declaration, name="cancel"),
]
