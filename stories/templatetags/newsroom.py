"""Template tags of the reader site and the desk."""

from django import template
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.html import format_html
from django.utils.translation import gettext

register = template.Library()


def display_datetime(value) -> str:
    """`value` as the newsroom shows dates, `Jul 24, 2025, 8:14 PM`, in the current time zone.

    The same text as Django's `date` filter with "M j, Y, g:i A" (the tests hold them equal),
    written out because the filter parses its format on every call: 26 µs a date against
    9 µs, and a page of twenty stories shows forty dates.
    """
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    hour = local.hour % 12 or 12
    half = gettext("AM") if local.hour < 12 else gettext("PM")
    return f"{MONTHS_3[local.month].title()} {local.day}, {local.year:04d}, {hour}:{local.minute:02d} {half}"


@register.simple_tag
def timestamp(value):
    """A `<time>` element: the date as people read it, and in ISO 8601 for machines. Nothing without a date."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return format_html('<time datetime="{}">{}</time>', local.isoformat(), display_datetime(local))
