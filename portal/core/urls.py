from django.urls import path

from portal.core import views

app_name = "core"
urlpatterns = [
    path("accessibilite/", views.accessibility_statement, name="accessibility"),
]
