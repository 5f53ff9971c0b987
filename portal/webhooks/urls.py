from django.urls import path

from portal.webhooks import views

app_name = "webhooks"
base = "entreprises/<int:company_id>/acces-api/webhooks/"
endpoint = f"{base}<int:endpoint_id>/"
urlpatterns = [
    path(base, views.endpoints, name="endpoints"),
    path(f"{base}ajouter/", views.add_endpoint, name="add"),
    path(endpoint, views.endpoint_page, name="endpoint"),
    path(f"{endpoint}secret/", views.rotate_secret, name="rotate_secret"),
    path(f"{endpoint}desactiver/", views.deactivate, name="deactivate"),
    path(f"{endpoint}reactiver/", views.reactivate, name="reactivate"),
    path(f"{endpoint}supprimer/", views.delete, name="delete"),
    path(
        f"{endpoint}livraisons/<int:message_id>/renvoyer/",
        views.replay,
        name="replay",
    ),
]
