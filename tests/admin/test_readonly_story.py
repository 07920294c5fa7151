"""A story seen read-only (a moderator's view, a writer's own live story): the body as formatted text, cleaned as on
the site; the byline by people's names; the lead image as a thumbnail."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stories.models import Story
from tests.factories import StoryFactory, UserFactory
from tests.story_admin_helpers import change_url, png_upload

pytestmark = pytest.mark.django_db

BODY = "<h2>What the vote means</h2><p>The council voted <strong>31 to 12</strong>.</p><ul><li>Nine stops.</li></ul>"


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def pictured(writer):
    writer.first_name, writer.last_name = "Walter", "Writer"
    writer.save()
    colleague = UserFactory(username="eb-2041", first_name="Elena", last_name="Bruns", role="Writers")
    story = StoryFactory(published=True, body=BODY, created_by=writer, lead_image_alt="A tram at dusk")
    story.authors.set([writer, colleague])
    story.lead_image.save("tram.png", png_upload("tram.png"))
    return Story.objects.get(pk=story.pk)


def _row(html, name):
    """The read-only value of one field of the form, as HTML."""
    return re.search(rf'field-{name}">.*?<div class="readonly">(.*?)</div>\s*</div>', html, re.S)[1]


def test_a_moderator_reads_the_body_as_formatted_text(client, moderator, pictured):
    client.force_login(moderator)
    html = client.get(change_url(pictured)).content.decode()
    body = re.search(r'<div class="story-body-preview">(.*?)</div>', html, re.S)[1]
    assert body == BODY
    assert "&lt;h2&gt;" not in html
    assert 'name="body"' not in html


def test_a_body_with_unsafe_markup_stored_behind_the_desks_back_is_cleaned_when_shown(client, moderator, pictured):
    Story.objects.filter(pk=pictured.pk).update(body='<h2 onclick="steal()">Vote</h2><script>steal()</script>')
    client.force_login(moderator)
    html = client.get(change_url(pictured)).content.decode()
    assert '<div class="story-body-preview"><h2>Vote</h2></div>' in html
    assert "steal()" not in html


def test_a_moderator_sees_the_byline_by_peoples_names(client, moderator, pictured):
    client.force_login(moderator)
    html = client.get(change_url(pictured)).content.decode()
    assert unescape(_row(html, "byline")) == "Walter Writer, Elena Bruns"
    assert "eb-2041" not in html


def test_a_moderator_sees_the_lead_image_as_a_thumbnail(client, moderator, pictured):
    client.force_login(moderator)
    html = client.get(change_url(pictured)).content.decode()
    assert _row(html, "lead_image_thumbnail") == (
        f'<img class="lead-image-thumbnail" src="{pictured.lead_image.url}" alt="A tram at dusk">'
    )
    assert f">{pictured.lead_image.name}<" not in html  # not the file's path as a link


def test_a_story_without_an_image_says_so(client, moderator):
    story = StoryFactory(published=True)
    client.force_login(moderator)
    assert _row(client.get(change_url(story)).content.decode(), "lead_image_thumbnail") == "—"


def test_a_writers_own_live_story_shows_what_they_cannot_change_the_same_way(client, writer, pictured):
    client.force_login(writer)
    html = client.get(change_url(pictured)).content.decode()
    assert 'name="body"' in html  # the text stays theirs to propose changes to
    assert unescape(_row(html, "byline")) == "Walter Writer, Elena Bruns"
    assert 'class="lead-image-thumbnail"' in _row(html, "lead_image_thumbnail")


def test_the_read_only_page_costs_the_same_queries_however_long_the_byline(client, moderator, database_features_known):
    story = StoryFactory(published=True, body=BODY)
    client.force_login(moderator)
    client.get(change_url(story))  # the session and permissions, once
    counted = []
    for people in (1, 6):
        story.authors.set([UserFactory(first_name=f"Person{n}") for n in range(people)])
        with CaptureQueriesContext(connection) as queries:
            html = client.get(change_url(story)).content.decode()
        assert unescape(_row(html, "byline")).count("Person") == people
        counted.append(len(queries))
    assert counted[0] == counted[1]
