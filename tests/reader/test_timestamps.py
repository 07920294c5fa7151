"""Dates as the newsroom shows them: `{% timestamp %}` writes what Django's `date` filter would, faster."""

from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from stories.dates import format_local as display_datetime

ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"]
moments = st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2999, 12, 30), timezones=st.just(UTC))


@given(moment=moments, zone=st.sampled_from(ZONES))
def test_the_shown_date_is_what_djangos_date_filter_writes(moment, zone):
    with timezone.override(zone):
        assert display_datetime(moment) == date_filter(timezone.localtime(moment), "M j, Y, g:i A")


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (datetime(2025, 7, 24, 20, 14, tzinfo=UTC), "Jul 24, 2025, 8:14 PM"),
        (datetime(2025, 1, 5, 0, 3, tzinfo=UTC), "Jan 5, 2025, 12:03 AM"),
        (datetime(2025, 12, 31, 12, 0, tzinfo=UTC), "Dec 31, 2025, 12:00 PM"),
    ],
)
def test_the_tag_writes_a_time_element_for_people_and_machines(moment, shown):
    html = Template("{% load newsroom %}{% timestamp when %}").render(Context({"when": moment}))
    assert html == f'<time datetime="{moment.isoformat(timespec="seconds")}">{shown}</time>'


def test_the_tag_follows_the_newsroom_time_zone(settings):
    settings.TIME_ZONE = "Europe/Paris"
    html = Template("{% load newsroom %}{% timestamp when %}").render(
        Context({"when": datetime(2025, 7, 24, 20, 14, tzinfo=UTC)})
    )
    assert html == '<time datetime="2025-07-24T22:14:00+02:00">Jul 24, 2025, 10:14 PM</time>'


def test_no_date_writes_nothing():
    assert Template("{% load newsroom %}{% timestamp when %}").render(Context({"when": None})) == ""
