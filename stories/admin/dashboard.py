"""The desk's dashboard on the admin index: each person's cards, their own queue first.

- a writer: *Changes requested* (each editor's request in full), *My drafts*, *Waiting for an editor* (their
  stories in review), *My scheduled stories*, *My assignments*;
- an editor: *In review* (the review queue), *Scheduled*, *Recently published*, *Today's budget*, and, as they
  write too, *My drafts* (a request for changes shown in full there) and *My assignments*;
- a moderator: *Opinions waiting* (how many, the oldest, the way into the queue), and nothing else.

A person with several roles gets each role's queue first (the writer's requests, the review queue, the opinions),
then the rest of each role's cards. Every card has a count (capped like the lists', all of them in one query) and,
empty, says what to do. The page's queries are fixed in number whatever the archive's size.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince

from .. import counts, workflow
from ..models import Assignment, AssignmentState, Opinion, Story, StoryTransition
from .lists import of_visible_stories
from .planning import MAX_DAYS, budget_lines, calendar_url, today_start

# Rows each card lists; its count and its link say how many more there are.
ROWS = 8
# What "recently published" covers.
RECENT = timedelta(hours=24)


@dataclass
class Card:
    """One card of the dashboard: a heading with its count, rows (or what to do when there are none), a link."""

    key: str
    title: str
    template: str
    empty: str
    url: str = ""
    more: str = ""
    more_url: str = ""
    count: int = 0
    rows: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)
    # Filled in by `cards`: the query that counts the card, the one that reads its rows.
    counted: object = None
    read: object = None


def cards(request) -> list[Card]:
    """The person's cards, in the order they read them, counted and filled."""
    user = request.user
    if not user.has_perm("stories.view_story"):
        return []
    edits, moderates = workflow.is_editor(user), workflow.may_moderate(user)
    writes = workflow.may_pitch(user) and not edits
    queues, rest = [], []
    if writes:
        requests, *others = _writer_cards(request)
        queues.append(requests)
        rest += others
    if edits:
        review, *others = _editor_cards(request)
        queues.append(review)
        rest += others
    if moderates:
        queues.append(_opinions_card(request))
    found = queues + rest
    if not found:
        return []
    for card, count in zip(
        found, counts.capped_counts([c.counted for c in found], counts.EXACT_COUNT_LIMIT), strict=True
    ):
        card.count = count
    for card in found:
        card.rows = card.read()
    return found


# --- The stories' cards --------------------------------------------------------------------------------------


def _changelist(status):
    return reverse("admin:stories_story_changelist") + f"?status={status}"


def _story_card(key, title, stories, empty, url="", rows=None, **fields):
    return Card(
        key,
        title,
        "admin/dashboard/_stories.html",
        empty,
        url=url,
        counted=stories,
        read=rows or (lambda: list(stories.defer("body")[:ROWS])),
        **fields,
    )


def _own_drafts(user):
    """The person's drafts, each marked `sent_back` when its last move was an editor's request for changes."""
    sent_back = workflow.TRANSITIONS["request_changes"]
    last_move = StoryTransition.objects.filter(story=OuterRef("pk")).order_by("-created_at", "-pk")
    request = StoryTransition.objects.filter(
        pk=OuterRef("last_move"), from_status=sent_back.source, to_status=sent_back.target
    ).exclude(comment="")
    return (
        Story.objects.owned_by(user)
        .drafts()
        .annotate(last_move=Subquery(last_move.values("pk")[:1]))
        .annotate(sent_back=Exists(request))
        .select_related("section")
        .order_by("-updated_at", "-pk")
    )


def _with_requests(stories):
    """The rows of `stories`, those sent back carrying their request (who, when, the comment): one more query."""
    rows = list(stories.defer("body")[:ROWS])
    asked = [story.last_move for story in rows if story.sent_back]
    found = StoryTransition.objects.filter(pk__in=asked).select_related("actor").in_bulk() if asked else {}
    for story in rows:
        story.change_request = found.get(story.last_move)
    return rows


def _writer_cards(request):
    user = request.user
    drafts = _own_drafts(user)
    requests = drafts.filter(sent_back=True)
    others = drafts.filter(sent_back=False)
    waiting = Story.objects.owned_by(user).in_review().select_related("section").order_by("updated_at", "pk")
    scheduled = Story.objects.owned_by(user).scheduled().order_by("published_at", "pk")
    return [
        Card(
            "requests",
            "Changes requested",
            "admin/dashboard/_requests.html",
            "Nothing to change. When an editor sends a story back, it is listed here with their request.",
            counted=requests,
            read=lambda: _with_requests(requests),
        ),
        _drafts_card(user, others),
        _story_card(
            "my-review",
            "Waiting for an editor",
            waiting,
            "Nothing of yours is in review. Submit a draft when it is ready; you may take it back until an editor "
            "moves it.",
        ),
        _story_card(
            "my-scheduled",
            "My scheduled stories",
            scheduled,
            "None of your stories is scheduled. Submit a draft for review: an editor publishes or schedules it.",
            url=_changelist("scheduled"),
        ),
        _assignments_card(request),
    ]


def _drafts_card(user, drafts):
    add = user.has_perm("stories.add_story")
    return _story_card(
        "drafts",
        "My drafts",
        drafts,
        "You have no drafts. Write a new story, or start one from your assignments." if add else "You have no drafts.",
        url=_changelist("draft"),
        rows=lambda: _with_requests(drafts),
        more="Write a new story" if add else "",
        more_url=reverse("admin:stories_story_add") if add else "",
    )


def _editor_cards(request):
    user = request.user
    visible = workflow.visible_stories(user)
    # The review queue shows byline and section, oldest first: the story waiting longest is read first.
    review = visible.in_review().select_related("section").prefetch_related("authors").order_by("updated_at", "pk")
    scheduled = visible.scheduled().only("title", "published_at", "embargo_until").order_by("published_at", "pk")
    published = (
        visible.live()
        .filter(published_at__gte=timezone.now() - RECENT)
        .select_related("section")
        .order_by("-published_at", "-pk")
    )
    return [
        _story_card(
            "review",
            "In review",
            review,
            "Nothing waiting for review. Stories writers submit appear here, the longest waiting first.",
            url=_changelist("review"),
        ),
        _story_card(
            "scheduled",
            "Scheduled",
            scheduled,
            "No story is scheduled. To schedule one, open it from In review and choose Schedule….",
            url=_changelist("scheduled"),
        ),
        _story_card(
            "published",
            "Recently published",
            published,
            "Nothing went live in the last 24 hours. Publish a story from In review.",
            url=_changelist("live"),
        ),
        _budget_card(request),
        _drafts_card(user, _own_drafts(user)),
        _assignments_card(request),
    ]


# --- Planning ------------------------------------------------------------------------------------------------


def _budget_card(request):
    now = timezone.now()
    start = today_start(now)
    today = Assignment.objects.open().due_between(start, start + timedelta(days=1))
    board = reverse("admin:stories_assignment_budget")
    return Card(
        "budget",
        "Today’s budget",
        "admin/dashboard/_budget.html",
        "Nothing is due today. Plan the day on the budget: pitch, assign and set due times.",
        url=board,
        more="The week’s budget",
        more_url=board,
        counted=today,
        read=lambda: budget_lines(request.user, today.for_board()[:ROWS], now),
    )


def _assignments_card(request):
    user = request.user
    now = timezone.now()
    # Assigned and not started, overdue ones by at most MAX_DAYS (the board's window): the soonest due first.
    mine = (
        Assignment.objects.filter(assignee=user, state=AssignmentState.ASSIGNED)
        .filter(Q(due_at__isnull=True) | Q(due_at__gte=today_start(now) - timedelta(days=MAX_DAYS)))
        .order_by("due_at", "pk")
    )
    board = reverse("admin:stories_assignment_budget")
    return Card(
        "assignments",
        "My assignments",
        "admin/dashboard/_budget.html",
        "Nothing is assigned to you. Pitch a story on the budget, or ask the desk for work.",
        url=board,
        counted=mine,
        read=lambda: budget_lines(user, mine.for_board()[:ROWS], now),
        extra={"calendar_url": calendar_url(request, user), "mine": True},
    )


# --- Opinions ------------------------------------------------------------------------------------------------


def _opinions_card(request):
    waiting = of_visible_stories(request, Opinion.objects.pending())
    queue = reverse("admin:stories_opinion_changelist")

    def oldest():
        # The queue's own order (opinion_queue_idx): the first a moderator meets there.
        found = list(waiting.select_related("story").order_by("created_at", "pk")[:1])
        for opinion in found:
            opinion.waited = timesince(opinion.created_at, depth=1)
        return found

    return Card(
        "opinions",
        "Opinions waiting",
        "admin/dashboard/_opinions.html",
        "The queue is empty: every reader's opinion has been moderated. New ones appear here as they come.",
        url=queue,
        more="Moderate the queue, oldest first",
        more_url=queue,
        counted=waiting,
        read=oldest,
    )
