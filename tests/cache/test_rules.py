"""What may be shared from the cache, with whom, and how a hot page is recomputed."""

import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import _unmask_cipher_token
from django.template import engines
from django.test import Client
from django.urls import path
from django.views.decorators.cache import never_cache

import pagecache as page_cache
from stories.models import Story
from tests.factories import StoryFactory

pytestmark = pytest.mark.django_db

RENDERS = {"count": 0}


def _counted(body):
    RENDERS["count"] += 1
    return HttpResponse(f"{body} {RENDERS['count']}")


def sets_a_cookie(request):
    response = _counted("cookie")
    response.set_cookie("seen", "yes")
    return response


@never_cache
def preview(request):
    return _counted("preview")


def form_page(request):
    template = engines["django"].from_string("<form method=post>{% csrf_token %}</form><p>{{ n }}</p>")
    RENDERS["count"] += 1
    return HttpResponse(template.render({"n": RENDERS["count"]}, request))


def plain(request):
    return _counted("plain")


def unscoped(request):
    return _counted("unscoped")


urlpatterns = [
    path("cookie/", page_cache.cache_public(sets_a_cookie, scopes=["test"])),
    path("preview/", page_cache.cache_public(preview, scopes=["test"])),
    path("form/", page_cache.cache_public(form_page, scopes=["test"])),
    path("plain/", page_cache.cache_public(plain, scopes=["test"])),
    path("unscoped/", page_cache.cache_public(unscoped)),
]


@pytest.mark.urls(__name__)
def test_a_page_that_names_no_scope_is_never_stored(client):
    # Nothing could purge it: it would stay wrong until it expired.
    first, second = client.get("/unscoped/"), client.get("/unscoped/")
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "miss")
    assert first.content != second.content


@pytest.mark.urls(__name__)
def test_a_purge_of_another_scope_leaves_the_page_cached(client):
    first = client.get("/plain/").content
    page_cache.purge("story-1", "front")
    assert client.get("/plain/").content == first
    page_cache.purge("test")
    assert client.get("/plain/").content != first


@pytest.fixture
def story():
    return StoryFactory(published=True, title="Council approves the eastern tram line", slug="tram-line")


def rename_behind_the_cache(story, title):
    """Change what the database says without a purge: whoever sees the new title was not served the cache."""
    Story.objects.filter(pk=story.pk).update(title=title)


def test_logged_in_staff_never_get_the_shared_copy(client, editor, story):
    assert story.title in client.get("/").text
    rename_behind_the_cache(story, "Council delays the eastern tram line")

    staff = Client()
    staff.force_login(editor)
    response = staff.get("/")

    assert "Council delays" in response.text
    assert "X-Cache" not in response
    assert "private" in response["Cache-Control"]
    assert "Council approves" in client.get("/").text  # anonymous readers still share the stored copy


def test_a_reader_with_pending_messages_gets_a_fresh_page(client, story):
    assert story.title in client.get("/").text
    rename_behind_the_cache(story, "Council delays the eastern tram line")

    storage = CookieStorage(HttpRequest())
    client.cookies[CookieStorage.cookie_name] = storage._encode([Message(constants.SUCCESS, "Your opinion was sent.")])
    assert "Council delays" in client.get("/").text


def test_a_missing_page_is_not_cached(client, story):
    assert client.get("/stories/harbour-reopens/").status_code == 404
    StoryFactory(published=True, slug="harbour-reopens")

    assert client.get("/stories/harbour-reopens/").status_code == 200


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("url", ["/cookie/", "/preview/"])
def test_responses_that_set_cookies_or_refuse_caching_are_never_stored(client, url):
    first = client.get(url).content
    assert client.get(url).content != first


@pytest.mark.urls(__name__)
def test_each_reader_gets_a_form_token_of_their_own_from_the_cached_page(client):
    first = client.get("/form/")
    other = Client()
    second = other.get("/form/")

    assert second["X-Cache"] == "hit"
    assert second.content.split(b"<p>")[1] == first.content.split(b"<p>")[1]  # the same stored page
    token = re.search(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"', second.text).group(1)
    assert _unmask_cipher_token(token) == other.cookies["csrftoken"].value
    assert _unmask_cipher_token(token) != client.cookies["csrftoken"].value
    # A page carrying one reader's token is for that browser only, never for a shared cache.
    assert "private" in second["Cache-Control"]


def test_the_csp_nonce_of_a_cached_page_matches_its_own_header(client, story):
    client.get(story.get_absolute_url())
    response = client.get(story.get_absolute_url())

    assert response["X-Cache"] == "hit"
    nonces = set(re.findall(r'nonce="([^"]+)"', response.text))
    assert nonces
    for nonce in nonces:
        assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]


@pytest.mark.urls(__name__)
def test_a_stale_page_is_served_while_another_worker_recomputes_it(client, settings):
    settings.CACHE_MIDDLEWARE_SECONDS = 0  # every stored page is stale at once
    first = client.get("/plain/").content
    key = page_cache.LOCK_KEY.format(sequence=page_cache._sequence(), digest=_digest("/plain/"))
    assert page_cache.cache.add(key, 1)  # another worker holds the recompute lock

    response = client.get("/plain/")

    assert response["X-Cache"] == "stale"
    assert response.content == first
    page_cache.cache.delete(key)
    assert client.get("/plain/").content != first  # the lock is free: recomputed


@pytest.mark.urls(__name__)
def test_a_worker_waits_briefly_for_a_page_being_computed_then_computes_it(client, monkeypatch):
    monkeypatch.setattr(page_cache, "LOCK_WAIT_SECONDS", 0.05)
    key = page_cache.LOCK_KEY.format(sequence=page_cache._sequence(), digest=_digest("/plain/"))
    assert page_cache.cache.add(key, 1)

    response = client.get("/plain/")

    assert response.status_code == 200
    assert response["X-Cache"] == "miss"


def _digest(url):
    request = HttpRequest()
    request.path = url
    request.META = {"SERVER_NAME": "testserver", "SERVER_PORT": "80"}
    return page_cache._digest(request)
