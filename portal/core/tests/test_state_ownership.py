"""One owner per state machine: only `tracking.services` opens and moves requests (and writes
their timeline), only `enrollment.services` creates and moves memberships.

The check reads the source (AST) of every module of `portal` but the tests and migrations.
Other models have a `status` (or a `state`) of their own (envelopes, waivers, import batches,
messages, webhook messages): their own app may set it, by naming its own enum.
"""

from __future__ import annotations

import ast
from pathlib import Path

PORTAL = Path(__file__).resolve().parents[2]

OWNERS = {
    "Request": "tracking/services.py",
    "RequestEvent": "tracking/services.py",
    "Membership": "enrollment/services.py",
}
STATE_OWNER = "tracking/services.py"  # `state` is only a request's
STATUS_OWNER = "enrollment/services.py"
# The `status` (or `state`) enums each app may set on its own models.
OWN_STATUS_ENUMS = {
    "billing": {"RunStatus", "LineStatus"},
    "dsn": {"DsnFileStatus", "DeclarationStatus"},
    "enrollment": {"MandateChangeStatus"},
    "imports": {"ImportStatus"},
    "member_requests": {"RequestState"},
    "notifications": {"MessageStatus"},
    "signatures": {"EnvelopeStatus"},
    "terminations": {"PortabilityProofStatus"},
    "waivers": {"WaiverStatus", "RenewalStatus"},
    "webhooks": {"MessageState"},
}
CREATORS = {"create", "bulk_create", "get_or_create", "update_or_create"}


def _own_enum(value: ast.expr, app: str) -> bool:
    """`OwnStatus.MEMBER`, or a value converted by the app's own enum: `OwnStatus(to_state)`."""
    own = OWN_STATUS_ENUMS.get(app, set())
    if isinstance(value, ast.Call):
        return isinstance(value.func, ast.Name) and value.func.id in own
    return (
        isinstance(value, ast.Attribute)
        and isinstance(value.value, ast.Name)
        and value.value.id in own
    )


def _model_name(node: ast.expr) -> str | None:
    """`Request` in `Request.objects.create` / `Request(...)`; None otherwise."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and node.attr == "objects":
        return _model_name(node.value)
    return None


def state_writes(source: str, path: str) -> list[str]:
    """Each write of a request's state, a membership's status or a creation of either (or of
    a timeline event) that `path` (relative to `portal/`) is not the owner of."""
    app = path.split("/")[0]
    found: list[str] = []

    def flag(node: ast.AST, what: str) -> None:
        found.append(f"{path}:{getattr(node, 'lineno', 0)}: {what}")

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if not isinstance(target, ast.Attribute):
                    continue
                if (
                    target.attr == "state"
                    and path != STATE_OWNER
                    and not (node.value is not None and _own_enum(node.value, app))
                ):
                    flag(node, "assigns .state")
                if (
                    target.attr == "status"
                    and path != STATUS_OWNER
                    and not (node.value is not None and _own_enum(node.value, app))
                ):
                    flag(node, "assigns .status")
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "setattr" and len(node.args) >= 2:
            name = node.args[1]
            if isinstance(name, ast.Constant) and name.value in {"state", "status"}:
                flag(node, f"setattr {name.value}")
        # A queryset's `.update(...)` (`X.objects.filter(...).update`, `membership.invitations
        # .update`), not a dict's (`context.update(state=...)`).
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "update"
            and not isinstance(func.value, ast.Name)
        ):
            for keyword in node.keywords:
                if keyword.arg == "state" and path != STATE_OWNER:
                    flag(node, ".update(state=…)")
                if (
                    keyword.arg == "status"
                    and path != STATUS_OWNER
                    and not _own_enum(keyword.value, app)
                ):
                    flag(node, ".update(status=…)")
        model = None
        if isinstance(func, ast.Name):
            model = func.id  # Request(...)
        elif isinstance(func, ast.Attribute) and func.attr in CREATORS:
            model = _model_name(func.value)
        if isinstance(func, ast.Name) and func.id == "insert_rows" and node.args:
            model = _model_name(node.args[0])
        if model in OWNERS and path != OWNERS[model]:
            flag(node, f"creates a {model}")
    return found


def _sources() -> list[Path]:
    return [
        path
        for path in sorted(PORTAL.rglob("*.py"))
        if "tests" not in path.relative_to(PORTAL).parts
        and "migrations" not in path.relative_to(PORTAL).parts
    ]


def test_only_the_owners_move_requests_and_memberships() -> None:
    found = [
        problem
        for path in _sources()
        for problem in state_writes(path.read_text(), path.relative_to(PORTAL).as_posix())
    ]
    assert found == []


def test_the_scan_reads_every_app_of_the_portal() -> None:
    apps = {path.relative_to(PORTAL).parts[0] for path in _sources()}
    assert {"tracking", "enrollment", "terminations", "waivers", "signatures"} <= apps


def test_the_ownership_check_catches_each_kind_of_write() -> None:
    source = """
request.state = State.CANCELLED
membership.status = MembershipStatus.WAIVED
setattr(membership, "status", "active")
Request.objects.filter(pk=1).update(state=State.CLOSED, closed_at=now)
Membership.objects.filter(pk=1).update(status="terminated")
Request.objects.create(company=company)
Request(company=company)
Membership.objects.create(employee=employee)
RequestEvent.objects.bulk_create([])
insert_rows(Request, ["state"], [])
"""
    lines = [problem.split(": ", 1)[1] for problem in state_writes(source, "terminations/x.py")]
    assert lines == [
        "assigns .state",
        "assigns .status",
        "setattr status",
        ".update(state=…)",
        ".update(status=…)",
        "creates a Request",
        "creates a Request",
        "creates a Membership",
        "creates a RequestEvent",
        "creates a Request",
    ]


def test_an_app_may_set_the_status_of_its_own_models() -> None:
    source = """
waiver.status = WaiverStatus.GRANTED
Waiver.objects.filter(pk=1).update(status=WaiverStatus.EXPIRED)
"""
    assert state_writes(source, "waivers/services.py") == []
    assert state_writes("context.update(state=state)\n", "tracking/views.py") == []
    assert state_writes(source, "terminations/services.py") == [
        "terminations/services.py:2: assigns .status",
        "terminations/services.py:3: .update(status=…)",
    ]


def test_a_value_converted_by_the_apps_own_enum_is_its_own_state() -> None:
    source = "member_request.state = RequestState(to_state)\n"
    assert state_writes(source, "member_requests/services.py") == []
    assert state_writes("request.state = State(to_state)\n", "member_requests/services.py") == [
        "member_requests/services.py:1: assigns .state"
    ]
    assert state_writes("request.state = to_state\n", "member_requests/services.py") == [
        "member_requests/services.py:1: assigns .state"
    ]


def test_the_owners_may_write_their_own_state() -> None:
    assert state_writes("request.state = 'closed'\n", "tracking/services.py") == []
    assert state_writes("membership.status = 'active'\n", "enrollment/services.py") == []
    assert state_writes("insert_rows(Membership, [], [])\n", "enrollment/services.py") == []
