"""Dates machines read: every `<time datetime>` and meta date a valid HTML date, to the second."""

import re
from datetime import UTC, datetime

import pytest

from tests.factories import StoryFactory

pytestmark = pytest.mark.django_db

# HTML's "valid global date and time string": at most three digits after the seconds.
HTML_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$")


def test_a_story_published_with_microseconds_has_valid_machine_dates(client):
    # "Publish now" stores the clock's microseconds.
    story = StoryFactory(published=True, published_at=datetime(2026, 3, 3, 9, 5, 7, 469781, tzinfo=UTC))
    for url in [story.get_absolute_url(), "/"]:
        html = client.get(url).content.decode()
        found = re.findall(r'<time datetime="([^"]+)"', html)
        assert found, url
        assert all(HTML_DATETIME.match(value) for value in found), (url, found)
        assert "469781" not in html, url
