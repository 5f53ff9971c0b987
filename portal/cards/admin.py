"""Back office: the cards are read-only; staff download one (audited: names, birth dates)."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from portal.accounts.models import User
from portal.cards.models import MembershipCard
from portal.cards.services import record_download
from portal.cards.views import card_response
from portal.core.admin import AuditedReadMixin, ReadOnlyAdminMixin

DOWNLOAD_LABEL = "Télécharger la carte"


@admin.register(MembershipCard)
class MembershipCardAdmin(AuditedReadMixin, ReadOnlyAdminMixin, admin.ModelAdmin[MembershipCard]):
    audited_shows = ("document",)
    audited_company = "membership__contract__company_id"
    list_display = [
        "membership",
        "version",
        "valid_from",
        "valid_until",
        "ends_at",
        "issued_at",
        "superseded_at",
        "download",
    ]
    list_filter = ["valid_until"]
    search_fields = ["membership__member_number"]
    list_select_related = ["membership"]
    fields = readonly_fields = (
        "membership",
        "version",
        "valid_from",
        "valid_until",
        "ends_at",
        "issued_at",
        "superseded_at",
        "download",
    )

    def get_urls(self) -> list[URLPattern]:
        download = path(
            "<int:card_id>/carte.pdf",
            self.admin_site.admin_view(self.download_view),
            name="cards_membershipcard_pdf",
        )
        return [download, *super().get_urls()]

    @admin.display(description="PDF")
    def download(self, card: MembershipCard) -> str:
        url = reverse("admin:cards_membershipcard_pdf", args=[card.pk])
        return format_html('<a href="{}">{}</a>', url, DOWNLOAD_LABEL)

    def download_view(self, request: HttpRequest, card_id: int) -> HttpResponse:
        found = (
            MembershipCard.objects.select_related("membership__contract").filter(pk=card_id).first()
        )
        if found is None:
            raise Http404
        if not self.has_view_permission(request, found):
            raise PermissionDenied
        assert isinstance(request.user, User)
        record_download(card=found, by=request.user, request=request)
        return card_response(found)
