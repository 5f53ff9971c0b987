"""The audit log's actions are one enum, `AuditAction`: no literal names at the call sites."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.models import AuditEvent

PORTAL = Path(__file__).resolve().parents[2]


def _record_calls() -> list[tuple[str, int, str]]:
    calls = []
    for path in sorted(PORTAL.rglob("*.py")):
        if path == Path(__file__).resolve():
            continue  # its own refused literal, below
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"
                and node.args
            ):
                name = path.relative_to(PORTAL).as_posix()
                calls.append((name, node.lineno, ast.unparse(node.args[0])))
    return calls


def test_every_audit_call_names_its_action_by_the_enum() -> None:
    calls = _record_calls()
    assert len(calls) > 40
    literal = [
        (path, line, action)
        for path, line, action in calls
        if not action.startswith("AuditAction.") and action != "action"
    ]
    assert literal == []


@pytest.mark.django_db
def test_the_audit_log_stores_the_actions_value() -> None:
    event = audit.record(AuditAction.LOGIN, by=None, company_id=7, source="form")
    event.refresh_from_db()
    assert (event.action, event.company_id, event.details) == ("login", 7, {"source": "form"})


@pytest.mark.django_db
def test_the_audit_log_refuses_an_action_outside_the_enum() -> None:
    with pytest.raises(TypeError):
        audit.record("login")  # type: ignore[arg-type]
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.9", "10.0.0.5"),  # no trusted proxy: the header is ignored
        (1, "203.0.113.7", "203.0.113.7"),  # the entry the proxy appended
        (1, "198.51.100.9, 203.0.113.7", "203.0.113.7"),  # the client's own entries ignored
        (2, "198.51.100.9, 203.0.113.7, 10.0.0.9", "203.0.113.7"),  # balancer then nginx
        (2, "203.0.113.7", "10.0.0.5"),  # fewer entries than proxies: not through them
        (1, "", "10.0.0.5"),  # no header
        (1, "unknown", "10.0.0.5"),  # not an address
        (1, " 2001:DB8::1 ", "2001:db8::1"),
    ],
)
def test_the_client_address_is_the_one_the_outermost_trusted_proxy_saw(
    settings: Any, rf: Any, proxies: int, forwarded: str, expected: str
) -> None:
    settings.TRUSTED_PROXIES = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=forwarded)

    assert audit.client_ip(request) == expected
