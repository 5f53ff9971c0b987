from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal.accounts.models import User
from portal.core.admin import ReadOnlyAdminMixin
from portal.core.errors import BusinessError
from portal.core.plural import counted
from portal.signatures.journey import close_enrollment, send_back_enrollment
from portal.terminations.services import cancel_termination, close_termination
from portal.tracking.models import Reason, Request, RequestEvent


class RequestEventInline(ReadOnlyAdminMixin, admin.TabularInline[RequestEvent, Request]):
    model = RequestEvent
    extra = 0
    readonly_fields = ["kind", "at", "actor"]
    can_delete = False


@admin.register(Request)
class RequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Request]):
    list_display = ["created_at", "company", "employee", "reason", "state", "source"]
    list_filter = ["reason", "state", "source"]
    search_fields = ["search_name", "company__legal_name"]
    list_select_related = ["company", "employee"]
    actions = [
        "close_enrollments",
        "send_back_enrollments",
        "close_terminations",
        "cancel_terminations",
    ]
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
            self.message_user(request, counted(done, "demande clôturée") + ".", messages.SUCCESS)

    @admin.action(description="Renvoyer au salarié pour correction…")
    def send_back_enrollments(
        self, request: HttpRequest, queryset: QuerySet[Request]
    ) -> HttpResponse | None:
        user = request.user
        assert isinstance(user, User)
        reason = request.POST.get("motif", "")
        if "apply" not in request.POST or not reason.strip():
            return self._ask_reason(
                request,
                queryset,
                action="send_back_enrollments",
                title="Renvoyer au salarié pour correction",
                label="Ce que le salarié doit corriger",
                explanation="Le salarié pourra corriger son adhésion et la signer de nouveau ; "
                "le dossier signé reste conservé comme preuve. Il reçoit ce motif par e-mail.",
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

    def _ask_reason(
        self,
        request: HttpRequest,
        queryset: QuerySet[Request],
        *,
        action: str,
        title: str,
        label: str,
        explanation: str,
    ) -> HttpResponse:
        return render(
            request,
            "admin/tracking/reason.html",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "label": label,
                "explanation": explanation,
                "action": action,
                "requests": queryset,
                "missing": "apply" in request.POST,
                "opts": self.model._meta,
            },
        )

    def _terminations(self, request: HttpRequest, queryset: QuerySet[Request]) -> list[Request]:
        chosen = list(
            queryset.filter(reason__in=[Reason.TERMINATION, Reason.DEATH]).select_related(
                "termination"
            )
        )
        if len(chosen) < queryset.count():
            self.message_user(
                request, "Seules les demandes de résiliation sont traitées.", messages.WARNING
            )
        return chosen

    @admin.action(description="Clôturer : résiliation traitée (définitive)")
    def close_terminations(self, request: HttpRequest, queryset: QuerySet[Request]) -> None:
        user = request.user
        assert isinstance(user, User)
        for item in self._terminations(request, queryset):
            try:
                close_termination(termination_id=item.termination.pk, by=user)
            except BusinessError as error:
                self.message_user(request, f"{item.employee} : {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"{item.employee} : clôturée.", messages.SUCCESS)

    @admin.action(description="Annuler la résiliation (motif communiqué à l'employeur)…")
    def cancel_terminations(
        self, request: HttpRequest, queryset: QuerySet[Request]
    ) -> HttpResponse | None:
        user = request.user
        assert isinstance(user, User)
        reason = request.POST.get("motif", "")
        if "apply" not in request.POST or not reason.strip():
            return self._ask_reason(
                request,
                queryset,
                action="cancel_terminations",
                title="Annuler la résiliation",
                label="Motif de l'annulation, affiché à l'employeur",
                explanation="L'adhésion est rétablie telle qu'elle était avant la résiliation.",
            )
        for item in self._terminations(request, queryset):
            try:
                cancel_termination(termination_id=item.termination.pk, reason=reason, by=user)
            except BusinessError as error:
                self.message_user(request, f"{item.employee} : {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"{item.employee} : annulée.", messages.SUCCESS)
        return None
