from django.urls import path, register_converter

from portal.imports import views


class TemplateFormat:
    regex = "xlsx|csv"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TemplateFormat, "template_format")

app_name = "imports"
base = "entreprises/<int:company_id>/mes-demandes/"
urlpatterns = [
    path(f"{base}ajouter/fichier/", views.upload, name="upload"),
    path(
        f"{base}ajouter/fichier/modele.<template_format:extension>", views.template, name="template"
    ),
    path(f"{base}imports/", views.history, name="history"),
    path(f"{base}imports/<int:batch_id>/", views.batch_detail, name="batch"),
    path(f"{base}imports/<int:batch_id>/rejet.xlsx", views.rejection_file, name="rejection_file"),
]
