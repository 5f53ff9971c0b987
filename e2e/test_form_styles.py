"""Every kind of form field is styled by the portal's stylesheet, in the real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

TEXT_LIKE = ["text", "email", "password", "tel", "number", "date", "search", "url"]

FIELDS = "".join(
    f'<div class="field"><label for="f-{kind}">{kind}</label>'
    f'<input id="f-{kind}" type="{kind}"></div>'
    for kind in TEXT_LIKE
)

PAGE = f"""<!doctype html><html lang="fr"><head>
<link rel="stylesheet" href="/static/css/portal.css"></head><body><main>
{FIELDS}
<div class="field"><label for="f-select">select</label>
<select id="f-select"><option>a</option></select></div>
<div class="field"><label for="f-area">textarea</label><textarea id="f-area"></textarea></div>
<div class="field field--error"><label for="f-bad">error</label><input id="f-bad" type="tel"></div>
</main></body></html>"""

STYLE = """(el) => { const s = getComputedStyle(el); return [s.fontFamily, s.fontSize,
  s.paddingTop, s.paddingLeft, s.borderTopWidth, s.borderTopColor, s.borderTopLeftRadius]; }"""


@pytest.mark.django_db
def test_every_input_type_looks_like_the_text_input(page: Page) -> None:
    page.goto("/connexion/")  # same origin as the stylesheet
    page.set_content(PAGE)
    page.wait_for_function(
        "() => document.styleSheets.length > 0 && "
        "getComputedStyle(document.querySelector('#f-text')).borderTopWidth === '1px'"
    )
    reference = page.eval_on_selector("#f-text", STYLE)
    assert reference[4] == "1px"
    assert reference[2] != "0px"
    # The page's font, not the browser's default system font for form controls.
    assert reference[0] == page.evaluate("getComputedStyle(document.body).fontFamily")
    for selector in [f"#f-{kind}" for kind in TEXT_LIKE] + ["#f-select", "#f-area"]:
        assert page.eval_on_selector(selector, STYLE) == reference, selector
    # A field in error keeps its red, thicker border.
    assert page.eval_on_selector("#f-bad", STYLE)[4] == "2px"
