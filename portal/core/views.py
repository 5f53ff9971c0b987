from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe


@require_safe
def accessibility_statement(request: HttpRequest) -> HttpResponse:
    """The "Déclaration d'accessibilité" (RGAA model), public: linked from every page's footer."""
    return render(
        request,
        "core/accessibility.html",
        {"statement_date": settings.ACCESSIBILITY_STATEMENT_DATE},
    )
