"""Hostile text stored in every field a person controls is shown inert, on the public site and in the admin.

Payloads come from tests/payloads/hostile.json. Here they are stored as they
would be after a form accepted them (NUL bytes, which no form accepts and
PostgreSQL cannot store, are tested through the forms in
test_hostile_forms.py) and the pages that show them are checked for anything
a browser would run.
"""

import pytest
from django.urls import reverse

from stories.models import Highlight, Opinion, OpinionStatus, Section, Story, Tag
from tests.factories import StoryFactory
from tests.payloads import assert_inert, load, params
from tests.story_admin_helpers import change_url

pytestmark = pytest.mark.slow


def _storable(payload: str) -> str:
    return payload.replace("\x00", "")


def _hostile_story(payload: str, n: int = 0) -> Story:
    text = _storable(payload)
    section = Section.objects.create(name=f"{text[:70]} {n}", slug=f"hostile-section-{n}")
    tag = Tag.objects.create(name=f"{text[:50]} {n}", slug=f"hostile-tag-{n}")
    story = StoryFactory(
        published=True,
        title=text[:200],
        slug=f"hostile-story-{n}",
        standfirst=text[:400],
        body=text,
        dateline=text[:100],
        lead_image_alt=text[:250],
        lead_image_caption=text[:300],
        section=section,
        highlights=[],
    )
    story.tags.add(tag)
    Highlight.objects.create(story=story, text=text[:200], position=0)
    Opinion.objects.create(
        story=story, author_name=text[:80], body=text[:2000], email="reader@example.com", status=OpinionStatus.APPROVED
    )
    return story


@pytest.mark.django_db
@pytest.mark.parametrize("payload", params())
def test_public_pages_show_hostile_text_inert(client, payload):
    story = _hostile_story(payload)
    pages = {
        "story page": story.get_absolute_url(),
        "front page": "/",
        "section page": story.section.get_absolute_url(),
        "tag page": story.tags.get().get_absolute_url(),
    }
    for where, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, where
        assert_inert(response.content.decode(), where)


@pytest.mark.django_db
def test_story_body_is_sanitised_when_saved():
    for n, item in enumerate(load()):
        story = StoryFactory(slug=f"sanitised-{n}", body=_storable(item["payload"]))
        stored = Story.objects.get(pk=story.pk).body
        assert_inert(f"<div>{stored}</div>", item["name"])
        assert "<script" not in stored.lower()
        assert "javascript:" not in stored.lower()


@pytest.mark.django_db
@pytest.mark.parametrize("payload", params())
def test_search_and_filters_echo_hostile_queries_inert(client, payload):
    StoryFactory(published=True)
    query = {"q": payload, "section": payload, "tag": payload, "date_from": payload, "date_to": payload}
    response = client.get("/", query)
    assert response.status_code in (200, 400, 404)
    assert_inert(response.content.decode(), "front page with a hostile query")


@pytest.mark.django_db
def test_admin_pages_show_hostile_text_inert(client, admin_user):
    stories = [_hostile_story(item["payload"], n) for n, item in enumerate(load())]
    client.force_login(admin_user)
    lists = [
        reverse("admin:stories_story_changelist"),
        reverse("admin:stories_story_changelist") + "?all=&q=%3Cscript%3E",
        reverse("admin:stories_opinion_changelist"),
        reverse("admin:stories_section_changelist"),
        reverse("admin:stories_tag_changelist"),
        reverse("admin:index"),
    ]
    for url in lists:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.content.decode(), url)
    for story in stories:
        for url in (
            change_url(story),
            reverse("admin:stories_opinion_change", args=[story.opinions.get().pk]),
            reverse("admin:stories_section_change", args=[story.section_id]),
        ):
            response = client.get(url)
            assert response.status_code == 200, url
            assert_inert(response.content.decode(), f"{url} ({story.slug})")
