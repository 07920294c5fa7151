"""Each person's assignments as an iCalendar feed at a private signed address, read with a real parser."""

from datetime import UTC, datetime

import icalendar
import pytest
from django.urls import reverse

from stories.admin.planning import calendar_token
from tests.factories import AssignmentFactory

# The role groups are needed even where the people are asked for by name (request.getfixturevalue).
pytestmark = pytest.mark.django_db


def _feed(client, person):
    return client.get(reverse("assignment-calendar", args=[calendar_token(person)]))


def test_the_feed_lists_the_person_s_assignments_at_their_due_time(client, writer, other_writer, settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    due = datetime(2030, 7, 1, 12, 30, tzinfo=UTC)
    mine = AssignmentFactory(title="Bridge repairs overrun", assigned=True, assignee=writer, due_at=due)
    AssignmentFactory(title="Not mine", assigned=True, assignee=other_writer, due_at=due)
    AssignmentFactory(title="Declined", state="declined", assignee=writer, due_at=due)
    response = _feed(client, writer)  # no login: calendar apps have none
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Due: Bridge repairs overrun"
    start = event.decoded("DTSTART")
    assert start == due
    assert str(start.tzinfo) == "Europe/Amsterdam"  # in the newsroom's zone, 14:30 local
    assert start.hour == 14
    assert str(event["UID"]).startswith(f"assignment-{mine.pk}@")


def test_the_uid_stays_when_the_assignment_changes(client, writer):
    assignment = AssignmentFactory(assigned=True, assignee=writer)
    first = icalendar.Calendar.from_ical(_feed(client, writer).content).walk("VEVENT")[0]["UID"]
    assignment.title = "A new working title"
    assignment.save()
    second = icalendar.Calendar.from_ical(_feed(client, writer).content).walk("VEVENT")[0]
    assert second["UID"] == first
    assert str(second["SUMMARY"]) == "Due: A new working title"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: "9" + token,
        lambda token: token.split(":")[0],
        lambda token: "x:y",
    ],
)
def test_a_tampered_token_is_not_found(client, writer, tamper):
    token = tamper(calendar_token(writer))
    assert client.get(reverse("assignment-calendar", args=[token])).status_code == 404


def test_a_new_password_revokes_the_address(client, writer):
    token = calendar_token(writer)
    writer.set_password("a whole new password")
    writer.save()
    assert client.get(reverse("assignment-calendar", args=[token])).status_code == 404


def test_a_person_who_left_has_no_calendar(client, writer):
    token = calendar_token(writer)
    writer.is_active = False
    writer.save()
    assert client.get(reverse("assignment-calendar", args=[token])).status_code == 404


def test_the_address_is_on_the_board_and_the_dashboard(client, writer):
    client.force_login(writer)
    token = calendar_token(writer)
    assert token in client.get(reverse("admin:stories_assignment_budget")).content.decode()
    assert token in client.get(reverse("admin:index")).content.decode()
