"""The desk on the admin index: what each role sees first, with a count and, when there is nothing, what to do.

A writer: changes requested (the editor's comment in full), drafts, scheduled stories, assignments. An editor: the
review queue, scheduled, recently published, today's budget. A moderator: the opinion queue, and little else. A
person with several roles gets each role's queue first, then the rest.
"""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stories import workflow
from stories.models import OpinionStatus, display_name
from tests.factories import AssignmentFactory, OpinionFactory, StoryFactory, UserFactory

# Every test here uses the database (some only through request.getfixturevalue).
pytestmark = pytest.mark.django_db

WRITER_CARDS = ["desk-requests", "desk-drafts", "desk-my-review", "desk-my-scheduled", "desk-assignments"]
EDITOR_CARDS = ["desk-review", "desk-scheduled", "desk-published", "desk-budget", "desk-drafts", "desk-assignments"]
MODERATOR_CARDS = ["desk-opinions"]


def _dashboard(client, person):
    client.force_login(person)
    response = client.get("/admin/")
    assert response.status_code == 200
    return response.content.decode()


def _cards(html):
    """The dashboard's cards, by the id of their heading, in the order a person reads them."""
    return re.findall(r'<h3 id="(desk-[\w-]+)"', html)


def _card(html, heading_id):
    match = re.search(rf'<section class="desk-card[^"]*" aria-labelledby="{heading_id}">(.*?)</section>', html, re.S)
    assert match, heading_id
    return match.group(1)


def _count(card):
    return unescape(re.search(r'<span class="desk-count"[^>]*>([^<]+)</span>', card).group(1))


def _text(card):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", card)).split())


def _sent_back(writer, editor, title, comment):
    story = StoryFactory(title=title, created_by=writer, authors=[writer])
    workflow.submit_for_review(story, writer)
    workflow.request_changes(story, editor, comment)
    return story


# --- The writer ------------------------------------------------------------------------------------------------


def test_a_writer_sees_the_editors_request_first_and_in_full(client, writer, editor, other_writer):
    comment = (
        "Please add the vote count, name the three councillors who voted against the extension, and say "
        "what the line will cost each year to run once it opens; the last paragraph repeats the second."
    )
    assert len(comment) > 140
    _sent_back(writer, editor, "My tram story", comment)
    StoryFactory(title="My quiet draft", created_by=writer)
    StoryFactory(title="Their draft", created_by=other_writer)
    StoryFactory(title="Their review", created_by=other_writer, in_review=True)

    html = _dashboard(client, writer)
    assert _cards(html) == WRITER_CARDS
    requests = _card(html, "desk-requests")
    assert _count(requests) == "1"
    assert "My tram story" in requests
    text = _text(requests)
    assert comment in text  # in full, not cut at 140 characters
    assert f"by {display_name(editor)}" in text
    drafts = _card(html, "desk-drafts")
    # A story sent back is listed once, under the request; the other drafts under My drafts.
    assert _count(drafts) == "1" and "My quiet draft" in drafts and "My tram story" not in drafts
    assert "Their draft" not in html and "Their review" not in html
    assert "desk-review" not in html and "desk-opinions" not in html  # no desk queue, no moderation


def test_a_writer_sees_their_scheduled_stories_and_their_assignments(client, writer, editor, other_writer):
    mine = StoryFactory(title="My Sunday feature", scheduled=True, created_by=writer, authors=[writer])
    StoryFactory(title="Someone else's Sunday piece", scheduled=True, created_by=other_writer)
    AssignmentFactory(title="Cover the council vote", assigned=True, assignee=writer)
    AssignmentFactory(title="Not mine to cover", assigned=True, assignee=other_writer)

    html = _dashboard(client, writer)
    scheduled = _card(html, "desk-my-scheduled")
    assert _count(scheduled) == "1" and mine.title in scheduled and "Sunday piece" not in scheduled
    assignments = _card(html, "desk-assignments")
    assert _count(assignments) == "1"
    assert "Cover the council vote" in assignments and "Not mine to cover" not in assignments


def test_a_writer_sees_their_own_stories_waiting_for_an_editor(client, writer, other_writer):
    mine = StoryFactory(title="My harbour column", in_review=True, created_by=writer, authors=[writer])
    StoryFactory(title="Someone else's column", in_review=True, created_by=other_writer, authors=[other_writer])
    waiting = _card(_dashboard(client, writer), "desk-my-review")
    assert _count(waiting) == "1" and mine.title in waiting and "Someone else" not in waiting


def test_a_writer_with_nothing_on_is_told_what_to_do(client, writer):
    html = _dashboard(client, writer)
    assert _cards(html) == WRITER_CARDS
    expected = {
        "desk-requests": "When an editor sends a story back",
        "desk-drafts": "Write a new story",
        "desk-my-review": "Submit a draft when it is ready",
        "desk-my-scheduled": "Submit a draft for review",
        "desk-assignments": "Pitch a story",
    }
    for card, advice in expected.items():
        assert _count(_card(html, card)) == "0"
        assert advice in _text(_card(html, card)), card


# --- The editor ------------------------------------------------------------------------------------------------


def test_an_editor_sees_the_review_queue_first_then_scheduled_and_recently_published(client, editor, writer):
    StoryFactory(title="Waiting longest", in_review=True, created_by=writer)
    StoryFactory(title="Another in review", in_review=True)
    StoryFactory(title="Goes out tomorrow", scheduled=True)
    live = StoryFactory(title="Live an hour ago", published=True)
    StoryFactory(title="Live last week", published=True, published_at=timezone.now() - timedelta(days=7))
    StoryFactory(title="Editor's own draft", created_by=editor)
    AssignmentFactory(title="Due this afternoon", due_at=timezone.now() + timedelta(minutes=5))
    OpinionFactory.create_batch(3, story=live, status=OpinionStatus.PENDING)

    html = _dashboard(client, editor)
    assert _cards(html) == EDITOR_CARDS  # editors read opinions but do not moderate them: no queue
    review = _card(html, "desk-review")
    assert _count(review) == "2" and "Waiting longest" in review
    scheduled = _card(html, "desk-scheduled")
    assert _count(scheduled) == "1" and "Goes out tomorrow" in scheduled and "Live an hour" not in scheduled
    published = _card(html, "desk-published")
    assert _count(published) == "1" and "Live an hour ago" in published and "Live last week" not in published
    assert "Editor&#x27;s own draft" in _card(html, "desk-drafts")


def test_an_editor_with_an_empty_desk_is_told_what_to_do(client, editor):
    html = _dashboard(client, editor)
    expected = {
        "desk-review": "Stories writers submit appear here",
        "desk-scheduled": "Schedule…",
        "desk-published": "Publish a story from In review",
        "desk-budget": "Plan the day",
    }
    for card, advice in expected.items():
        assert _count(_card(html, card)) == "0"
        assert advice in _text(_card(html, card)), card


# --- The moderator ---------------------------------------------------------------------------------------------


def test_a_moderator_sees_the_opinion_queue_first_and_little_else(client, moderator):
    story = StoryFactory(published=True, title="Tram line approved")
    OpinionFactory(
        story=story,
        status=OpinionStatus.PENDING,
        author_name="Ana Reader",
        created_at=timezone.now() - timedelta(hours=3),
    )
    OpinionFactory(story=story, status=OpinionStatus.PENDING, author_name="Ben Reader")
    OpinionFactory(story=story, status=OpinionStatus.APPROVED)
    StoryFactory(title="In review", in_review=True)

    html = _dashboard(client, moderator)
    assert _cards(html) == MODERATOR_CARDS
    queue = _card(html, "desk-opinions")
    assert _count(queue) == "2"
    text = _text(queue)
    assert "2 reader opinions waiting for a moderator." in text
    assert "Oldest waiting: 3 hours, by Ana Reader on Tram line approved" in text
    assert 'href="/admin/stories/opinion/"' in queue
    assert "Moderate the queue" in text


def test_a_moderator_with_an_empty_queue_is_told_so(client, moderator):
    queue = _card(_dashboard(client, moderator), "desk-opinions")
    assert _count(queue) == "0"
    assert "The queue is empty" in _text(queue)


# --- Several roles ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "roles, cards",
    [
        (["Writers", "Moderators"], ["desk-requests", "desk-opinions", *WRITER_CARDS[1:]]),
        (["Editors", "Moderators"], ["desk-review", "desk-opinions", *EDITOR_CARDS[1:]]),
        # An editor writes too: the editor's cards hold the writer's (My drafts shows a request in full).
        (["Writers", "Editors"], EDITOR_CARDS),
    ],
)
def test_several_roles_get_each_queue_first_then_the_rest(client, roles, cards):
    person = UserFactory(username="several", is_staff=True)
    person.groups.set(Group.objects.filter(name__in=roles))
    assert _cards(_dashboard(client, person)) == cards


def test_a_superuser_gets_the_editors_and_the_moderators_cards(client, admin_user):
    assert _cards(_dashboard(client, admin_user)) == ["desk-review", "desk-opinions", *EDITOR_CARDS[1:]]


def test_an_editors_own_draft_sent_back_shows_the_request_in_full(client, editor):
    other = UserFactory(username="erin", role="Editors")
    comment = "Tighten the intro. " * 12
    _sent_back(editor, other, "The editor's own column", comment.strip())
    drafts = _card(_dashboard(client, editor), "desk-drafts")
    assert comment.strip() in _text(drafts)


# --- Queries ---------------------------------------------------------------------------------------------------


def _fill(writer, editor, moderator, times):
    """`times` of everything each card lists."""
    for n in range(times):
        _sent_back(writer, editor, f"Sent back {n}", "Add the vote count.")
        StoryFactory(created_by=writer, authors=[writer])
        StoryFactory(created_by=editor, authors=[editor])
        StoryFactory(in_review=True, authors=[writer])
        StoryFactory(scheduled=True, created_by=writer, authors=[writer])
        StoryFactory(published=True, authors=[writer])
        AssignmentFactory(assigned=True, assignee=writer, due_at=timezone.now() + timedelta(minutes=30 + n))
        AssignmentFactory(assigned=True, assignee=editor, due_at=timezone.now() + timedelta(minutes=30 + n))
        OpinionFactory(status=OpinionStatus.PENDING)


@pytest.mark.parametrize("role", ["writer", "editor", "moderator"])
def test_the_dashboard_takes_a_fixed_number_of_queries(client, request, role, writer, editor, moderator):
    person = request.getfixturevalue(role)
    client.force_login(person)
    _fill(writer, editor, moderator, 1)
    client.get("/admin/")
    with CaptureQueriesContext(connection) as few:
        client.get("/admin/")
    _fill(writer, editor, moderator, 12)
    with CaptureQueriesContext(connection) as many:
        html = client.get("/admin/").content.decode()
    assert len(many) == len(few), [q["sql"] for q in many]
    # The figure the README gives for each role (the admin's own queries included: session, user, its log).
    assert len(many) == QUERIES[role]
    assert _count(_card(html, FIRST[role])) == "13"


FIRST = {"writer": "desk-requests", "editor": "desk-review", "moderator": "desk-opinions"}
QUERIES = {"writer": 12, "editor": 15, "moderator": 7}
