"""The body's editor offers exactly the markup the cleaner keeps: neither formatting that vanishes on save, nor
stored formatting that the editor cannot show (and would drop when the story is next edited)."""

import html
import json
import re

import pytest
from django_prose_editor.config import allowlist_from_extensions

from stories.richtext import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    ALLOWED_URL_SCHEMES,
    EDITOR_ATTRIBUTES_DROPPED,
    EDITOR_EXTENSIONS,
    EDITOR_READS_AS,
    sanitize_html,
)
from stories.widgets import RichTextWidget

EDITOR = allowlist_from_extensions(EDITOR_EXTENSIONS)


def test_the_editor_makes_every_tag_the_cleaner_keeps_and_no_other():
    assert EDITOR["tags"] | EDITOR_READS_AS.keys() == ALLOWED_TAGS
    assert not EDITOR["tags"] & EDITOR_READS_AS.keys()
    # The older tags are read as ones the editor makes.
    assert set(EDITOR_READS_AS.values()) <= EDITOR["tags"]


def test_the_editor_sets_the_attributes_the_cleaner_keeps_and_only_drops_its_own_bookkeeping():
    kept = {
        tag: attributes - EDITOR_ATTRIBUTES_DROPPED.get(tag, set())
        for tag, attributes in EDITOR["attributes"].items()
        if attributes - EDITOR_ATTRIBUTES_DROPPED.get(tag, set())
    }
    assert kept == ALLOWED_ATTRIBUTES
    # What is listed as dropped is really something the editor writes and the cleaner refuses.
    for tag, attributes in EDITOR_ATTRIBUTES_DROPPED.items():
        assert attributes <= EDITOR["attributes"][tag]
        assert not attributes & ALLOWED_ATTRIBUTES.get(tag, set())


def test_links_in_the_editor_take_the_addresses_the_cleaner_keeps():
    assert EDITOR["url_schemes"] == ALLOWED_URL_SCHEMES


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("<h2>Sub</h2><h3>Minor</h3><h4>Least</h4>", "<h2>Sub</h2><h3>Minor</h3><h4>Least</h4>"),
        ("<p>A<br>B <strong>b</strong> <em>i</em> <u>u</u> <s>s</s></p>", None),
        ('<p><a href="https://example.com/" title="Source">x</a></p>', None),
        ('<p><a href="https://example.com/" title="">x</a></p>', '<p><a href="https://example.com/">x</a></p>'),
        ("<ul><li><p>One</p></li></ul>", None),
        ('<ol type="1" data-type="decimal" start="3"><li><p>One</p></li></ol>', "<ol><li><p>One</p></li></ol>"),
        ("<blockquote><p>Said.</p></blockquote>", None),
        (
            "<figure><blockquote><p>Said.</p></blockquote>"
            "<figcaption><cite>Ana Ruiz</cite>, mayor</figcaption></figure>",
            None,
        ),
    ],
)
def test_what_the_editor_writes_is_stored_as_written(written, stored):
    """The markup as the editor serialises it comes back from the cleaner unchanged (links gain their rel)."""
    expected = stored or written
    expected = expected.replace('">x</a>', '" rel="noopener noreferrer">x</a>')
    assert sanitize_html(written) == expected


def test_the_story_form_starts_the_editor_with_these_extensions(client, editor):
    client.force_login(editor)
    page = client.get("/admin/stories/story/add/").content.decode()
    config = json.loads(html.unescape(re.search(r'data-django-prose-editor-configurable="([^"]*)"', page).group(1)))
    enabled = {name for name, on in EDITOR_EXTENSIONS.items() if on is not False}
    assert {name for name, on in config["extensions"].items() if on is not False} >= enabled
    assert "NoSpellCheck" not in config["extensions"]  # writers keep the browser's spelling check
    # Every extension the page enables is one whose markup the allowlist accounts for.
    assert allowlist_from_extensions(config["extensions"])["tags"] == EDITOR["tags"]
    assert config["js_modules"] == ["/static/js/story-editor-quotes.js"]
    for asset in ["django_prose_editor/configurable.js", "js/story-editor.js", "css/story-editor.css"]:
        assert asset in page
    assert '<script type="importmap" nonce="' in page  # the CSP lets only scripts with the page's nonce run
    assert "<style data-tiptap-style" in page


def test_without_javascript_the_body_is_a_textarea_of_html():
    rendered = RichTextWidget().render("body", "<p>Tram line approved.</p>", {"id": "id_body"})
    assert rendered.startswith("<textarea")
    assert "&lt;p&gt;Tram line approved.&lt;/p&gt;</textarea>" in rendered
