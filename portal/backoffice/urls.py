"""The insurer's working screens, under /backoffice/ beside the Django admin (set-up)."""

from django.urls import URLPattern, URLResolver

app_name = "backoffice"

urlpatterns: list[URLPattern | URLResolver] = []
