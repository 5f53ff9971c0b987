"""A real HTTP receiver on 127.0.0.1 (stdlib `http.server` in a thread), and endpoints."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from portal.accounts.models import User
from portal.companies.models import Company
from portal.webhooks.choices import EventType
from portal.webhooks.models import WebhookEndpoint
from portal.webhooks.services import create_endpoint


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """What the receiver got, and what it answers: each request takes the next of `answers`
    (a status code, or "timeout" to answer only after the client gave up), then `default`."""

    url: str
    received: list[Received] = field(default_factory=list)
    answers: list[int | str] = field(default_factory=list)
    default: int | str = 200
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_answer(self) -> int | str:
        with self.lock:
            return self.answers.pop(0) if self.answers else self.default


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    settings.WEBHOOKS_TIMEOUT_SECONDS = 1
    state: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            me = state["receiver"]
            with me.lock:
                me.received.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
            answer = me.next_answer()
            if answer == "timeout":
                time.sleep(1.5)
                answer = 200
            assert isinstance(answer, int)
            reply = f"réponse {answer} " + "x" * 600
            self.send_response(answer)
            self.send_header("content-type", "text/plain; charset=utf-8")
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(reply.encode())  # unless the client gave up (timeout)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state["receiver"] = Receiver(url=f"http://127.0.0.1:{server.server_port}/hooks")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state["receiver"]
    server.shutdown()
    server.server_close()


def add_endpoint(
    company: Company, by: User, url: str, events: list[str] | None = None
) -> tuple[WebhookEndpoint, str]:
    """An endpoint of `company` listening to `events` (all by default); (endpoint, secret)."""
    created = create_endpoint(
        company=company,
        url=url,
        description="Paie",
        events=events if events is not None else list(EventType.values),
        by=by,
    )
    return created.endpoint, created.secret
