"""An opinion is accepted from the site's own pages, and refused when another site's page sends it.

The opinion form carries no CSRF token: the browser says where a POST comes from
(`Sec-Fetch-Site`, or `Origin` in older browsers), and a POST another site made
a reader's browser send is refused with a page the reader understands. Every
test here runs with Django's CSRF checks enforced, so that an accepted opinion
proves the token is no longer needed.
"""

import logging

import pytest
from django.test import Client
from django.urls import reverse

from stories.models import Opinion, OpinionStatus
from tests.factories import StoryFactory
from tests.opinion_helpers import form_data

HOST = "news.example.com"
PROXY = {"SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https")}
TRUSTED = {"CSRF_TRUSTED_ORIGINS": ["https://comments-proxy.example.org"]}
TRUSTED_SUBDOMAINS = {"CSRF_TRUSTED_ORIGINS": ["https://*.example.org"]}


@pytest.fixture
def story(db, settings):
    settings.ALLOWED_HOSTS = [HOST]
    return StoryFactory(published=True, title="Council approves the tram line")


def send(story, headers=None, *, secure=False, **fields):
    """A reader's browser POSTs the story's opinion form to https?://news.example.com, CSRF checks on."""
    browser = Client(enforce_csrf_checks=True, HTTP_HOST=HOST)
    url = reverse("stories:post_opinion", args=[story.slug])
    return browser.post(url, form_data(story, **fields), headers=headers or {}, secure=secure)


@pytest.mark.parametrize(
    ("headers", "secure", "settings_overrides"),
    [
        ({"Sec-Fetch-Site": "same-origin", "Origin": f"http://{HOST}"}, False, {}),
        ({"Sec-Fetch-Site": "same-origin"}, False, {}),
        ({"Sec-Fetch-Site": "none"}, False, {}),
        ({}, False, {}),
        ({"Origin": f"http://{HOST}"}, False, {}),
        ({"Origin": f"https://{HOST}"}, True, {}),
        ({"Origin": f"https://{HOST}", "X-Forwarded-Proto": "https"}, False, PROXY),
        ({"Origin": "https://comments-proxy.example.org"}, False, TRUSTED),
        ({"Sec-Fetch-Site": "cross-site", "Origin": "https://comments-proxy.example.org"}, False, TRUSTED),
        ({"Sec-Fetch-Site": "same-site", "Origin": "https://edge.example.org"}, False, TRUSTED_SUBDOMAINS),
    ],
    ids=[
        "same-origin",
        "same-origin-without-origin",
        "typed-or-bookmarked",
        "no-browser-headers",
        "origin-only-matching",
        "origin-only-matching-over-https",
        "behind-a-tls-proxy",
        "trusted-origin",
        "trusted-origin-said-cross-site",
        "trusted-subdomain-said-same-site",
    ],
)
def test_an_opinion_sent_from_the_sites_own_page_is_held_for_a_moderator(
    story, settings, headers, secure, settings_overrides
):
    for name, value in settings_overrides.items():
        setattr(settings, name, value)

    response = send(story, headers, secure=secure)

    assert response.status_code == 303
    assert response["Location"] == story.get_absolute_url() + "#opinions"
    assert Opinion.objects.get().status == OpinionStatus.PENDING


@pytest.mark.parametrize(
    ("headers", "secure", "settings_overrides"),
    [
        ({"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, False, {}),
        ({"Sec-Fetch-Site": "cross-site"}, False, {}),
        ({"Sec-Fetch-Site": "same-site", "Origin": "https://blogs.example.com"}, False, {}),
        # The browser's word wins over an Origin that a proxy could have rewritten.
        ({"Sec-Fetch-Site": "cross-site", "Origin": f"http://{HOST}"}, False, {}),
        ({"Sec-Fetch-Site": "something-new"}, False, {}),
        ({"Origin": "https://evil.example"}, False, {}),
        ({"Origin": "null"}, False, {}),
        ({"Origin": f"http://{HOST}"}, True, {}),
        ({"Origin": f"https://{HOST}"}, False, {}),
        ({"Origin": f"http://{HOST}:8080"}, False, {}),
        ({"Origin": "https://evil.example"}, False, TRUSTED),
        ({"Origin": "http://edge.example.org"}, False, TRUSTED_SUBDOMAINS),
    ],
    ids=[
        "cross-site",
        "cross-site-without-origin",
        "same-site-from-another-subdomain",
        "cross-site-claiming-our-origin",
        "unknown-sec-fetch-site",
        "origin-only-mismatching",
        "origin-null",
        "http-origin-to-https",
        "https-origin-to-http",
        "another-port",
        "untrusted-origin-with-trusted-ones-listed",
        "trusted-subdomain-over-the-wrong-scheme",
    ],
)
def test_an_opinion_another_site_made_the_browser_send_is_refused_and_not_stored(
    story, settings, headers, secure, settings_overrides
):
    for name, value in settings_overrides.items():
        setattr(settings, name, value)

    response = send(story, headers, secure=secure)

    assert response.status_code == 403
    assert not Opinion.objects.exists()


def test_the_refusal_tells_the_reader_what_happened_and_what_to_do(story, caplog):
    with caplog.at_level(logging.INFO):
        response = send(story, {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "was not sent" in html
    assert "Nothing you sent was saved" in html
    assert "open the story on this site" in html
    # Not Django's CSRF failure page, nor a traceback: nothing about cookies or tokens.
    for words in ("CSRF", "cookie", "token", "Traceback"):
        assert words.casefold() not in html.casefold()
    refusals = [record for record in caplog.records if "cross-origin" in record.getMessage().casefold()]
    assert len(refusals) == 1
    assert refusals[0].levelno >= logging.INFO
    assert "https://evil.example" in refusals[0].getMessage()


def test_a_same_origin_post_still_needs_a_proper_time_token(story):
    response = send(story, {"Sec-Fetch-Site": "same-origin"}, seconds_ago=0, body="Instant words")

    assert response.status_code == 400
    assert "faster than anyone can read and write" in response.content.decode()
    assert not Opinion.objects.exists()


def test_a_same_origin_post_with_the_honeypot_filled_is_refused(story):
    response = send(story, {"Sec-Fetch-Site": "same-origin"}, website="https://cheap-pills.example")

    assert response.status_code == 400
    assert "Your opinion could not be sent" in response.content.decode()
    assert not Opinion.objects.exists()


def test_a_refused_opinion_shows_the_form_again_without_a_csrf_token_or_cookie(story):
    response = send(story, {"Sec-Fetch-Site": "same-origin"}, author_name="")

    assert response.status_code == 400
    assert "csrfmiddlewaretoken" not in response.content.decode()
    assert "csrftoken" not in response.cookies
