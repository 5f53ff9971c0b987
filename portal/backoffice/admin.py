"""The insurer's back office is Django's admin, in French, for staff logins only."""

from django.conf import settings
from django.contrib import admin

admin.site.site_header = f"Back-office — {settings.PORTAL_BRAND['insurer_name']}"
admin.site.site_title = "Back-office"
admin.site.index_title = "Gestion des entreprises, contrats et correspondants"
