"""axe-core finds no serious or critical accessibility problem on the reader pages, light or dark."""

from pathlib import Path

import pytest

from tests.browser.reader_content import build

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.exists():
        pytest.fail(f"axe-core not installed: run `npm ci --prefix tests/browser` ({AXE} is missing)")
    return AXE.read_text()


def _serious_violations(page, axe_source):
    # evaluate() runs outside the page's Content-Security-Policy, which rightly refuses injected scripts.
    page.evaluate(axe_source)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:5]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width,height", [(390, 844), (1280, 800)])
def test_reader_pages_have_no_serious_accessibility_violations(live_server, page, axe_source, scheme, width, height):
    story = build()
    page.set_viewport_size({"width": width, "height": height})
    page.emulate_media(color_scheme=scheme)
    for path in ["/", story.get_absolute_url(), "/search/?q=tram", "/section/city/", "/?section=city&since=bad"]:
        page.goto(live_server.url + path)
        assert _serious_violations(page, axe_source) == [], path


@pytest.mark.django_db(transaction=True)
def test_the_skip_link_is_the_first_stop_and_moves_focus_to_the_content(live_server, page):
    story = build()
    page.goto(live_server.url + story.get_absolute_url())
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


@pytest.mark.django_db(transaction=True)
def test_focus_is_visible_on_links(live_server, page):
    build()
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
