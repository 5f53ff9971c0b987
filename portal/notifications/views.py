"""Demo only: /dev/outbox/ stands for the recipients' inboxes (the copies `DevOutboxBackend`
kept at delivery, secrets included). Answers 404 elsewhere."""

import json
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from portal.notifications.backends import dev_outbox_dir
from portal.notifications.models import Channel


def _delivered_copies(limit: int = 200) -> list[dict[str, Any]]:
    folder = dev_outbox_dir()
    if not folder.is_dir():
        return []
    copies = [json.loads(path.read_text(encoding="utf-8")) for path in folder.glob("*.json")]
    for copy in copies:
        copy["delivered_at"] = datetime.fromisoformat(copy["delivered_at"])
        copy["channel_label"] = Channel(copy["channel"]).label
    copies.sort(key=lambda copy: (copy["delivered_at"], copy["message_id"]), reverse=True)
    for copy in copies:
        copy["channel_label"] = Channel(copy["channel"]).label
    return copies[:limit]


def dev_outbox(request: HttpRequest) -> HttpResponse:
    """Demo only: every e-mail, SMS and letter delivered, newest first, with full content."""
    if not settings.DEV_OUTBOX:
        raise Http404
    return render(request, "notifications/dev_outbox.html", {"copies": _delivered_copies()})


def dev_outbox_attachment(request: HttpRequest, message_id: int) -> FileResponse:
    """Demo only: a letter's PDF as it would be printed and posted."""
    if not settings.DEV_OUTBOX:
        raise Http404
    path = dev_outbox_dir() / f"{message_id}.pdf"
    if not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), content_type="application/pdf")
