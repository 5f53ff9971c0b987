"""The insurer's working screens, under /backoffice/ beside the Django admin (set-up)."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, path

from portal.backoffice import queues

app_name = "backoffice"

urlpatterns: list[URLPattern | URLResolver] = [
    # "À traiter" is the back office's home; the admin's own index moves to "Paramétrage".
    path("", queues.to_process, name="queue"),
    path("parametrage/", admin.site.admin_view(admin.site.index), name="settings"),
    path("a-traiter/prendre/", queues.take, name="take"),
    path("a-traiter/reprendre/", queues.confirm_takeover, name="takeover"),
    path("a-traiter/liberer/", queues.release, name="release"),
]
