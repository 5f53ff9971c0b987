from django.urls import path

from portal.imports import views

app_name = "imports"
base = "entreprises/<int:company_id>/mes-demandes/"
urlpatterns = [
    path(f"{base}ajouter/fichier/", views.upload, name="upload"),
    path(f"{base}ajouter/fichier/modele.<spreadsheet:extension>", views.template, name="template"),
    path(f"{base}imports/", views.history, name="history"),
    path(f"{base}imports/<int:batch_id>/", views.batch_detail, name="batch"),
    path(f"{base}imports/<int:batch_id>/rejet.xlsx", views.rejection_file, name="rejection_file"),
    path(f"{base}imports/<int:batch_id>/corrections/", views.correct, name="correct"),
]
