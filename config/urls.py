from django.contrib import admin
from django.urls import include, path, register_converter

from portal.accounts.views import backoffice_login, root
from portal.core.converters import SpreadsheetFormat
from portal.notifications.views import dev_outbox, dev_outbox_attachment

register_converter(SpreadsheetFormat, "spreadsheet")

urlpatterns = [
    path("", root, name="root"),
    path("", include("portal.core.urls")),
    path("", include("portal.accounts.urls")),
    path("", include("portal.companies.urls")),
    path("", include("portal.tracking.urls")),
    path("", include("portal.employer.urls")),
    path("", include("portal.journey.urls")),
    path("", include("portal.imports.urls")),
    path("", include("portal.terminations.urls")),
    path("", include("portal.dsn.urls")),
    path("", include("portal.cards.urls")),
    path("", include("portal.webhooks.urls")),
    path("", include("portal.api.urls")),
    path("", include("portal.api.pages")),
    path("backoffice/login/", backoffice_login),
    path("backoffice/", include("portal.backoffice.urls")),
    path("backoffice/", admin.site.urls),
    # Demo only: the view answers 404 unless settings.DEV_OUTBOX.
    path("dev/outbox/", dev_outbox, name="dev_outbox"),
    path(
        "dev/outbox/<int:message_id>/piece-jointe.pdf", dev_outbox_attachment, name="dev_outbox_pdf"
    ),
]
