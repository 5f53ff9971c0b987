from django.contrib import admin
from django.urls import include, path, register_converter
from django.views import defaults

from portal.accounts.views import backoffice_login, root
from portal.api import urls as _api
from portal.api.errors import ApiError
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
    path("", include("portal.assistance.urls")),
    path("", include("portal.member_requests.urls")),
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

# Under /api/, what Django itself refuses is a problem (application/problem+json) as well.
handler400 = _api._problem_or_page(
    400, defaults.bad_request, ApiError.INVALID_REQUEST, detail="requête illisible."
)
handler403 = _api._problem_or_page(
    403, defaults.permission_denied, ApiError.AUTHENTICATION_REQUIRED
)
handler404 = _api._problem_or_page(404, defaults.page_not_found, ApiError.NOT_FOUND, what="Adresse")
handler500 = _api._problem_or_page(500, defaults.server_error, ApiError.SERVER_ERROR)
