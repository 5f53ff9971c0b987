from typing import Any

from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict[str, Any]:
    """Brand, help contacts and demo flag, for every template."""
    return {"brand": settings.PORTAL_BRAND, "demo": settings.DEMO}
