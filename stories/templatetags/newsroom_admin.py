"""The desk's dashboard on the admin index (what is waiting for whom), and how the admin names people."""

from django import template
from django.db.models import OuterRef, Subquery
from django.urls import reverse

from stories import counts, workflow
from stories.admin.planning import dashboard_context
from stories.models import Opinion, Story, StoryTransition

register = template.Library()


@register.filter
def capped(count):
    """A count from capped_counts as the desk reads it: "3", "10,000+"."""
    return counts.shown_count(count, counts.EXACT_COUNT_LIMIT)


ROWS = 8


@register.inclusion_tag("admin/_dashboard.html", takes_context=True)
def newsroom_dashboard(context):
    """Stories in review, scheduled stories, the person's own drafts and the opinions queue, in fixed queries.

    The four counts come in one query, each stopping past EXACT_COUNT_LIMIT like the admin lists'.
    """
    user = context["request"].user
    if not user.has_perm("stories.view_story"):
        return {"show": False}
    visible = workflow.visible_stories(user)
    sent_back = workflow.TRANSITIONS["request_changes"]
    last_request = StoryTransition.objects.filter(
        story=OuterRef("pk"), from_status=sent_back.source, to_status=sent_back.target
    ).order_by("-created_at", "-pk")
    drafts = (
        Story.objects.owned_by(user)
        .drafts()
        .annotate(change_request=Subquery(last_request.values("comment")[:1]))
        .order_by("-updated_at")
    )
    changelist = reverse("admin:stories_story_changelist")
    # The review list shows byline and section; the scheduled list only the headline and the time.
    in_review = visible.in_review().select_related("section").prefetch_related("authors").order_by("updated_at")
    scheduled = visible.scheduled().only("title", "published_at").order_by("published_at")
    sees_opinions = user.has_perm("stories.view_opinion")
    lists = [in_review, scheduled, drafts, *([Opinion.objects.pending()] if sees_opinions else [])]
    in_review_count, scheduled_count, drafts_count, *opinions_waiting = counts.capped_counts(
        lists, counts.EXACT_COUNT_LIMIT
    )
    return {
        "show": True,
        "in_review": list(in_review[:ROWS]),
        "in_review_count": in_review_count,
        "in_review_url": changelist + "?status=review",
        "scheduled": list(scheduled[:ROWS]),
        "scheduled_count": scheduled_count,
        "scheduled_url": changelist + "?status=scheduled",
        "my_drafts": list(drafts[:ROWS]),
        "my_drafts_count": drafts_count,
        "can_add": user.has_perm("stories.add_story"),
        "add_url": reverse("admin:stories_story_add"),
        "opinions_waiting": opinions_waiting[0] if sees_opinions else None,
        **dashboard_context(context["request"]),
    }
