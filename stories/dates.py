"""How the newsroom writes a moment: `Jul 24, 2025, 8:14 PM` — on the site, in the desk and in story documents."""

from datetime import datetime

from django.utils import timezone

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_datetime(value: datetime) -> str:
    """`value`'s wall-clock time as `Mar 3, 2026, 9:05 AM`, with no change of time zone and in any locale."""
    return f"{MONTHS[value.month - 1]} {value.day}, {value.year:04d}, {format_time(value)}"


def format_time(value: datetime) -> str:
    """`value`'s wall-clock time of day as `9:05 AM`, with no change of time zone and in any locale."""
    return f"{value.hour % 12 or 12}:{value.minute:02d} {'PM' if value.hour >= 12 else 'AM'}"


def local(value: datetime, zone=None) -> datetime:
    """`value` in `zone`, by default the current time zone (`TIME_ZONE` unless a request activated another); naive
    values as they are.

    Reading the current time zone takes 3 µs (a context-local lookup): a page with a dozen dates reads it once and
    passes it (`stories.templating`'s filters take it from the page's context, `page_zone`)."""
    if value.utcoffset() is None:
        return value
    return value.astimezone(zone or timezone.get_current_timezone())


def format_local(value: datetime) -> str:
    """`value` as readers and the desk see it: in the current time zone, as `format_datetime` writes it."""
    return format_datetime(local(value))


def iso(value, zone=None) -> str:
    """`value` in `zone` (by default the current time zone) in ISO 8601, to the second; empty without a date.

    Django's `date:'c'` keeps microseconds, which HTML's `datetime` refuses (three fraction digits at most).
    """
    return local(value, zone).isoformat(timespec="seconds") if value is not None else ""
