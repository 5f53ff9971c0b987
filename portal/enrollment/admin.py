"""Back office: employees and memberships are read-only; staff correct an employee through
`correct_employee` (the one validation path), statuses move only through the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from portal.accounts.models import User
from portal.core.admin import AuditedReadMixin, ReadOnlyAdminMixin, record_staff_read
from portal.core.errors import BusinessError
from portal.enrollment.forms import EmployeeDetailsForm
from portal.enrollment.models import Employee, Invitation, Membership
from portal.enrollment.services import CORRECTABLE_FIELDS, correct_employee

CORRECT_LABEL = "Corriger le salarié"


class MembershipInline(ReadOnlyAdminMixin, admin.TabularInline[Membership, Employee]):
    model = Membership
    extra = 0
    fields = readonly_fields = (
        "member_number",
        "contract",
        "insured_group",
        "effective_date",
        "status",
        "end_date",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        # The contract and the group name their company: loaded with the rows.
        return (
            super()
            .get_queryset(request)
            .select_related("contract__company", "insured_group__contract__company")
        )


class EmployeeCorrectionForm(EmployeeDetailsForm):
    """What staff may correct about an employee — the declaration's own fields, checked by the
    declaration's rules in `correct_employee` — and why (kept in the audit log)."""

    alsace_moselle = forms.BooleanField(label="Régime local Alsace Moselle", required=False)
    reason = forms.CharField(
        label="Motif de la correction",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 70}),
        max_length=300,
        help_text="Conservé dans le journal d'audit (par exemple : « NIR erroné, attestation "
        "de droits reçue le 3 juin »).",
    )


def _initial(employee: Employee) -> dict[str, Any]:
    return {name: getattr(employee, name) for name in CORRECTABLE_FIELDS}


@admin.register(Employee)
class EmployeeAdmin(AuditedReadMixin, ReadOnlyAdminMixin, admin.ModelAdmin[Employee]):
    audited_shows = ("nir",)
    list_display = ["last_name", "first_name", "company", "employee_number", "hire_date"]
    search_fields = ["last_name", "first_name", "employee_number", "company__legal_name"]
    list_select_related = ["company"]
    exclude = ["nir_digest", "user"]
    readonly_fields = ["correction"]
    inlines = [MembershipInline]

    @admin.display(description="correction")
    def correction(self, employee: Employee) -> str:
        url = reverse("admin:enrollment_employee_correct", args=[employee.pk])
        return format_html('<a href="{}">{}</a>', url, CORRECT_LABEL)

    def get_urls(self) -> list[URLPattern]:
        correct = path(
            "<int:employee_id>/corriger/",
            self.admin_site.admin_view(self.correct_view),
            name="enrollment_employee_correct",
        )
        return [correct, *super().get_urls()]

    def correct_view(self, request: HttpRequest, employee_id: int) -> HttpResponse:
        """ "Corriger le salarié": the correction form, validated by `correct_employee`."""
        user = request.user
        if not isinstance(user, User) or not user.has_perm("enrollment.change_employee"):
            raise PermissionDenied
        employee = get_object_or_404(Employee.objects.select_related("company"), pk=employee_id)
        form = EmployeeCorrectionForm(
            request.POST if request.method == "POST" else None, initial=_initial(employee)
        )
        if request.method == "GET":  # the form shows the NIR
            record_staff_read(request, employee, shows=("nir",), company_path="company_id")
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            changes = {
                name: data[name]
                for name in CORRECTABLE_FIELDS
                if name in form.changed_data and data[name] != getattr(employee, name)
            }
            try:
                changed = correct_employee(
                    employee.pk,
                    changes,
                    by=user,
                    reason=data["reason"],
                    today=timezone.localdate(),
                )
            except BusinessError as rejected:
                for problem in rejected.problems:
                    field = problem.field if problem.field in form.fields else None
                    form.add_error(field, problem.message)
            else:
                if changed:
                    self.message_user(request, f"{employee} : salarié corrigé.", messages.SUCCESS)
                else:
                    self.message_user(request, "Aucune modification.", messages.INFO)
                change_url = reverse("admin:enrollment_employee_change", args=[employee.pk])
                return HttpResponseRedirect(change_url)
        return render(
            request,
            "admin/enrollment/employee/correct.html",
            {
                **self.admin_site.each_context(request),
                "title": f"{CORRECT_LABEL} : {employee}",
                "employee": employee,
                "form": form,
                "opts": self.model._meta,
            },
        )


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Membership]):
    list_display = ["member_number", "employee", "contract", "insured_group", "status"]
    list_filter = ["status"]
    search_fields = ["member_number", "employee__last_name"]
    list_select_related = ["employee", "contract__company", "insured_group__contract__company"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Invitation]):
    list_display = ["membership", "sent_at", "expires_at", "used_at", "revoked_at", "reminders"]
    exclude = ["token", "token_hash"]
