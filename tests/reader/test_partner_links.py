"""Partner links: an editor shares an embargoed story with a named outsider, who reads it marked with the embargo."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stories import previews, workflow
from stories.dates import format_local
from stories.models import Status
from tests.factories import StoryFactory

pytestmark = pytest.mark.django_db

HEADLINE = "Central bank to cut rates on Thursday"
PARTNER = "Harbour Radio"
NOTICE = "Removed at the request of the source."


@pytest.fixture
def embargoed(editor):
    """Published, held by an embargo ending in two hours."""
    story = StoryFactory(in_review=True, title=HEADLINE, embargo_until=timezone.now() + timedelta(hours=2))
    return workflow.publish(story, editor)


def _create(person, story, partner=PARTNER):
    desk = Client()
    desk.force_login(person)
    return desk.post(reverse("admin:stories_story_partner_link", args=[story.pk]), {"partner": partner}, follow=True)


def _link_in(response) -> str | None:
    found = re.search(r"/preview/partner/[^\s<\"']+/", response.content.decode())
    return found.group(0) if found else None


def _banner(story, partner=PARTNER):
    return f"— shared with {partner}. Do not publish before then."


def test_an_editor_creates_a_partner_link_and_the_partner_reads_the_story_marked_embargoed(editor, embargoed):
    response = _create(editor, embargoed)
    link = _link_in(response)
    assert link is not None
    text = response.content.decode()
    assert f"Partner link for {PARTNER}, valid until" in text

    page = Client().get(link)
    assert page.status_code == 200
    html = page.content.decode()
    assert HEADLINE in html
    assert "Embargoed until" in html and format_local(embargoed.embargo_until) in html
    assert _banner(embargoed) in html
    assert "Preview — not published" not in html


def test_a_partner_link_is_never_cached_nor_indexed(embargoed):
    link = previews.partner_link_for(embargoed, PARTNER)
    reader = Client()
    for _ in range(2):
        response = reader.get(link)
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"
        assert response["X-Robots-Tag"] == "noindex"
        assert "X-Cache" not in response
        assert '<meta name="robots" content="noindex">' in response.content.decode()


def test_the_partner_name_is_escaped(embargoed):
    link = previews.partner_link_for(embargoed, "<b>Harbour</b> & Co")
    html = Client().get(link).content.decode()
    assert "shared with &lt;b&gt;Harbour&lt;/b&gt; &amp; Co." in html


def test_a_tampered_token_is_a_404(embargoed):
    link = previews.partner_link_for(embargoed, PARTNER)
    token = link.rsplit("/", 2)[1]
    changed = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert Client().get(reverse("stories:partner-link", args=[changed])).status_code == 404
    assert Client().get(reverse("stories:partner-link", args=["nonsense"])).status_code == 404


def test_a_preview_token_is_not_a_partner_token(embargoed):
    token = previews.link_for(embargoed).rsplit("/", 2)[1]
    assert Client().get(reverse("stories:partner-link", args=[token])).status_code == 404


def test_a_partner_link_ends_a_day_after_the_embargo(embargoed, monkeypatch):
    link = previews.partner_link_for(embargoed, PARTNER)
    ends = embargoed.embargo_until
    monkeypatch.setattr(timezone, "now", lambda: ends + timedelta(hours=23))
    assert Client().get(link).status_code == 200
    monkeypatch.setattr(timezone, "now", lambda: ends + timedelta(days=1, minutes=1))
    assert Client().get(link).status_code == 404


def test_a_partner_link_follows_an_extended_embargo(embargoed, writer, editor, monkeypatch):
    link = previews.partner_link_for(embargoed, PARTNER)
    embargoed.refresh_from_db()
    first = embargoed.embargo_until
    embargoed.embargo_until = first + timedelta(days=3)
    embargoed.published_at = embargoed.embargo_until
    embargoed.save(update_fields=["embargo_until", "published_at"])
    monkeypatch.setattr(timezone, "now", lambda: first + timedelta(days=2))
    response = Client().get(link)
    assert response.status_code == 200
    assert format_local(embargoed.embargo_until) in response.content.decode()


def test_a_killed_storys_partner_link_shows_the_notice_not_the_story(editor, embargoed):
    link = previews.partner_link_for(embargoed, PARTNER)
    workflow.lift_embargo(embargoed, editor, "Announced early")
    workflow.kill(embargoed, editor, NOTICE)
    response = Client().get(link)
    assert response.status_code == 410
    html = response.content.decode()
    assert HEADLINE not in html
    assert NOTICE in html
    assert response["Cache-Control"] == "private, no-store"


def test_a_deleted_storys_partner_link_is_a_404(embargoed):
    link = previews.partner_link_for(embargoed, PARTNER)
    embargoed.delete()
    assert Client().get(link).status_code == 404


@pytest.mark.parametrize("role", ["writer", "moderator"])
def test_only_editors_create_partner_links(request, embargoed, role):
    person = request.getfixturevalue(role)
    if role == "writer":
        embargoed.authors.add(person)
    response = _create(person, embargoed)
    assert response.status_code in (403, 404)
    assert _link_in(response) is None


def test_a_partner_link_needs_the_partners_name(editor, embargoed):
    response = _create(editor, embargoed, partner="   ")
    assert _link_in(response) is None
    assert "Give the partner’s name" in response.content.decode().replace("&#x27;", "’").replace("'", "’")


def test_a_story_not_under_embargo_has_no_partner_link(editor):
    story = StoryFactory(published=True)
    response = _create(editor, story)
    assert _link_in(response) is None
    assert "Only a story under embargo can be shared with a partner." in response.content.decode()


def test_a_partner_link_is_made_by_post_only(editor, embargoed):
    desk = Client()
    desk.force_login(editor)
    assert desk.get(reverse("admin:stories_story_partner_link", args=[embargoed.pk])).status_code == 405


def test_an_embargoed_draft_previews_with_its_embargo_for_staff(editor):
    story = StoryFactory(title=HEADLINE, embargo_until=timezone.now() + timedelta(hours=4))
    desk = Client()
    desk.force_login(editor)
    html = desk.get(reverse("stories:preview", args=[story.pk])).content.decode()
    assert "Embargoed until <time datetime=" in html
    assert "Do not publish before then." in html
    assert "Preview — not published" in html
    assert story.status == Status.DRAFT
