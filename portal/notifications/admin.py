from django.contrib import admin
from django.http import HttpRequest

from portal.core.admin import AuditedReadMixin
from portal.notifications.models import OutboundMessage


@admin.register(OutboundMessage)
class OutboundMessageAdmin(AuditedReadMixin, admin.ModelAdmin[OutboundMessage]):
    audited_shows = ("document",)  # a letter's PDF (a provisional password, an address)
    audited_company = ""
    list_display = ["created_at", "channel", "recipient", "subject", "status", "attempts"]
    list_filter = ["channel", "status", "template"]
    search_fields = ["recipient", "subject"]
    # Staff see the redacted copy only: the sealed content (links, codes, provisional
    # passwords until delivery) is never shown, not even decrypted for a staff member.
    exclude = ["sealed"]
    readonly_fields = [f.name for f in OutboundMessage._meta.fields if f.name != "sealed"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
