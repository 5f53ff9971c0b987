from django.urls import path

from portal.dsn import views

app_name = "dsn"
base = "entreprises/<int:company_id>/"
urlpatterns = [
    path(f"{base}rapprochement-dsn/", views.reconciliation, name="reconciliation"),
]
