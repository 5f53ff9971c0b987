"""Who may open the insurer's working screens: staff logins only.

A visitor who is not logged in goes to the login page; a logged-in HR correspondent or member
gets a 404, as for any page that is not theirs (the screens' existence is not disclosed)."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache

from portal.accounts.models import User
from portal.accounts.policy import second_factor_satisfied
from portal.accounts.views import second_factor_url

View = Callable[..., HttpResponseBase]


def staff_view(view: View) -> View:
    """The view answers only a logged-in, active staff user (`request.user` is a `User`) whose
    session passed the second factor."""

    @wraps(view)
    @never_cache
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        if not (isinstance(user, User) and user.is_active and user.is_staff):
            raise Http404
        if not second_factor_satisfied(user):  # staff always log in with a second factor
            target = second_factor_url(user, request.get_full_path())
            assert target is not None  # required, so the code step or the enrolment
            return redirect(target)
        return view(request, *args, **kwargs)

    return wrapped


def staff_user(request: HttpRequest) -> User:
    """The staff user of a request a `staff_view` let through."""
    user = request.user
    assert isinstance(user, User) and user.is_staff
    return user


def screen_context(request: HttpRequest, **context: Any) -> dict[str, Any]:
    """The admin's chrome (header, theme, user tools) around a working screen's own context.

    Not `admin.site.each_context`: that builds the whole app list (every model admin's
    permission checks, two permission queries) for the navigation sidebar on each request. The
    working screens show the header, the user tools and the theme toggle, with no sidebar."""
    site = admin.site
    script_name = request.META.get("SCRIPT_NAME", "")
    return {
        "site_title": site.site_title,
        "site_header": site.site_header,
        "site_url": script_name if site.site_url == "/" and script_name else site.site_url,
        "has_permission": True,  # a `staff_view`: an active staff user
        "available_apps": [],
        "is_popup": False,
        "is_nav_sidebar_enabled": False,
        "log_entries": [],
        **context,
    }
