"""Reader pages go out gzip-compressed; a page carrying a CSRF token, or sent to a logged-in person, never does
(BREACH: see newsroom.middleware.ReaderGZipMiddleware)."""

import gzip

import pytest

from tests.factories import StoryFactory

pytestmark = pytest.mark.django_db
GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


@pytest.fixture
def story():
    return StoryFactory(published=True)


@pytest.mark.parametrize("path", ["/", "story", "/search/?q=council", "/corrections/", "/feed/", "/sitemap.xml"])
def test_an_anonymous_reader_gets_the_page_compressed(client, story, path):
    path = story.get_absolute_url() if path == "story" else path
    plain = client.get(path)
    for _ in range(2):  # rendered, then served from the page cache
        response = client.get(path, **GZIP)
        assert response["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response["Vary"]
        assert gzip.decompress(response.content).split(b'nonce="')[0] == plain.content.split(b'nonce="')[0]
        assert len(response.content) < len(plain.content)


def test_a_story_page_stays_whole_and_its_per_visit_values_fresh(client, story):
    first = gzip.decompress(client.get(story.get_absolute_url(), **GZIP).content).decode()
    second = gzip.decompress(client.get(story.get_absolute_url(), **GZIP).content).decode()
    assert "You've reached the end" in first
    nonce = first.split('nonce="')[1].split('"')[0]
    assert nonce not in second


def test_a_client_that_does_not_ask_gets_plain_bytes(client, story):
    response = client.get(story.get_absolute_url())
    assert not response.has_header("Content-Encoding")


def test_a_page_with_a_csrf_token_is_never_compressed(client):
    response = client.get("/admin/login/", **GZIP)
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content
    assert not response.has_header("Content-Encoding")


@pytest.mark.parametrize("path", ["/admin/", "/admin/stories/story/", "/"])
def test_a_logged_in_person_gets_no_compressed_page(client, admin_user, story, path):
    client.force_login(admin_user)
    response = client.get(path, **GZIP)
    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")


def test_a_compressed_page_still_answers_304_to_its_own_etag(client, story):
    path = story.get_absolute_url()
    client.get(path, **GZIP)
    response = client.get(path, **GZIP)
    assert response["ETag"].startswith('W/"')  # weakened: the bytes sent differ from the stored copy's
    again = client.get(path, HTTP_IF_NONE_MATCH=response["ETag"], **GZIP)
    assert again.status_code == 304
