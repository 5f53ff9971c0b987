"""Reading companies and contracts, always through the user's access."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from portal.accounts.models import Role, User
from portal.companies.models import AccessRight, Company, Contract, DelegatedAccess, Product


def live_delegations(user: User) -> Q:
    """The companies `user` was given access to ("Mes accès") and still has: not withdrawn,
    not past its last day. One Q, so that its conditions hold on the same access row."""
    return Q(
        delegations__user=user,
        delegations__revoked_at=None,
    ) & (Q(delegations__expires_on=None) | Q(delegations__expires_on__gte=timezone.localdate()))


def companies_for_user(user: User) -> QuerySet[Company]:
    """The companies a correspondent manages, named by the insurer or given access to (none
    for other roles)."""
    if not user.is_authenticated or user.role != Role.CORRESPONDENT:
        return Company.objects.none()
    return (
        Company.objects.filter(Q(correspondents=user) | live_delegations(user))
        .distinct()
        .order_by("legal_name")
    )


def rights_of(user: User, company: Company) -> frozenset[str]:
    """What `user` may do in `company`'s space beyond reading: every right for a correspondent
    the insurer named, the access's rights for a person given access, none otherwise."""
    if not user.is_authenticated or user.role != Role.CORRESPONDENT:
        return frozenset()
    if company.correspondents.filter(pk=user.pk).exists():
        return frozenset(AccessRight.values)
    access = (
        DelegatedAccess.objects.filter(company=company, user=user, revoked_at=None)
        .filter(Q(expires_on=None) | Q(expires_on__gte=timezone.localdate()))
        .first()
    )
    return frozenset(access.rights) if access is not None else frozenset()


def get_company_for_user(user: User, company_id: int) -> Company:
    """The company if `user` manages it; 404 otherwise (no hint that it exists)."""
    company = (
        companies_for_user(user).select_related("account_manager").filter(pk=company_id).first()
    )
    if company is None:
        raise Http404("Entreprise introuvable.")
    return company


def contracts_with_products(company: Company) -> list[Contract]:
    """The company's contracts with their insured groups and products, in three queries."""
    return list(
        company.contracts.prefetch_related(
            "insured_groups__base_product", "insured_groups__option_products"
        ).order_by("kind", "number")
    )


def products_of(contract: Contract) -> list[Product]:
    """Every product offered in a contract's insured groups, base plans first."""
    seen: dict[int, Product] = {}
    for group in contract.insured_groups.all():
        for product in [group.base_product, *group.option_products.all()]:
            seen.setdefault(product.pk, product)
    return sorted(seen.values(), key=lambda p: (p.kind != "base", p.code))


def get_product_for_company(company: Company, product_id: int) -> Product:
    """A product offered in one of the company's contracts; 404 otherwise."""
    product = (
        Product.objects.filter(pk=product_id)
        .filter(
            Q(base_of_groups__contract__company=company)
            | Q(option_of_groups__contract__company=company)
        )
        .distinct()
        .first()
    )
    if product is None:
        raise Http404("Produit introuvable.")
    return product


def correspondent_two_factor_required(user: User) -> bool:
    """The correspondents' second-factor rule (registered with accounts in `apps.py`): required
    unless every company of the login makes it optional (and so for a login with none yet)."""
    companies = Company.objects.filter(Q(correspondents=user) | live_delegations(user)).distinct()
    return companies.filter(hr_two_factor_required=True).exists() or not companies.exists()
