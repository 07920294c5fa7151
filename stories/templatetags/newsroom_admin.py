"""The desk's dashboard on the admin index: what is waiting for whom."""

from django import template
from django.db.models import OuterRef, Subquery
from django.urls import NoReverseMatch, reverse

from stories.models import Opinion, Status, Story, StoryTransition

register = template.Library()

ROWS = 8


def _admin_url(name):
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


@register.inclusion_tag("admin/_dashboard.html", takes_context=True)
def newsroom_dashboard(context):
    """Stories in review, scheduled stories, the person's own drafts and the opinions queue, in fixed queries."""
    user = context["request"].user
    if not user.has_perm("stories.view_story"):
        return {"show": False}
    visible = Story.objects.visible_to(user).select_related("section").prefetch_related("authors")
    last_request = StoryTransition.objects.filter(
        story=OuterRef("pk"), from_status=Status.REVIEW, to_status=Status.DRAFT
    ).order_by("-created_at", "-pk")
    drafts = (
        Story.objects.owned_by(user)
        .drafts()
        .annotate(change_request=Subquery(last_request.values("comment")[:1]))
        .order_by("-updated_at")
    )
    changelist = reverse("admin:stories_story_changelist")
    in_review = visible.in_review().order_by("updated_at")
    scheduled = visible.scheduled().order_by("published_at")
    opinions = None
    if user.has_perm("stories.view_opinion"):
        opinions = {
            "count": Opinion.objects.pending().count(),
            "url": _admin_url("admin:stories_opinion_changelist"),
        }
    return {
        "show": True,
        "in_review": list(in_review[:ROWS]),
        "in_review_count": in_review.count(),
        "in_review_url": changelist + "?status=review",
        "scheduled": list(scheduled[:ROWS]),
        "scheduled_count": scheduled.count(),
        "scheduled_url": changelist + "?status=scheduled",
        "my_drafts": list(drafts[:ROWS]),
        "my_drafts_count": drafts.count(),
        "can_add": user.has_perm("stories.add_story"),
        "add_url": reverse("admin:stories_story_add"),
        "opinions": opinions,
    }
