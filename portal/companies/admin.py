from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.db.models import QuerySet
from django.http import HttpRequest

from portal.accounts.admin import reset_selected_second_factors
from portal.accounts.models import Role, User
from portal.accounts.services import send_welcome_link, set_login_active
from portal.companies import services
from portal.companies.forms import CompanyAdminForm
from portal.companies.models import (
    AccountManager,
    Company,
    Contract,
    Correspondent,
    InsuredGroup,
    Product,
    ProductRate,
)
from portal.companies.services import EMAIL_TAKEN
from portal.core.plural import counted


@admin.register(AccountManager)
class AccountManagerAdmin(admin.ModelAdmin[AccountManager]):
    list_display = ["last_name", "first_name", "phone", "email"]
    search_fields = ["last_name", "first_name", "email"]


class ContractInline(admin.TabularInline[Contract, Company]):
    model = Contract
    extra = 0
    show_change_link = True
    fields = ["number", "kind", "start_date"]


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin[Company]):
    form = CompanyAdminForm
    list_display = [
        "legal_name",
        "siret",
        "trade_name",
        "city",
        "account_manager",
        "waivers_enabled",
    ]
    list_filter = ["waivers_enabled", "account_manager"]
    search_fields = ["legal_name", "trade_name", "siret"]
    list_select_related = ["account_manager"]
    inlines = [ContractInline]
    filter_horizontal = ["correspondents"]
    fieldsets = [
        ("Identité entreprise", {"fields": ["legal_name", "siret", "trade_name"]}),
        (
            "Adresse principale",
            {
                "fields": [
                    "address_street",
                    "address_building",
                    "address_apartment",
                    "address_locality",
                    "postal_code",
                    "city",
                    "country",
                ]
            },
        ),
        ("Coordonnées", {"fields": ["phone", "email"]}),
        (
            "Gestion",
            {
                "fields": [
                    "account_manager",
                    "waivers_enabled",
                    "hr_two_factor_required",
                    "correspondents",
                ]
            },
        ),
    ]


class InsuredGroupInline(admin.StackedInline[InsuredGroup, Contract]):
    model = InsuredGroup
    extra = 0
    filter_horizontal = ["option_products"]


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin[Contract]):
    list_display = ["number", "company", "kind", "start_date"]
    list_filter = ["kind"]
    search_fields = ["number", "company__legal_name"]
    list_select_related = ["company"]
    autocomplete_fields = ["company"]
    inlines = [InsuredGroupInline]


class ProductRateInline(admin.TabularInline[ProductRate, Product]):
    model = ProductRate
    extra = 0


class ProductForm(forms.ModelForm[Product]):
    class Meta:
        model = Product
        fields = ["code", "label", "kind", "coverage_table"]

    def clean_coverage_table(self) -> Any:
        upload = self.cleaned_data.get("coverage_table")
        if upload and hasattr(upload, "content_type"):
            head = upload.read(5)
            upload.seek(0)
            if head != b"%PDF-":
                raise forms.ValidationError(
                    "Le tableau de garanties doit être un fichier PDF : choisissez un fichier .pdf."
                )
        return upload


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin[Product]):
    list_display = ["code", "label", "kind"]
    list_filter = ["kind"]
    search_fields = ["code", "label"]
    inlines = [ProductRateInline]

    form = ProductForm


class CorrespondentForm(forms.ModelForm[Correspondent]):
    companies = forms.ModelMultipleChoiceField(
        label="Entreprises gérées",
        queryset=Company.objects.all(),
        widget=FilteredSelectMultiple("entreprises", is_stacked=False),
        help_text="Un e-mail = un identifiant pour toutes ses entreprises.",
    )

    class Meta:
        model = Correspondent
        fields = ["email", "first_name", "last_name", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        if self.instance.pk:
            self.fields["companies"].initial = self.instance.companies.all()
            self.fields["email"].disabled = True

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip().lower()
        taken = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(EMAIL_TAKEN)
        return email


@admin.register(Correspondent)
class CorrespondentAdmin(admin.ModelAdmin[Correspondent]):
    form = CorrespondentForm
    list_display = ["email", "first_name", "last_name", "identifier", "is_active", "last_login"]
    search_fields = ["email", "last_name", "first_name", "identifier", "companies__legal_name"]
    list_filter = ["is_active"]
    actions = ["resend_welcome_link", "reset_two_factor"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Correspondent]:
        return super().get_queryset(request).filter(role=Role.CORRESPONDENT)

    def save_model(self, request: HttpRequest, obj: Correspondent, form: Any, change: bool) -> None:
        companies = form.cleaned_data["companies"]
        if change:
            obj.save(update_fields=["first_name", "last_name"])
            active = form.cleaned_data["is_active"]
            set_login_active(user=obj, active=active, by=request.user)  # type: ignore[arg-type]
            services.set_correspondent_companies(user=obj, companies=companies, by=request.user)  # type: ignore[arg-type]
            return
        user = services.create_correspondent(
            email=obj.email,
            first_name=obj.first_name,
            last_name=obj.last_name,
            companies=companies,
            by=request.user,  # type: ignore[arg-type]
        )
        obj.pk = user.pk
        obj.identifier = user.identifier
        messages.info(
            request, f"Un e-mail de création du mot de passe a été envoyé à {user.email}."
        )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Companies are set by the services above.
        return None

    @admin.action(description="Renvoyer le lien de création du mot de passe")
    def resend_welcome_link(self, request: HttpRequest, queryset: QuerySet[Correspondent]) -> None:
        count = 0
        for user in queryset.filter(is_active=True).exclude(email=""):
            send_welcome_link(user=user, by=request.user)  # type: ignore[arg-type]
            count += 1
        self.message_user(request, counted(count, "lien envoyé") + ".", messages.SUCCESS)

    @admin.action(description="Réinitialiser la double authentification (téléphone perdu)")
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[Correspondent]) -> None:
        reset_selected_second_factors(self, request, queryset)
