"""Hostile opinions are stored as text (or refused with a form error) and shown inert, to readers and moderators."""

import pytest
from django.urls import reverse

from stories import workflow
from stories.models import Opinion, OpinionStatus
from tests.factories import StoryFactory
from tests.opinion_helpers import post_opinion
from tests.payloads import assert_inert, params

REFUSED_CHARACTERS = ("\x00", "\x01", "\x1b")


@pytest.mark.django_db
@pytest.mark.parametrize("payload", params())
def test_a_hostile_opinion_is_stored_as_text_and_shown_inert(client, admin_user, payload):
    story = StoryFactory(published=True)
    name, body = payload[:80], payload[:2000]
    response = post_opinion(client, story, author_name=name, body=body)
    assert_inert(response.content.decode(), "the form's answer")

    if any(c in payload for c in REFUSED_CHARACTERS) or any(c in name for c in "\r\n\t"):
        assert response.status_code == 400
        html = response.content.decode()
        assert any(why in html for why in ("Null characters are not allowed", "control characters", "single line"))
        assert not Opinion.objects.exists()
        return

    assert response.status_code == 303, response.content.decode()[:300]
    opinion = Opinion.objects.get()
    assert opinion.body == body.replace("\r\n", "\n").replace("\r", "\n").strip()
    workflow.moderate(opinion, None, OpinionStatus.APPROVED)
    assert_inert(client.get(story.get_absolute_url()).content.decode(), "story page")
    client.force_login(admin_user)
    for url in (reverse("admin:stories_opinion_changelist") + "?status=all", f"/admin/stories/opinion/{opinion.pk}/"):
        assert_inert(client.get(url).content.decode(), url)


@pytest.mark.django_db
def test_markup_and_javascript_links_come_out_as_text(client):
    story = StoryFactory(published=True)
    body = '<script>alert(1)</script> <a href="javascript:alert(2)">click</a> javascript:alert(3)'
    post_opinion(client, story, author_name="<img src=x onerror=alert(4)>", body=body)
    workflow.moderate(Opinion.objects.get(), None, OpinionStatus.APPROVED)
    html = client.get(story.get_absolute_url()).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;a href=&#34;javascript:alert(2)&#34;&gt;click&lt;/a&gt; javascript:alert(3)" in html
    assert "&lt;img src=x onerror=alert(4)&gt;" in html
    assert_inert(html)


@pytest.mark.django_db
def test_a_right_to_left_override_cannot_flip_the_page_around_it(client):
    story = StoryFactory(published=True)
    post_opinion(client, story, author_name="Ana\u202egnp.exe", body="Fine \u202eenif")
    workflow.moderate(Opinion.objects.get(), None, OpinionStatus.APPROVED)
    html = client.get(story.get_absolute_url()).content.decode()
    # Isolated: the override's effect ends with the name or the text it is in.
    assert '<bdi class="opinion-author">Ana\u202egnp.exe</bdi>' in html
    assert '<p class="opinion-body" dir="auto">Fine \u202eenif</p>' in html


@pytest.mark.django_db
def test_ten_thousand_characters_are_refused_with_the_limit(client, settings):
    story = StoryFactory(published=True)
    response = post_opinion(client, story, body="A" * 10_000)
    assert response.status_code == 400
    assert f"at most {settings.OPINION_MAX_LENGTH} characters (it has 10000)" in response.content.decode()
    assert not Opinion.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["tram\x00line", "tram\x07line", "tram\x1b[31mline", "tram\x85line"])
def test_control_characters_are_a_form_error(client, text):
    story = StoryFactory(published=True)
    response = post_opinion(client, story, body=text)
    assert response.status_code == 400
    assert not Opinion.objects.exists()


@pytest.mark.django_db
def test_a_line_break_in_the_name_is_a_form_error(client):
    story = StoryFactory(published=True)
    response = post_opinion(client, story, author_name="Ana\r\nSet-Cookie: x=1")
    assert response.status_code == 400
    assert "Use a single line." in response.content.decode()
