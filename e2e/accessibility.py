"""Accessibility checked by a machine: axe-core on every page the browser journeys visit.

Each page a journey's browser context loads is snapshotted inside the browser at its `load`
event (the HTML as the user got it, a form's error page after a POST included). After the test,
each snapshot is replayed in a separate page of the same context (same session, the stylesheets
and scripts fetched from the live server) and checked by axe with the WCAG 2.1 A and AA rules at
1280 and at 390 px: the journey itself is never slowed down, resized or raced by the checks.

To keep the suite's time low, a URL path pattern (numbers and tokens folded) is checked once per
test session, whatever the number of tests visiting it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag, urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page, Route

WIDTHS = (1280, 390)
HEIGHTS = {1280: 800, 390: 844}
# RGAA 4.1 maps onto WCAG 2.1 level AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}

# Nodes axe must not check, by selector, each with the reason it is a false positive. Rules are
# never switched off: a real violation is fixed in the template.
EXCLUDED_NODES: list[list[str]] = []

BINDING = "__portalAccessibilitySnapshot"
# The page hands its own HTML over once loaded (HTML documents only: not PDFs or downloads).
SNAPSHOT_SCRIPT = f"""
window.addEventListener("load", () => {{
  if (document.contentType !== "text/html" || !window.{BINDING}) return;
  const doctype = document.doctype ? "<!doctype html>" : "";
  window.{BINDING}(location.href, doctype + document.documentElement.outerHTML);
}});
"""

_NUMBER = re.compile(r"^\d+$")
# A link's token is long and has digits or capitals; the portal's own path words are lower-case.
_TOKEN = re.compile(r"^(?=.*[0-9A-Z])[A-Za-z0-9_:.=-]{16,}$")


def path_pattern(url: str) -> str:
    """The page's kind: its path with ids and tokens folded (/dossiers/12/ → /dossiers/<id>/)."""
    segments = urlsplit(url).path.split("/")
    folded = [
        "<id>" if _NUMBER.match(part) else "<token>" if _TOKEN.match(part) else part
        for part in segments
    ]
    return "/".join(folded)


@dataclass(frozen=True)
class Violation:
    """One axe rule broken on one page at one width, with the nodes breaking it."""

    url: str
    width: int
    rule: str
    impact: str
    help: str
    help_url: str
    nodes: tuple[str, ...]

    def describe(self) -> str:
        lines = [
            f"{self.url} at {self.width} px: {self.rule} ({self.impact}) — {self.help}",
            f"  {self.help_url}",
        ]
        lines += [f"  - {node}" for node in self.nodes]
        return "\n".join(lines)


@dataclass
class AccessibilityAudit:
    """Snapshots the pages a browser context loads, then checks each new kind of page with axe."""

    checked_patterns: set[str]
    snapshots: dict[str, tuple[str, str]] = field(default_factory=dict)
    _replay_page: Page | None = None

    def watch(self, context: BrowserContext) -> None:
        """Snapshot every HTML page any page of the context loads from now on."""
        context.expose_binding(BINDING, self._receive)
        context.add_init_script(SNAPSHOT_SCRIPT)

    def _receive(self, source: dict[str, Any], url: str, html: str) -> None:
        if source["page"] is self._replay_page or not url.startswith(("http:", "https:")):
            return
        pattern = path_pattern(url)
        if pattern not in self.checked_patterns and pattern not in self.snapshots:
            self.snapshots[pattern] = (urldefrag(url).url, html)

    def check(self, context: BrowserContext) -> list[Violation]:
        """Replay each snapshot not yet checked this session; its serious or critical violations."""
        if not self.snapshots:
            return []
        page = self._replay_page = context.new_page()
        current: dict[str, str] = {}

        def serve_snapshot(route: Route) -> None:
            if route.request.is_navigation_request() and route.request.url == current["url"]:
                route.fulfill(
                    status=200, content_type="text/html; charset=utf-8", body=current["html"]
                )
            else:
                route.continue_()

        page.route("**/*", serve_snapshot)
        axe = Axe()
        violations: list[Violation] = []
        try:
            for pattern, (url, html) in list(self.snapshots.items()):
                current.update(url=url, html=html)
                self.checked_patterns.add(pattern)
                page.set_viewport_size({"width": WIDTHS[0], "height": HEIGHTS[WIDTHS[0]]})
                page.goto(url, wait_until="load")
                for width in WIDTHS:
                    page.set_viewport_size({"width": width, "height": HEIGHTS[width]})
                    violations += self._run_axe(axe, page, url, width)
        finally:
            self.snapshots.clear()
            page.close()
            self._replay_page = None
        return violations

    @staticmethod
    def _run_axe(axe: Axe, page: Page, url: str, width: int) -> list[Violation]:
        context = {"include": [["html"]], "exclude": EXCLUDED_NODES} if EXCLUDED_NODES else None
        options = {
            "runOnly": {"type": "tag", "values": WCAG_TAGS},
            "resultTypes": ["violations"],
        }
        results = axe.run(page, context=context, options=options)
        return [
            Violation(
                url=url,
                width=width,
                rule=found["id"],
                impact=found["impact"],
                help=found["help"],
                help_url=found["helpUrl"],
                nodes=tuple(
                    f"{', '.join(map(str, node['target']))}: {node['html'][:200]}"
                    for node in found["nodes"]
                ),
            )
            for found in results.response["violations"]
            if found["impact"] in BLOCKING_IMPACTS
        ]


def report(violations: list[Violation]) -> str:
    """A readable list of the violations, for the failing test's message."""
    header = f"{len(violations)} serious or critical accessibility violation(s) (WCAG 2.1 AA):"
    return "\n\n".join([header, *(violation.describe() for violation in violations)])
