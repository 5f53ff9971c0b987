"""The request as a view behind a login check sees it: `user` is a portal User."""

from __future__ import annotations

from django.http import HttpRequest

from portal.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """An `HttpRequest` past `login_required` (`correspondent_required`, `member_view`): the
    decorators check that `user` is a logged-in `User`; views annotate with this type."""

    user: User
