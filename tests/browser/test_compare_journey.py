"""Comparing revisions in Chromium, at a desk's and a phone's size: an editor opens a story's revisions, compares
two and reads only what changed (one digit of a vote, a subheading, a new paragraph, a link's new address) with the
people named; then compares a writer's held change with the live story the same way. Nothing sticks out sideways
and axe finds nothing, moderate included."""

import pytest
from playwright.sync_api import expect

from stories import revisions, workflow
from tests.browser.journey_helpers import Camera, CspWatch, accessibility_violations, log_in, staff
from tests.factories import StoryFactory

SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
HEADLINE = "Ferry fares rise on the harbour routes"
FILLER = "The harbour authority set out the new fares in a long statement on its website on Monday morning."
BEFORE = (
    "<p>The council voted 31 to 12 in favour of the new fares.</p>"
    + "".join(f"<p>{FILLER} Part {n}.</p>" for n in range(6))
    + "<h2>What the operators say</h2>"
    + '<p>Read the <a href="https://example.org/fares.pdf">operators’ response</a> in full.</p>'
)
AFTER = (
    "<p>The council voted 31 to 13 in favour of the new fares.</p>"
    + "".join(f"<p>{FILLER} Part {n}.</p>" for n in range(6))
    + "<h2>What the ferry operators say</h2>"
    + '<p>Read the <a href="https://example.org/fares-2.pdf">operators’ response</a> in full.</p>'
    + "<p>Passengers can appeal &lt;script&gt;alert(1)&lt;/script&gt; until May.</p>"
)


def _fits(page, width):
    """Nothing sticks out sideways at this width."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def _keep(story, user, **fields):
    for name, value in fields.items():
        setattr(story, name, value)
    story.save()
    revisions.record(story, user, "Changed " + ", ".join(fields) if fields else "Filed")


@pytest.fixture
def sized(page, request):
    width, height = SIZES[request.param]
    page.set_viewport_size({"width": width, "height": height})
    return request.param, width


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("sized", list(SIZES), indirect=True)
def test_an_editor_compares_two_revisions_and_reads_only_what_changed(live_server, page, axe_source, sized):
    size, width = sized
    base = live_server.url
    people = staff()
    story = StoryFactory(title=HEADLINE, body=BEFORE, created_by=people["wendy"], published=True)
    story.authors.set([people["wendy"]])
    _keep(story, people["wendy"])
    _keep(story, people["erin"], body=AFTER, dateline="PORTSMOUTH")
    csp = CspWatch()
    csp.watch(page.context)
    shoot = Camera(f"compare-revisions-{size}")

    log_in(page, base, "eddie")
    page.goto(f"{base}/admin/stories/story/{story.pk}/change/")
    page.get_by_role("link", name="Revisions", exact=True).click()
    expect(page.get_by_role("cell", name="Wendy Writer")).to_be_visible()
    expect(page.get_by_role("cell", name="Erin Editor")).to_be_visible()
    _fits(page, width)
    assert accessibility_violations(page, axe_source) == []
    shoot(page, "revisions")
    page.get_by_role("button", name="Compare the selected versions").click()

    main = page.locator("#content-main")
    expect(main).to_contain_text("saved by Wendy Writer")
    expect(main).to_contain_text("saved by Erin Editor")
    # Only the parts that changed, and among them only the words.
    expect(page.locator(".diff-field h2")).to_have_text(["Body", "Dateline"])
    expect(main).to_contain_text("Unchanged: headline, standfirst, highlights, section, tags, byline")
    vote = main.locator(".diff-block", has_text="The council voted")
    expect(vote.locator("del")).to_have_text("removed: 12")
    expect(vote.locator("ins")).to_have_text("added: 13")
    expect(vote.locator("del .visually-hidden")).to_have_text("removed:")
    assert vote.locator("del").evaluate("d => getComputedStyle(d).textDecorationLine") == "line-through"
    subheading = main.locator(".diff-block", has_text="Subheading, changed")
    expect(subheading.locator("ins")).to_have_text("added: ferry")
    expect(subheading).to_contain_text("What the added: ferry operators say")
    expect(main.locator(".diff-gap", has_text="unchanged paragraphs")).to_have_count(1)
    expect(main).to_contain_text(
        "Link “operators’ response” now goes to https://example.org/fares-2.pdf (was https://example.org/fares.pdf)"
    )
    added = main.locator(".diff-added")
    expect(added).to_contain_text("Passengers can appeal <script>alert(1)</script> until May.")
    expect(main.locator("ins", has_text="PORTSMOUTH")).to_be_visible()
    expect(main).not_to_contain_text("<p>")
    _fits(page, width)
    assert accessibility_violations(page, axe_source) == []
    shoot(page, "compare")
    # The admin follows the system's dark theme: the marks keep their contrast there too.
    page.emulate_media(color_scheme="dark")
    # Links fade to their new colour (the admin's 0.15 s transition): read the colours once they have arrived.
    page.evaluate("() => Promise.all(document.getAnimations().map(animation => animation.finished))")
    assert accessibility_violations(page, axe_source) == []
    shoot(page, "compare-dark")
    assert csp.violations == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("sized", list(SIZES), indirect=True)
def test_an_editor_compares_a_held_change_with_the_live_story(live_server, page, axe_source, sized):
    size, width = sized
    base = live_server.url
    people = staff()
    story = StoryFactory(title=HEADLINE, body=BEFORE, created_by=people["wendy"], published=True)
    story.authors.set([people["wendy"]])
    workflow.propose_revision(
        story, people["wendy"], {"body": BEFORE.replace("31 to 12", "31 to 13")}, comment="The vote count was wrong."
    )
    csp = CspWatch()
    csp.watch(page.context)
    shoot = Camera(f"compare-held-change-{size}")

    log_in(page, base, "eddie")
    page.goto(f"{base}/admin/stories/story/{story.pk}/change/")
    page.get_by_role("link", name="Compare with the live story").click()
    main = page.locator("#content-main")
    expect(main).to_contain_text("proposed by Wendy Writer")
    expect(main).to_contain_text("The vote count was wrong.")
    expect(page.locator(".diff-field h2")).to_have_text(["Body"])
    expect(main.locator("del")).to_have_text(["removed: 12"])
    expect(main.locator("ins")).to_have_text(["added: 13"])
    expect(main).to_contain_text("Unchanged: headline, standfirst, highlights, section, dateline")
    _fits(page, width)
    assert accessibility_violations(page, axe_source) == []
    shoot(page, "compare-held-change")
    assert csp.violations == []
