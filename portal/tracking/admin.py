from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal.accounts.models import User
from portal.core.errors import BusinessError
from portal.signatures.journey import close_enrollment, send_back_enrollment
from portal.tracking.models import Reason, Request, RequestEvent


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
    actions = ["close_enrollments", "send_back_enrollments"]
    readonly_fields = [
        "company",
        "employee",
        "membership",
        "reason",
        "state",
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

    def _signed_affiliations(
        self, request: HttpRequest, queryset: QuerySet[Request]
    ) -> list[Request]:
        chosen = list(queryset.filter(reason=Reason.AFFILIATION).select_related("membership"))
        if len(chosen) < queryset.count():
            self.message_user(
                request, "Seules les demandes d'affiliation sont traitées.", messages.WARNING
            )
        return chosen

    @admin.action(description="Clôturer : adhésion signée vérifiée (mise en gestion)")
    def close_enrollments(self, request: HttpRequest, queryset: QuerySet[Request]) -> None:
        user = request.user
        assert isinstance(user, User)
        done = 0
        for item in self._signed_affiliations(request, queryset):
            assert item.membership is not None
            try:
                close_enrollment(membership=item.membership, by=user)
            except BusinessError as error:
                self.message_user(request, f"{item.employee} : {error.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, f"{done} demande(s) clôturée(s).", messages.SUCCESS)

    @admin.action(description="Renvoyer au salarié pour correction…")
    def send_back_enrollments(
        self, request: HttpRequest, queryset: QuerySet[Request]
    ) -> HttpResponse | None:
        user = request.user
        assert isinstance(user, User)
        reason = request.POST.get("motif", "")
        if "apply" not in request.POST or not reason.strip():
            return render(
                request,
                "admin/tracking/send_back.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Renvoyer au salarié pour correction",
                    "requests": queryset,
                    "missing": "apply" in request.POST,
                    "opts": self.model._meta,
                },
            )
        for item in self._signed_affiliations(request, queryset):
            assert item.membership is not None
            try:
                send_back_enrollment(membership=item.membership, reason=reason, by=user)
            except BusinessError as error:
                self.message_user(request, f"{item.employee} : {error.message}", messages.ERROR)
            else:
                self.message_user(
                    request, f"{item.employee} : adhésion renvoyée.", messages.SUCCESS
                )
        return None
