from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html

from portal.accounts.models import User
from portal.backoffice import decisions
from portal.core.admin import ReadOnlyAdminMixin
from portal.core.errors import BusinessError
from portal.core.plural import counted
from portal.signatures.journey import close_enrollment, send_back_enrollment
from portal.terminations.services import cancel_termination, close_termination
from portal.tracking.models import Reason, Request, RequestEvent
from portal.waivers.models import Waiver


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

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        # "Avancée des adhésions" links one company's requests (no sidebar of 1,000 companies).
        return lookup == "company__id__exact" or super().lookup_allowed(lookup, value, request)

    actions = [
        "close_enrollments",
        "send_back_enrollments",
        "close_terminations",
        "cancel_terminations",
        "grant_waivers",
        "refuse_waivers",
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
        "dossier",
        "waiver_documents",
    ]
    exclude = ["search_name"]
    inlines = [RequestEventInline]

    @admin.display(description="dossier")
    def dossier(self, item: Request) -> str:
        """The dossier page: the check on one page and its decisions."""
        url = reverse("backoffice:dossier", args=[item.pk])
        return format_html('<a href="{}">Ouvrir le dossier</a>', url)

    @admin.display(description="dispense")
    def waiver_documents(self, item: Request) -> str:
        """For a "Dispense" request: the waiver, its proof to view and its signed request."""
        waiver = Waiver.objects.filter(request=item).first()
        if waiver is None:
            return "—"
        document = "admin:waivers_waiver_document"
        links = [(reverse("admin:waivers_waiver_change", args=[waiver.pk]), "Voir la dispense")]
        if waiver.proof:
            url = reverse(document, args=[waiver.pk, "justificatif"]) + "?affichage=page"
            links.append((url, "Voir le justificatif"))
        if waiver.signed_request_pdf:
            url = reverse(document, args=[waiver.pk, "demande-signee"]) + "?affichage=page"
            links.append((url, "Voir la demande signée"))
        return format_html(
            "{} — " + " · ".join(['<a href="{}" target="_blank">{}</a>'] * len(links)),
            waiver.get_status_display(),
            *[part for link in links for part in link],
        )

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

    def _waivers(self, request: HttpRequest, queryset: QuerySet[Request]) -> list[Request]:
        chosen = list(queryset.filter(reason=Reason.WAIVER).select_related("employee"))
        if len(chosen) < queryset.count():
            self.message_user(
                request, "Seules les demandes de dispense sont traitées.", messages.WARNING
            )
        return chosen

    @admin.action(description="Accepter la dispense (justificatif vérifié)")
    def grant_waivers(self, request: HttpRequest, queryset: QuerySet[Request]) -> None:
        user = request.user
        assert isinstance(user, User)
        for item in self._waivers(request, queryset):
            try:
                # A first waiver or a new proof that keeps one: the dossier's own decision.
                decisions.accept_waiver(request_id=item.pk, by=user, reasons=[], text="")
            except BusinessError as error:
                self.message_user(request, f"{item.employee} : {error.message}", messages.ERROR)
            else:
                self.message_user(
                    request, f"{item.employee} : dispense accordée.", messages.SUCCESS
                )

    @admin.action(description="Refuser la dispense (motif communiqué au salarié)…")
    def refuse_waivers(
        self, request: HttpRequest, queryset: QuerySet[Request]
    ) -> HttpResponse | None:
        user = request.user
        assert isinstance(user, User)
        reason = request.POST.get("motif", "")
        if "apply" not in request.POST or not reason.strip():
            return self._ask_reason(
                request,
                queryset,
                action="refuse_waivers",
                title="Refuser la dispense",
                label="Motif du refus, communiqué au salarié",
                explanation="Le salarié reçoit ce motif par e-mail : son adhésion devient "
                "obligatoire et sa demande d'affiliation reste « En attente ».",
            )
        for item in self._waivers(request, queryset):
            try:
                decisions.refuse_waiver(request_id=item.pk, by=user, reasons=[], text=reason)
            except BusinessError as error:
                self.message_user(request, f"{item.employee} : {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"{item.employee} : dispense refusée.", messages.SUCCESS)
        return None
