from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from portal.accounts.views import backoffice_login, root

urlpatterns = [
    path("", root, name="root"),
    path("", include("portal.accounts.urls")),
    path("", include("portal.companies.urls")),
    path("backoffice/login/", backoffice_login),
    path("backoffice/", admin.site.urls),
]

if settings.DEV_OUTBOX:
    from portal.notifications.views import dev_outbox

    urlpatterns.append(path("dev/outbox/", dev_outbox, name="dev_outbox"))
