from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from portal.enrollment.models import Employee, Invitation, Membership


class MembershipInline(admin.TabularInline[Membership, Employee]):
    model = Membership
    extra = 0
    fields = ["member_number", "contract", "insured_group", "effective_date", "status", "end_date"]
    readonly_fields = ["member_number", "contract", "insured_group"]
    can_delete = False


@admin.register(Employee)
class EmployeeAdmin(admin.ModelAdmin[Employee]):
    list_display = ["last_name", "first_name", "company", "employee_number", "hire_date"]
    search_fields = ["last_name", "first_name", "employee_number", "company__legal_name"]
    list_select_related = ["company"]
    exclude = ["nir_digest", "user"]
    readonly_fields = ["company", "created_at"]
    inlines = [MembershipInline]

    def save_model(self, request: HttpRequest, obj: Employee, form: Any, change: bool) -> None:
        obj.set_search_names()
        super().save_model(request, obj, form, change)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ["member_number", "employee", "contract", "insured_group", "status"]
    list_filter = ["status"]
    search_fields = ["member_number", "employee__last_name"]
    list_select_related = ["employee", "contract", "insured_group"]
    readonly_fields = ["employee", "contract", "member_number"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin[Invitation]):
    list_display = ["membership", "sent_at", "expires_at", "used_at", "revoked_at", "reminders"]
    exclude = ["token", "token_hash"]
    readonly_fields = [
        "membership",
        "sent_at",
        "expires_at",
        "used_at",
        "revoked_at",
        "reminders",
        "last_reminder_at",
    ]

    def has_add_permission(self, request: object) -> bool:
        return False
