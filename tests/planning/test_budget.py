"""The story budget: what each person sees on it, its marks, its filters, and its queries."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stories import workflow
from stories.admin.planning import today_start
from stories.models import Assignment
from tests.factories import AssignmentFactory, HighlightFactory, SectionFactory, UserFactory

BOARD = "admin:stories_assignment_budget"

# The role groups are needed even where the people are asked for by name (request.getfixturevalue).
pytestmark = pytest.mark.django_db


def _board(client, user, **params):
    client.force_login(user)
    response = client.get(reverse(BOARD), params)
    assert response.status_code == 200
    return response.content.decode()


def _noon(days=0):
    return today_start() + timedelta(days=days, hours=12)


@pytest.mark.parametrize("person", ["writer", "editor", "moderator", "admin_user"])
def test_staff_see_the_board(request, client, person, other_writer):
    user = request.getfixturevalue(person)
    AssignmentFactory(title="Bridge repairs overrun", assigned=True, assignee=other_writer, due_at=_noon(1))
    html = _board(client, user)
    assert "Bridge repairs overrun" in html
    assert other_writer.get_full_name() in html


def test_readers_do_not(client, reader):
    client.force_login(reader)
    assert client.get(reverse(BOARD)).status_code == 302  # the admin's login page


def test_lines_are_grouped_by_day_then_desk(client, editor, writer):
    city, sport = SectionFactory(name="City", position=1), SectionFactory(name="Sport", position=2)
    AssignmentFactory(title="Derby preview", desk=sport, due_at=_noon(0))
    AssignmentFactory(title="Council vote", desk=city, due_at=_noon(0) + timedelta(hours=1))
    AssignmentFactory(title="Tram opening", desk=city, due_at=_noon(2))
    AssignmentFactory(title="Far off", desk=city, due_at=_noon(20))
    html = _board(client, editor)
    today = html.index("Today,")
    assert (
        today
        < html.index('budget-desk">City<')
        < html.index("Council vote")
        < html.index('budget-desk">Sport<')
        < html.index("Derby")
    )
    assert html.index("Derby") < html.index("Tram opening")
    assert "Far off" not in html
    assert "Far off" in _board(client, editor, days="31")


def test_overdue_and_due_soon_are_said_in_words(client, editor, writer):
    AssignmentFactory(title="Late one", assigned=True, assignee=writer, due_at=timezone.now() - timedelta(hours=1))
    AssignmentFactory(title="Soon one", assigned=True, assignee=writer, due_at=timezone.now() + timedelta(hours=1))
    AssignmentFactory(title="Later one", assigned=True, assignee=writer, due_at=timezone.now() + timedelta(days=2))
    html = _board(client, editor)
    lines = {
        title: re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{title}.*?</tr>", html, re.S)[0]
        for title in ["Late one", "Soon one", "Later one"]
    }
    assert "Overdue" in lines["Late one"]
    assert "Due soon" in lines["Soon one"]
    assert "Overdue" not in lines["Later one"] and "Due soon" not in lines["Later one"]


def test_the_board_shows_the_story_s_own_status(client, editor, writer):
    assignment = AssignmentFactory(title="Bridge repairs overrun", assigned=True, assignee=writer, due_at=_noon(1))
    story = workflow.start_story(assignment, writer)
    assert "Story: Draft" in _board(client, editor)
    HighlightFactory(story=story)
    workflow.submit_for_review(story, writer)
    assert "Story: In review" in _board(client, editor)
    workflow.publish(story, editor, at=timezone.now() + timedelta(days=1))
    assert "Story: Scheduled for" in _board(client, editor)
    workflow.unpublish(story, editor, "Held")
    workflow.submit_for_review(story, writer)
    workflow.publish(story, editor)
    html = _board(client, editor)
    assert "Story: Published" in html
    assert reverse("admin:stories_story_change", args=[story.pk]) in html


def test_names_not_usernames(client, editor):
    person = UserFactory(username="jdoe42", first_name="Jane", last_name="Doe", role="Writers")
    AssignmentFactory(assigned=True, assignee=person, due_at=_noon(1))
    html = _board(client, editor)
    assert "Jane Doe" in html
    assert "jdoe42" not in html


@pytest.mark.parametrize("parameter", ["desk", "assignee", "state"])
def test_the_filters(client, editor, writer, other_writer, parameter):
    city, sport = SectionFactory(name="City"), SectionFactory(name="Sport")
    kept = AssignmentFactory(title="Kept line", desk=city, assigned=True, assignee=writer, due_at=_noon(1))
    AssignmentFactory(title="Other line", desk=sport, assignee=other_writer, due_at=_noon(1))
    value = {"desk": city.pk, "assignee": writer.pk, "state": "assigned"}[parameter]
    html = _board(client, editor, **{parameter: value})
    assert kept.title in html
    assert "Other line" not in html


def test_a_writer_sees_only_the_moves_they_may_make(client, writer, other_writer):
    AssignmentFactory(title="Mine", assigned=True, assignee=writer, due_at=_noon(1))
    AssignmentFactory(title="Theirs", assigned=True, assignee=other_writer, due_at=_noon(1))
    html = _board(client, writer)
    assert html.count("Start story") == 1
    assert "Assign…" not in html and "Reassign…" not in html and "Decline…" not in html


def test_the_printable_budget_has_no_buttons(client, editor, writer):
    AssignmentFactory(title="Bridge repairs overrun", assigned=True, assignee=writer, due_at=_noon(1))
    html = _board(client, editor, print="1")
    assert "Bridge repairs overrun" in html
    assert "Reassign…" not in html
    assert "admin-planning-print.css" in html


def test_an_editor_assigns_and_declines_from_the_board(client, editor, writer):
    pitch = AssignmentFactory(title="Bridge repairs overrun", due_at=None)
    other = AssignmentFactory(title="Old news")
    client.force_login(editor)
    move = reverse("admin:stories_assignment_move", args=[pitch.pk, "assign"])
    assert client.get(move).status_code == 200
    response = client.post(move, {"assignee": writer.pk, "due_at": "2030-05-06T14:30", "comment": ""})
    assert response.status_code == 302
    pitch.refresh_from_db()
    assert pitch.state == "assigned" and pitch.assignee == writer
    assert timezone.localtime(pitch.due_at).strftime("%Y-%m-%d %H:%M") == "2030-05-06 14:30"
    decline = reverse("admin:stories_assignment_move", args=[other.pk, "decline"])
    assert client.post(decline, {"comment": ""}).status_code == 200  # the form again, with its error
    assert Assignment.objects.get(pk=other.pk).state == "pitched"
    client.post(decline, {"comment": "Covered last week."})
    assert Assignment.objects.get(pk=other.pk).state == "declined"


@pytest.mark.parametrize("move", ["assign", "decline"])
def test_a_writer_cannot_open_an_editor_s_move(client, writer, move):
    pitch = AssignmentFactory()
    client.force_login(writer)
    url = reverse("admin:stories_assignment_move", args=[pitch.pk, move])
    assert client.get(url).status_code == 403
    assert client.post(url, {"comment": "No."}).status_code == 403
    assert Assignment.objects.get(pk=pitch.pk).state == "pitched"


def test_the_assignee_starts_the_story_from_the_board(client, writer):
    assignment = AssignmentFactory(assigned=True, assignee=writer)
    client.force_login(writer)
    response = client.post(reverse("admin:stories_assignment_move", args=[assignment.pk, "start"]))
    assignment.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:stories_story_change", args=[assignment.story.pk])


def test_a_writer_pitches_through_the_add_form(client, writer):
    client.force_login(writer)
    response = client.post(
        reverse("admin:stories_assignment_add"),
        {
            "title": "Bridge repairs overrun",
            "desk": "",
            "planned_words": "600",
            "priority": "2",
            "notes": "",
            "due_at": "",
        }
        | {"events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 302
    pitch = Assignment.objects.get()
    assert (pitch.state, pitch.created_by, pitch.planned_words) == ("pitched", writer, 600)
    assert pitch.events.get().to_state == "pitched"


def _people_and_desks(n):
    people = [UserFactory(role="Writers") for _ in range(5)]
    desks = [SectionFactory(name=f"Desk {i}") for i in range(4)]
    for i in range(n):
        assignment = AssignmentFactory(
            desk=desks[i % 4], assigned=True, assignee=people[i % 5], due_at=_noon(i % 7) + timedelta(minutes=i)
        )
        if i % 3 == 0:
            workflow.start_story(assignment, people[i % 5])


def test_the_board_takes_a_fixed_number_of_queries(client, editor, django_assert_num_queries):
    client.force_login(editor)
    _people_and_desks(1)
    client.get(reverse(BOARD), {"days": 31})
    with CaptureQueriesContext(connection) as few:
        client.get(reverse(BOARD), {"days": 31})
    _people_and_desks(50)
    with django_assert_num_queries(len(few.captured_queries)):
        html = client.get(reverse(BOARD), {"days": 31}).content.decode()
    assert html.count('class="budget-line') == 51


def test_a_writer_s_line_of_someone_else_s_story_opens_the_assignment(client, writer, other_writer):
    theirs = AssignmentFactory(assigned=True, assignee=other_writer, due_at=_noon(1))
    mine = AssignmentFactory(assigned=True, assignee=writer, due_at=_noon(1))
    their_story = workflow.start_story(theirs, other_writer)
    my_story = workflow.start_story(mine, writer)
    html = _board(client, writer)
    assert reverse("admin:stories_story_change", args=[their_story.pk]) not in html
    assert reverse("admin:stories_assignment_change", args=[theirs.pk]) in html
    assert reverse("admin:stories_story_change", args=[my_story.pk]) in html
