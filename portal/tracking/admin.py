from django.contrib import admin

from portal.tracking.models import Request, RequestEvent


class RequestEventInline(admin.TabularInline[RequestEvent, Request]):
    model = RequestEvent
    extra = 0
    readonly_fields = ["kind", "at", "actor"]
    can_delete = False

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Request)
class RequestAdmin(admin.ModelAdmin[Request]):
    list_display = ["created_at", "company", "employee", "reason", "state", "source"]
    list_filter = ["reason", "state", "source"]
    search_fields = ["search_name", "company__legal_name"]
    list_select_related = ["company", "employee"]
    readonly_fields = [
        "company",
        "employee",
        "membership",
        "reason",
        "source",
        "created_at",
        "created_by",
        "updated_at",
        "closed_at",
    ]
    exclude = ["search_name"]
    inlines = [RequestEventInline]

    def has_add_permission(self, request: object) -> bool:
        return False
