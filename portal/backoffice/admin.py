"""The insurer's back office is Django's admin, in French, for staff logins only."""

from django.conf import settings
from django.contrib import admin

# Registers the Request admin and staff processing (close / send back an enrollment, close /
# cancel a termination) here: tracking sits below the apps whose services they call.
from portal.backoffice import processing  # noqa: F401

admin.site.site_header = f"Back-office — {settings.PORTAL_BRAND['insurer_name']}"
admin.site.site_title = "Back-office"
admin.site.index_title = "Gestion des entreprises, contrats et correspondants"
