"""The story form's tags: typed as names separated by commas, existing tags suggested, new ones made by those who
may add tags, case and spacing never making a second tag."""

import re
from html import unescape

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from reversion.models import Version

from stories.models import Story, Tag
from tests.factories import StoryFactory, TagFactory
from tests.story_admin_helpers import change_url, story_form_data

pytestmark = pytest.mark.django_db

ADD = "/admin/stories/story/add/"


def _new_story(client, tags, **fields):
    data = story_form_data(
        highlights=["The council voted 31 to 12."], **{"title": "Tram line", "slug": "tram-line", **fields}
    )
    data["tags"] = tags
    return client.post(ADD, data)


def _tags_input(html):
    return re.search(r'<input type="text" name="tags"[^>]*>', html)[0]


def _field_errors(html):
    row = html.split('field-tags"', 1)[1].split("</div>\n        </div>", 1)[0]
    return unescape(" ".join(re.findall(r'<ul class="errorlist"[^>]*><li>(.*?)</li></ul>', row, re.S)))


@pytest.fixture
def writer_without_add_tag(writer):
    """A writer of a newsroom that keeps its tag list to the editors."""
    Group.objects.get(name="Writers").permissions.remove(Permission.objects.get(codename="add_tag"))
    return writer


def test_the_field_is_a_text_box_suggesting_the_existing_tags(client, writer):
    TagFactory(name="Transport")
    TagFactory(name="City hall")
    client.force_login(writer)
    html = client.get(ADD).content.decode()
    field = _tags_input(html)
    assert 'list="id_tags-suggestions"' in field and 'autocomplete="off"' in field
    assert (
        '<datalist id="id_tags-suggestions"><option value="City hall"></option><option value="Transport"></option>'
        in html
    )
    assert "Separate tags with commas" in html
    assert re.search(r'<script src="/static/js/tag-suggestions.js" nonce="[^"]+" defer></script>', html)
    assert "<select" not in html.split('field-tags"', 1)[1].split("field-dateline", 1)[0]


def test_a_writer_types_a_new_tag_and_an_existing_one(client, writer):
    transport = TagFactory(name="Transport")
    client.force_login(writer)
    response = _new_story(client, "Transport, Trams")
    assert response.status_code == 302
    story = Story.objects.get(slug="tram-line")
    assert sorted(story.tags.values_list("name", "slug")) == [("Trams", "trams"), ("Transport", "transport")]
    assert story.tags.get(slug="transport") == transport
    html = client.get(change_url(story)).content.decode()
    assert 'value="Trams, Transport"' in _tags_input(html)


def test_case_and_spacing_reuse_the_tag_that_exists(client, writer):
    city_hall = TagFactory(name="City Hall")
    transport = TagFactory(name="Transport")
    client.force_login(writer)
    _new_story(client, "  TRANSPORT ,city   hall, city-hall, transport")
    assert set(Story.objects.get(slug="tram-line").tags.all()) == {city_hall, transport}
    assert Tag.objects.count() == 2


def test_two_new_names_making_one_address_make_one_tag(client, editor):
    client.force_login(editor)
    _new_story(client, "Night buses, night  BUSES, night-buses")
    assert list(Tag.objects.values_list("name", "slug")) == [("Night buses", "night-buses")]
    assert Story.objects.get(slug="tram-line").tags.count() == 1


def test_without_the_right_to_add_tags_an_unknown_name_is_an_error_naming_it(client, writer_without_add_tag):
    TagFactory(name="Transport")
    client.force_login(writer_without_add_tag)
    response = _new_story(client, "Transport, Trams, Night buses")
    assert response.status_code == 200
    html = response.content.decode()
    assert _field_errors(html) == (
        "There is no tag “Trams” or “Night buses”. Choose existing tags; an editor can add new ones."
    )
    assert 'value="Transport, Trams, Night buses"' in _tags_input(html)  # nothing typed is lost
    assert "Start typing to find existing tags." in html
    assert not Story.objects.filter(slug="tram-line").exists()
    assert list(Tag.objects.values_list("name", flat=True)) == ["Transport"]


def test_without_the_right_to_add_tags_existing_ones_are_still_chosen(client, writer_without_add_tag):
    transport = TagFactory(name="Transport")
    client.force_login(writer_without_add_tag)
    assert _new_story(client, "transport").status_code == 302
    assert list(Story.objects.get(slug="tram-line").tags.all()) == [transport]


def test_writers_may_add_tags_by_the_data_migration(writer, moderator):
    assert writer.has_perm("stories.add_tag")
    assert not moderator.has_perm("stories.add_tag")


def test_a_form_refused_for_another_reason_makes_no_tag_and_keeps_the_text(client, writer):
    client.force_login(writer)
    response = _new_story(client, "Trams, Night buses", title="")
    assert response.status_code == 200
    assert 'value="Trams, Night buses"' in _tags_input(response.content.decode())
    assert not Tag.objects.exists()


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("Trams, !!!", "“!!!” needs a letter or a digit to make the tag's address."),
        ("x" * 61, "is too long for a tag: at most 60 characters."),
    ],
)
def test_a_name_that_cannot_be_a_tag_is_an_error_next_to_the_field(client, editor, typed, error):
    client.force_login(editor)
    response = _new_story(client, typed)
    assert response.status_code == 200
    assert error in _field_errors(response.content.decode())
    assert not Tag.objects.exists()


def test_clearing_the_field_removes_the_tags_and_keeps_them_for_other_stories(client, editor):
    story = StoryFactory()
    story.tags.add(TagFactory(name="Transport"))
    client.force_login(editor)
    response = client.post(change_url(story), story_form_data(story, tags=""))
    assert response.status_code == 302
    assert not story.tags.exists()
    assert Tag.objects.filter(name="Transport").exists()


def test_saving_unchanged_tags_is_no_change(client, editor):
    story = StoryFactory()
    story.tags.add(TagFactory(name="Transport"), TagFactory(name="City hall"))
    client.force_login(editor)
    client.post(change_url(story), story_form_data(story, tags="transport,  City Hall"))
    comment = Version.objects.get_for_object(story).first().revision.comment
    assert "tags" not in comment.lower()


def test_the_form_costs_the_same_queries_however_many_tags(client, editor, database_features_known):
    story = StoryFactory()
    client.force_login(editor)
    client.get(change_url(story))  # the session and permissions, once
    counted = []
    for count in (1, 30):
        story.tags.set([TagFactory(name=f"Tag {n}") for n in range(count)])
        with CaptureQueriesContext(connection) as queries:
            html = client.get(change_url(story)).content.decode()
        assert html.count('<option value="Tag ') == count
        counted.append(len(queries))
    assert counted[0] == counted[1]
