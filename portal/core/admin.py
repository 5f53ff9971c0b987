from datetime import datetime
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from portal.core.models import AuditEvent


def readable_value(value: object) -> str:
    """A value of a JSON detail as a person reads it: a moment in Paris time."""
    if isinstance(value, str) and len(value) >= 19 and value[10:11] == "T":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            return f"{timezone.localtime(moment):%d/%m/%Y %H:%M:%S}"
    if isinstance(value, list):
        return ", ".join(readable_value(v) for v in value)
    return "—" if value is None or value == "" else str(value)


def readable_details(details: dict[str, Any] | None) -> SafeString:
    """JSON details as a list of "key : value", moments in Paris time (never raw UTC)."""
    if not details:
        return format_html("{}", "—")
    rows = format_html_join(
        "", "<li><code>{}</code> : {}</li>", ((k, readable_value(v)) for k, v in details.items())
    )
    return format_html('<ul class="readable-details">{}</ul>', rows)


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
    fields = readonly_fields = (
        *(f.name for f in AuditEvent._meta.fields if f.name not in {"id", "details"}),
        "readable_details",
    )

    @admin.display(description="détails")
    def readable_details(self, event: AuditEvent) -> SafeString:
        return readable_details(event.details)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
