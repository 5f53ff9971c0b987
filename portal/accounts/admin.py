from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from portal.accounts.models import OneTimeLink, User
from portal.accounts.second_factor import reset_second_factor
from portal.accounts.services import send_welcome_link, set_login_active
from portal.core.plural import counted


def reset_selected_second_factors(
    model_admin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any]
) -> None:
    """The selected logins enrol a new app at their next login (each reset audited)."""
    count = 0
    for user in queryset:
        reset_second_factor(user=user, by=request.user, request=request)  # type: ignore[arg-type]
        count += 1
    model_admin.message_user(
        request,
        counted(
            count,
            "double authentification réinitialisée,doubles authentifications réinitialisées",
        )
        + " : une nouvelle application sera activée à la prochaine connexion.",
        messages.SUCCESS,
    )


@admin.register(User)
class UserAdmin(admin.ModelAdmin[User]):
    list_display = ["identifier", "email", "last_name", "first_name", "role", "is_active"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["identifier", "email", "last_name", "first_name"]
    fields = [
        "identifier",
        "email",
        "first_name",
        "last_name",
        "role",
        "is_active",
        "is_staff",
        "is_superuser",
        "groups",
        "last_login",
        "date_joined",
    ]
    readonly_fields = ["identifier", "last_login", "date_joined"]
    filter_horizontal = ["groups"]
    actions = ["send_password_link", "reset_two_factor"]

    @admin.action(description="Envoyer un lien de création du mot de passe")
    def send_password_link(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        count = 0
        for user in queryset.filter(is_active=True).exclude(email=""):
            send_welcome_link(user=user, by=request.user)  # type: ignore[arg-type]
            count += 1
        self.message_user(request, counted(count, "lien envoyé") + ".", messages.SUCCESS)

    @admin.action(description="Réinitialiser la double authentification (téléphone perdu)")
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        reset_selected_second_factors(self, request, queryset)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if not change:
            obj.set_unusable_password()
        elif "is_active" in form.changed_data:
            # (De)activation is the service's (audited), before the row is saved with the
            # same value, in the admin's transaction.
            set_login_active(user=obj, active=obj.is_active, by=request.user)  # type: ignore[arg-type]
        super().save_model(request, obj, form, change)
        if not change and obj.email:
            send_welcome_link(user=obj, by=request.user)  # type: ignore[arg-type]


@admin.register(OneTimeLink)
class OneTimeLinkAdmin(admin.ModelAdmin[OneTimeLink]):
    list_display = ["user", "purpose", "created_at", "expires_at", "used_at"]
    list_filter = ["purpose"]
    readonly_fields = ["user", "purpose", "created_at", "expires_at", "used_at"]
    exclude = ["token_hash"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
