"""The desk's dashboard on the admin index (what is waiting for whom), and how the admin counts."""

from django import template

from stories import counts
from stories.admin import dashboard

register = template.Library()


@register.filter
def capped(count):
    """A count from capped_counts as the desk reads it: "3", "10,000+"."""
    return counts.shown_count(count, counts.EXACT_COUNT_LIMIT)


@register.inclusion_tag("admin/_dashboard.html", takes_context=True)
def newsroom_dashboard(context):
    """The person's cards (stories.admin.dashboard), their own queue first, in a fixed number of queries."""
    return {"cards": dashboard.cards(context["request"])}
