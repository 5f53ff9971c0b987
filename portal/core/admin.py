from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from portal.core.models import AuditEvent


class ReadOnlyAdminMixin:
    """Business data is read in the back office, never added, changed nor deleted by a raw
    form: it moves through the services (admin actions and correction pages call them)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """The audit log is read-only, for everyone."""

    list_display = ["occurred_at", "action", "actor", "target_type", "target_id", "company_id"]
    list_filter = ["action"]
    list_select_related = ["actor"]
    search_fields = ["action", "target_id"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
