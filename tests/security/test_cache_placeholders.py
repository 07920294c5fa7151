"""Stored content can never make the page cache hand out a later reader's per-visit values.

A shared page is stored once and filled with each reader's own CSP nonce and
opinion time token (and CSRF token, on a page that has one; the story page has
none). Content that carried the cache's placeholder text (a headline, a body, a
link's address, a highlight, an approved opinion) used to be filled too, and so
harvested every later reader's values, for instance inside an outbound link.
Here every field the story page shows carries every form of that
text, and the page served from the cache to another reader must show that reader's
values only where the page itself puts them, and the planted text as it was typed.
"""

import re
import time

import pytest
from django.test import Client

from stories.models import Highlight, Opinion, OpinionStatus, Section, Story, Tag
from tests.factories import StoryFactory

pytestmark = pytest.mark.django_db

# The placeholder text the cache once used, for every slot a page could have, and its template itself.
OLD_PLACEHOLDERS = [f"__newsroom_per_visit_{n}__" for n in range(10)] + ["__newsroom_per_visit_{}__"]
# Other spellings a placeholder scheme might use: none of them may be special either.
OTHER_MARKERS = ["__newsroom_per_visit_-1__", "__newsroom_per_visit___", "{csrf}", "{nonce}", "%(csrf)s", "\\u005f_x"]
PLANTS = OLD_PLACEHOLDERS + OTHER_MARKERS


def _plants(limit: int) -> str:
    """As many plants as fit in a field of `limit` characters."""
    text = ""
    for plant in PLANTS:
        if len(text) + len(plant) + 1 > limit:
            break
        text += plant + " "
    return text.strip()


def _harvesting_link() -> str:
    query = "&".join(f"v{n}={p}" for n, p in enumerate(OLD_PLACEHOLDERS))
    return f'<a href="https://harvest.example/?{query}">Read more</a>'


@pytest.fixture
def planted_story():
    section = Section.objects.create(name=_plants(80), slug="city")
    tag = Tag.objects.create(name=_plants(60), slug="tram")
    story = StoryFactory(
        published=True,
        title=_plants(200),
        slug="planted",
        standfirst=_plants(400),
        dateline=_plants(100),
        body=f"<p>{_plants(2000)}</p><p>{_harvesting_link()}</p>",
        section=section,
        highlights=[],
    )
    story.tags.add(tag)
    for position in range(3):
        Highlight.objects.create(story=story, text=_plants(200), position=position)
    Opinion.objects.create(story=story, author_name=_plants(80), body=_plants(2000), status=OpinionStatus.APPROVED)
    return story


def _own_values(response) -> dict[str, list[str]]:
    """Where the page itself puts this reader's values: the form's time token field and the nonce attributes."""
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    started = re.findall(r'<input type="hidden" name="started" value="([^"]+)"', response.text)
    return {"nonce": [nonce], "started": started}


def _anonymised(html: str, values: dict[str, list[str]]) -> str:
    for name, found in values.items():
        for value in found:
            html = html.replace(value, f"{{{{{name}}}}}")
    return html


@pytest.mark.parametrize("opinions_open", [True, False], ids=["with-the-opinion-form", "opinions-closed"])
def test_content_carrying_placeholder_text_never_harvests_another_readers_values(
    planted_story, opinions_open, monkeypatch
):
    Story.objects.filter(pk=planted_story.pk).update(opinions_closed=not opinions_open)
    url = planted_story.get_absolute_url()
    first, second = Client(), Client()
    made = first.get(url)
    # A second later: readers of the same second share the form's time token (stories.opinions).
    later = time.time() + 1
    monkeypatch.setattr(time, "time", lambda: later)
    served = second.get(url)
    assert served["X-Cache"] == "hit"

    mine, theirs = _own_values(made), _own_values(served)
    html = served.text
    # Exactly where the page puts them: one nonce attribute per nonce, one token per form field.
    nonce = theirs["nonce"][0]
    assert html.count(nonce) == html.count(f'nonce="{nonce}"') >= 1
    assert "csrfmiddlewaretoken" not in html  # the opinion form is checked by origin, not by a token
    assert not served.cookies and not second.cookies
    assert len(theirs["started"]) == (1 if opinions_open else 0)
    assert all(html.count(token) == 1 for token in theirs["started"])
    # Nothing of the first reader's visit either.
    assert not any(value in html for found in mine.values() for value in found)
    # Apart from the values, the second reader sees the very page the first one did: the plants as typed.
    assert _anonymised(html, theirs) == _anonymised(made.text, mine)
    for plant in PLANTS:
        assert plant in html, plant
    assert "https://harvest.example/?v0=__newsroom_per_visit_0__&amp;v1=__newsroom_per_visit_1__" in html
