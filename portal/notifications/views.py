from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from portal.notifications.models import OutboundMessage


def dev_outbox(request: HttpRequest) -> HttpResponse:
    """Demo only: every e-mail, SMS and letter sent, newest first, with full content."""
    if not settings.DEV_OUTBOX:
        raise Http404
    messages = OutboundMessage.objects.all()[:200]
    return render(request, "notifications/dev_outbox.html", {"messages": messages})
