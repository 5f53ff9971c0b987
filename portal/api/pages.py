from django.urls import path

from portal.api import views

app_name = "api_access"
urlpatterns = [
    path("entreprises/<int:company_id>/acces-api/", views.access, name="access"),
    path(
        "entreprises/<int:company_id>/acces-api/<int:key_id>/revoquer/",
        views.revoke,
        name="revoke",
    ),
]
