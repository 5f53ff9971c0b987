""" "Mes accès": who may use the company's space, inviting a person, withdrawing an access."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.accounts.http import AuthenticatedRequest
from portal.companies.access import company_context, company_view, requires
from portal.companies.access_services import Invitation, grant_access, revoke_access
from portal.companies.models import AccessRight, Company, DelegatedAccess, DelegateKind
from portal.companies.queries import companies_for_user, rights_of
from portal.core.errors import BusinessError


class InvitationForm(forms.Form):
    last_name = forms.CharField(label="Nom", max_length=150)
    first_name = forms.CharField(label="Prénom", max_length=150)
    email = forms.CharField(
        label="E-mail", max_length=254, help_text="Son identifiant : 1 e-mail = 1 identifiant."
    )
    kind = forms.ChoiceField(label="Qualité", choices=DelegateKind.choices)
    rights = forms.MultipleChoiceField(
        label="Droits",
        choices=AccessRight.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Tout accès permet de consulter les salariés, les demandes et les documents.",
    )
    companies = forms.MultipleChoiceField(
        label="Entreprises",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Celles dont vous gérez les accès.",
    )
    expires_on = forms.DateField(
        label="Dernier jour de l'accès (facultatif)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, managed: list[Company], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.managed = {str(c.pk): c for c in managed}
        field = self.fields["companies"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(pk, c.legal_name) for pk, c in self.managed.items()]

    def chosen(self) -> list[Company]:
        return [self.managed[pk] for pk in self.cleaned_data["companies"]]

    def show(self, error: BusinessError) -> None:
        for problem in error.problems:
            self.add_error(problem.field if problem.field in self.fields else None, problem.message)


@company_view
@requires(AccessRight.MANAGE)
def accesses(request: AuthenticatedRequest, company: Company) -> HttpResponse:
    """The correspondents the insurer named, the people given access, and "Inviter"."""
    managed = [
        c
        for c in companies_for_user(request.user)
        if AccessRight.MANAGE in rights_of(request.user, c)
    ]
    form = InvitationForm(
        request.POST or None, managed=managed, initial={"companies": [str(company.pk)]}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            given = grant_access(
                companies=form.chosen(),
                invitation=Invitation(
                    data["email"],
                    data["first_name"],
                    data["last_name"],
                    data["kind"],
                    data["rights"],
                    data["expires_on"],
                ),
                by=request.user,
                today=timezone.localdate(),
            )
        except BusinessError as refused:
            form.show(refused)
        else:
            names = ", ".join(a.company.legal_name for a in given)
            messages.success(
                request,
                f"{given[0].user.email} a maintenant accès à {names} ; un e-mail l'en informe.",
            )
            return redirect("companies:accesses", company.pk)
    today = timezone.localdate()
    accesses = DelegatedAccess.objects.filter(company=company).select_related(
        "user", "granted_by", "revoked_by"
    )
    context = company_context(request, company, "accesses")
    context.update(
        form=form,
        named=company.correspondents.order_by("last_name", "first_name"),
        live=[a for a in accesses if a.is_live(today)],
        past=[a for a in accesses if not a.is_live(today)][:50],
        own_rights=rights_of(request.user, company),
    )
    return render(request, "companies/accesses.html", context)


@require_POST
@company_view
@requires(AccessRight.MANAGE)
def withdraw(request: AuthenticatedRequest, company: Company, access_id: int) -> HttpResponse:
    try:
        access = revoke_access(access_id=access_id, company=company, by=request.user)
    except DelegatedAccess.DoesNotExist:
        raise Http404("Accès introuvable.") from None
    except BusinessError as refused:
        messages.error(request, refused.problems[0].message)
    else:
        messages.success(request, f"L'accès de {access.user.email} est retiré.")
    return redirect("companies:accesses", company.pk)
