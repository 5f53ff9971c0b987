"""Response headers that Django's SecurityMiddleware does not set."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # The anti-robot widget sets inline styles and runs its proof of work in a worker.
        "style-src 'self' 'unsafe-inline'",
        "worker-src 'self' blob: data:",
        "img-src 'self' data:",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
    ]
)


class SecurityHeadersMiddleware:
    """Adds a strict Content-Security-Policy and a no-store cache policy on private pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if request.user.is_authenticated and "Cache-Control" not in response.headers:
            # Personal data must not stay in shared or back/forward caches.
            response.headers["Cache-Control"] = "no-store"
        return response
