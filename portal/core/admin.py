from datetime import datetime
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from portal.core import audit
from portal.core.audit import AuditAction
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


def company_id_of(obj: models.Model, path: str) -> int | None:
    """The company id reached from `obj` along `path` ("membership__employee__company_id")."""
    value: Any = obj
    for name in path.split("__"):
        value = getattr(value, name, None)
        if value is None:
            return None
    return int(value)


def record_staff_read(
    request: HttpRequest, obj: models.Model, *, shows: tuple[str, ...], company_path: str
) -> None:
    """A staff page showed `obj`'s NIR, IBAN or documents (`shows`): logged (rules.md R8.6).

    A write on GET, the one the project accepts (as the back office dossier page does): it
    changes no business data, only says who read what."""
    audit.record(
        AuditAction.STAFF_RECORD_VIEWED,
        by=request.user,
        target=obj,
        company_id=company_id_of(obj, company_path) if company_path else None,
        request=request,
        shows=list(shows),
    )


class AuditedReadMixin:
    """A change page showing a NIR, an IBAN or documents: each opening by staff writes one
    audit event naming the record (`audited_shows` says what the page shows)."""

    audited_shows: tuple[str, ...] = ()
    audited_company: str = "company_id"  # the path from the record to its company's id

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response: HttpResponse = super().change_view(  # type: ignore[misc]
            request, object_id, form_url, extra_context
        )
        if request.method == "GET" and response.status_code == 200:
            obj = self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
            if obj is not None:
                record_staff_read(
                    request, obj, shows=self.audited_shows, company_path=self.audited_company
                )
        return response


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
