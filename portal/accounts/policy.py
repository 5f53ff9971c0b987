"""Who must log in with a second factor (issue 12).

Staff always; employees (members) never; HR correspondents as their companies decide. Accounts
sits below companies, so companies registers the correspondents' rule here when it starts
(`CompaniesConfig.ready`) rather than accounts reading the company setting itself."""

from __future__ import annotations

from collections.abc import Callable

from portal.accounts.models import Role, User

CorrespondentPolicy = Callable[[User], bool]

_correspondent_policies: list[CorrespondentPolicy] = []


def register_correspondent_policy(policy: CorrespondentPolicy) -> None:
    """An upper app says whether a correspondent must use a second factor (idempotent)."""
    if policy not in _correspondent_policies:
        _correspondent_policies.append(policy)


def two_factor_required(user: User) -> bool:
    """True when `user` may not use the portal without a verified second factor."""
    if user.role == Role.STAFF or user.is_staff:
        return True
    if user.role == Role.CORRESPONDENT:
        # No rule registered (accounts alone, as in its own tests): the safe answer.
        if not _correspondent_policies:
            return True
        return any(policy(user) for policy in _correspondent_policies)
    return False


def remember_me_allowed(user: User) -> bool:
    """A 30-day session ("Se souvenir de moi"): never for staff; for the others only once a
    second factor was verified in this session (a stolen password alone never gets one)."""
    if user.role == Role.STAFF or user.is_staff:
        return False
    return is_verified(user)


def is_verified(user: object) -> bool:
    """django-otp's mark of a session past its second factor (set by its middleware)."""
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False


def second_factor_satisfied(user: User) -> bool:
    """The access checks' question: may this logged-in user use their pages now?"""
    return is_verified(user) or not two_factor_required(user)
