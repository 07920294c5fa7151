"""Django's admin and our pages work under our Content-Security-Policy in real Chromium, and hostile text stays text.

A listener records every `securitypolicyviolation` event and console CSP
error; any alert() from a payload is caught as a dialog. Both lists must stay
empty while a person logs in, opens the admin and reads pages full of
hostile payloads.
"""

import pytest
from django.urls import reverse

from stories.models import Highlight, Opinion, OpinionStatus
from tests.factories import PASSWORD, StoryFactory, UserFactory
from tests.payloads import load

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def watched(page):
    """The page, with every CSP violation, CSP console error and dialog recorded."""
    seen = {"console": [], "dialogs": []}
    page.add_init_script(WATCH)
    page.on(
        "console",
        lambda m: seen["console"].append(m.text) if "Content Security Policy" in m.text else None,
    )

    def dialog(d):
        seen["dialogs"].append(d.message)
        d.dismiss()

    page.on("dialog", dialog)

    def violations():
        return page.evaluate("window.__csp || []") + seen["console"] + seen["dialogs"]

    page.violations = violations
    return page


@pytest.mark.django_db(transaction=True)
def test_the_admin_runs_under_our_csp_without_a_violation(live_server, watched, screenshot):
    UserFactory(username="chief", is_staff=True, is_superuser=True)
    story = StoryFactory(published=True, title="Tram line approved")
    page = watched

    page.goto(live_server.url + reverse("admin:login"))
    assert page.violations() == []
    page.fill("#id_username", "chief")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url(f"**{reverse('admin:index')}")
    assert page.violations() == []

    for url in (
        reverse("admin:index"),
        reverse("admin:stories_story_changelist"),
        reverse("admin:stories_story_change", args=[story.pk]),
        reverse("admin:stories_story_add"),
        reverse("admin:stories_opinion_changelist"),
    ):
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
        assert page.violations() == [], url
    # Admin scripts ran (the prepopulated slug fills itself from the headline on the add page).
    page.goto(live_server.url + reverse("admin:stories_story_add"))
    page.locator("#id_title").press_sequentially("A headline typed by hand")
    assert page.input_value("#id_slug") == "a-headline-typed-by-hand"
    screenshot("admin-add-story")
    assert page.violations() == []


@pytest.mark.django_db(transaction=True)
def test_pages_full_of_hostile_text_run_nothing(live_server, watched):
    page = watched
    stories = []
    for n, item in enumerate(load()[:40]):
        text = item["payload"].replace("\x00", "")
        story = StoryFactory(
            published=True, title=text[:200], slug=f"hostile-{n}", body=text, standfirst=text[:400], highlights=[]
        )
        Highlight.objects.create(story=story, text=text[:200], position=0)
        Opinion.objects.create(story=story, author_name=text[:80], body=text[:2000], status=OpinionStatus.APPROVED)
        stories.append(story)
    for story in stories[:20]:
        page.goto(live_server.url + story.get_absolute_url())
        assert page.violations() == [], story.slug
    page.goto(live_server.url + "/")
    page.wait_for_load_state("networkidle")
    assert page.violations() == []
    active = "[onerror],[onload],[onmouseover],iframe,object,embed"
    assert page.evaluate(f"document.querySelectorAll('{active}').length") == 0
