"""The desk on the admin index: in review, scheduled, my drafts, opinions waiting."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stories.models import OpinionStatus
from tests.factories import OpinionFactory, StoryFactory

# Every test here uses the database (some only through request.getfixturevalue).
pytestmark = pytest.mark.django_db


def _card(html, heading_id):
    match = re.search(rf'<section class="desk-card" aria-labelledby="{heading_id}">(.*?)</section>', html, re.S)
    assert match, heading_id
    return match.group(1)


def _count(card):
    return int(re.search(r'<span class="desk-count">(\d+)</span>', card).group(1))


def test_the_editor_sees_what_waits_for_the_desk(client, editor, writer):
    StoryFactory(title="Waiting for review", in_review=True, created_by=writer)
    StoryFactory(title="Another in review", in_review=True)
    StoryFactory(title="Goes out tomorrow", scheduled=True)
    StoryFactory(title="Already live", published=True)
    StoryFactory(title="Editor's own draft", created_by=editor)
    OpinionFactory.create_batch(3, status=OpinionStatus.PENDING)
    OpinionFactory(status=OpinionStatus.APPROVED)

    client.force_login(editor)
    html = client.get("/admin/").content.decode()
    review = _card(html, "desk-review")
    assert _count(review) == 2 and "Waiting for review" in review
    scheduled = _card(html, "desk-scheduled")
    assert _count(scheduled) == 1 and "Goes out tomorrow" in scheduled and "Already live" not in scheduled
    drafts = _card(html, "desk-drafts")
    assert _count(drafts) == 1 and "Editor&#x27;s own draft" in drafts
    assert _count(_card(html, "desk-opinions")) == 3


def test_a_writer_sees_their_drafts_and_the_editors_request(client, writer, editor, other_writer):
    from stories import workflow

    mine = StoryFactory(title="My tram story", created_by=writer)
    mine.authors.add(writer)
    workflow.submit_for_review(mine, writer)
    workflow.request_changes(mine, editor, "Please add the vote count.")
    StoryFactory(title="Their draft", created_by=other_writer)
    StoryFactory(title="Their review", created_by=other_writer, in_review=True)

    client.force_login(writer)
    html = client.get("/admin/").content.decode()
    drafts = _card(html, "desk-drafts")
    assert "My tram story" in drafts and "Please add the vote count." in drafts
    assert "Their draft" not in html
    assert "Their review" not in html
    assert 'aria-labelledby="desk-opinions"' not in html  # writers do not moderate


def test_the_dashboard_takes_a_fixed_number_of_queries(client, editor, django_assert_num_queries):
    client.force_login(editor)
    StoryFactory.create_batch(3, in_review=True)
    StoryFactory(scheduled=True)
    client.get("/admin/")
    with CaptureQueriesContext(connection) as few:
        client.get("/admin/")
    StoryFactory.create_batch(20, in_review=True)
    StoryFactory.create_batch(20, scheduled=True)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get("/admin/")
