from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from portal.notifications.models import OutboundMessage


def dev_outbox(request: HttpRequest) -> HttpResponse:
    """Demo only: every e-mail, SMS and letter sent, newest first, with full content."""
    if not settings.DEV_OUTBOX:
        raise Http404
    messages = OutboundMessage.objects.all()[:200]
    return render(request, "notifications/dev_outbox.html", {"messages": messages})


def dev_outbox_attachment(request: HttpRequest, message_id: int) -> FileResponse:
    """Demo only: a letter's PDF as it would be printed and posted."""
    if not settings.DEV_OUTBOX:
        raise Http404
    message = OutboundMessage.objects.filter(pk=message_id).exclude(attachment="").first()
    if message is None:
        raise Http404
    return FileResponse(message.attachment.open("rb"), content_type="application/pdf")
