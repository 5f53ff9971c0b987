"""The load bench's SMS carrier: it "delivers" each SMS to a phone the bench can read.

`SMS_BACKEND=bench.sms_backend.PhoneDirectoryBackend` in the bench's task worker: every SMS
sent is appended to `<BENCH_SMS_DIR>/<recipient>.txt` (one file per mobile number, one line
per message), the way a phone would receive it. The bench's simulated employees read their
code there, never from the portal's database. Bench only: never in production.
"""

from __future__ import annotations

import os
from pathlib import Path

from portal.notifications.models import OutboundMessage


class PhoneDirectoryBackend:
    """Appends each SMS to its recipient's file under BENCH_SMS_DIR."""

    def deliver(self, message: OutboundMessage) -> None:
        directory = Path(os.environ["BENCH_SMS_DIR"])
        digits = "".join(c for c in message.recipient if c.isdigit())
        line = " ".join(message.body_text.split()) + "\n"
        # One write() in append mode: a line is never interleaved with another worker's.
        with open(directory / f"{digits}.txt", "a", encoding="utf-8") as phone:
            phone.write(line)
