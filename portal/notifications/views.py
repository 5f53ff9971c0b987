from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal.notifications.models import OutboundMessage


def dev_outbox(request: HttpRequest) -> HttpResponse:
    """Demo only: every e-mail, SMS and letter sent, newest first, with full content."""
    messages = OutboundMessage.objects.all()[:200]
    return render(request, "notifications/dev_outbox.html", {"messages": messages})
