"""Hostile rich text saved through the story form comes out clean, on creation and on every later edit."""

import pytest

from stories.models import Story
from stories.richtext import sanitize_html
from tests.factories import StoryFactory
from tests.story_admin_helpers import change_url, story_form_data

# Every test here uses the database (some only through request.getfixturevalue).
pytestmark = pytest.mark.django_db

HOSTILE = [
    "<p>Hi</p><script>alert(1)</script>",
    '<p onclick="alert(1)">Hi</p>',
    '<img src="x" onerror="alert(1)">',
    '<a href="javascript:alert(1)">Hi</a>',
    '<a href="JaVaScRiPt:alert(1)">Hi</a>',
    '<a href="jav&#x09;ascript:alert(1)">Hi</a>',
    '<a href="jav&#9;ascript:alert(1)">Hi</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">Hi</a>',
    '<a href=" javascript:alert(1)">Hi</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">Hi</a>',
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    '<iframe src="https://evil.test"></iframe>',
    '<p style="background:url(javascript:alert(1))">Hi</p>',
    '<form action="https://evil.test"><input name="x"></form>',
    "<p>Hi<!-- <script>alert(1)</script> --></p>",
    '<math><mtext><table><mglyph><style><img src=x onerror="alert(1)"></style></mglyph></table></mtext></math>',
]
FORBIDDEN = [
    "<script",
    "onerror",
    "onclick",
    "onload",
    "javascript",
    "data:",
    "<svg",
    "<iframe",
    "<img",
    "style=",
    "<form",
    "<input",
    "<!--",
]


def _clean(body):
    lowered = body.lower()
    return [bad for bad in FORBIDDEN if bad in lowered]


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_markup_is_removed_when_a_story_is_created(client, editor, payload):
    data = story_form_data(highlights=["One."], title="Hostile", slug="hostile", body=payload)
    client.force_login(editor)
    assert client.post("/admin/stories/story/add/", data).status_code == 302
    assert _clean(Story.objects.get(slug="hostile").body) == []


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_markup_is_removed_when_a_story_is_edited(client, editor, payload):
    story = StoryFactory(published=True)
    client.force_login(editor)
    assert client.post(change_url(story), story_form_data(story, body=payload)).status_code == 302
    story.refresh_from_db()
    assert _clean(story.body) == []


def test_good_markup_survives(client, editor):
    body = (
        "<h2>Sub</h2><p><strong>Bold</strong> and <em>italic</em> with "
        '<a href="https://example.org/x">a link</a>.</p><blockquote><p>Quote</p></blockquote>'
        "<ul><li>One</li></ul><ol><li>Two</li></ol>"
    )
    story = StoryFactory()
    client.force_login(editor)
    client.post(change_url(story), story_form_data(story, body=body))
    story.refresh_from_db()
    for kept in [
        "<h2>Sub</h2>",
        "<strong>Bold</strong>",
        "<em>italic</em>",
        'href="https://example.org/x"',
        "<blockquote>",
        "<ul><li>One</li></ul>",
        "<ol><li>Two</li></ol>",
    ]:
        assert kept in story.body
    assert 'rel="noopener noreferrer"' in story.body


def test_the_public_page_never_carries_the_payload(client, editor):
    story = StoryFactory(published=True)
    payload = '<p>Fine</p><a href="jav&#x09;ascript:alert(1)">x</a><svg onload="alert(1)"></svg><script>x()</script>'
    client.force_login(editor)
    client.post(change_url(story), story_form_data(story, body=payload))
    client.logout()
    html = client.get(story.get_absolute_url()).content.decode().lower()
    assert "alert(1)" not in html and "<svg" not in html and "x()" not in html


def test_an_empty_link_title_is_not_stored():
    assert sanitize_html('<p><a href="https://example.com/" title=" ">x</a></p>') == (
        '<p><a href="https://example.com/" rel="noopener noreferrer">x</a></p>'
    )
