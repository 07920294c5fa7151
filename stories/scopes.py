"""What a public page shows, named once: the scopes pages depend on and changes purge.

A page names the scopes of what it shows (`pagecache.depends_on`); a change purges the scopes of what it
touched (`stories.purging`). The names are also what a shared HTTP cache in front purges by (surrogate keys),
so they are made here and nowhere else. DESIGN.md fixes the first five.

- `story-<id>`: the story's own page, and every link to it (related stories, previous and next); its live
  coverage too (the updates' fragment its readers' pages poll, and its live feed), which an update purges alone;
- `section-<slug>`, `tag-<slug>`, `author-<slug>`: the list of that section's, tag's or author's stories (their
  page and feed; an author by their public slug); a tag's also every page that shows its name;
- `lists`: the lists every live story is on (the front page and its feed, search, sitemaps);
- `opinions-<id>`: the opinions shown under a story;
- `people`: every page that shows bylines (people's names and author links);
- `related-section-<slug>`, `related-tag-<slug>`: the "related stories" of every story in that section or
  with that tag, which a story joining it may enter;
- `navigation`: the sections in every page's navigation;
- `opinion-policy`: the site-wide rules that decide whether a story page shows the opinion form;
- `corrections`: the corrections page and its feed, every notice (correction, update…) of a live story. A story
  leaving the lists takes its notices with it: those pages also depend on `lists`.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q, Value

from .models import Status, Story, is_live, is_scheduled

LISTS = "lists"
PEOPLE = "people"
NAVIGATION = "navigation"
OPINION_POLICY = "opinion-policy"
CORRECTIONS = "corrections"


def _named(kind: str):
    """The maker of the scope names of one kind: `story(12)` is "story-12"."""

    def name(key) -> str:
        return f"{kind}-{key}"

    name.__name__ = kind.replace("-", "_")
    return name


story = _named("story")
opinions = _named("opinions")
section = _named("section")
tag = _named("tag")
author = _named("author")
related_section = _named("related-section")
related_tag = _named("related-tag")


@dataclass(frozen=True)
class StoryState:
    """What decides where a story shows: whether readers see it, when, in which section, tags and bylines."""

    pk: int
    status: str
    published_at: datetime | None
    # Slugs: the section's, the tags', and the public ones of the people on the byline (who have one).
    section: str | None
    tags: frozenset[str]
    authors: frozenset[str]
    expires_at: datetime | None = None

    def is_live(self, now) -> bool:
        return is_live(self.status, self.published_at, now, self.expires_at)

    def changes_later(self, now) -> bool:
        """Whether the clock alone will move it into or out of the lists: scheduled, or live until it expires."""
        expiring = self.status == Status.PUBLISHED and self.expires_at is not None and self.expires_at > now
        return is_scheduled(self.status, self.published_at, now) or expiring

    def placement(self):
        """What moves the story among the lists and the related stories of others."""
        return (self.published_at, self.section, self.tags)


def story_states(pks) -> dict[int, StoryState]:
    """The current state of each story of `pks` still in the database: two queries, whatever their number."""
    pks = set(pks)
    if not pks:
        return {}
    rows = Story.objects.filter(pk__in=pks).values_list("pk", "status", "published_at", "section__slug", "expires_at")
    tagged = (
        Story.tags.through.objects.filter(story_id__in=pks)
        .annotate(kind=Value("tag"))
        .values_list("story_id", "kind", "tag__slug")
    )
    signed = (
        Story.authors.through.objects.filter(story_id__in=pks)
        .annotate(kind=Value("byline"))
        .values_list("story_id", "kind", "user__profile__slug")
    )
    tags, authors = {}, {}
    for story_id, kind, slug in tagged.union(signed, all=True):
        if slug:  # a person without a public slug has no author page
            (tags if kind == "tag" else authors).setdefault(story_id, set()).add(slug)
    return {
        pk: StoryState(
            pk, status, when, section, frozenset(tags.get(pk, ())), frozenset(authors.get(pk, ())), expires_at
        )
        for pk, status, when, section, expires_at in rows
    }


def shown_by(state: StoryState) -> set[str]:
    """The scopes of every page that shows the story while it is live."""
    return {
        story(state.pk),
        LISTS,
        *([section(state.section)] if state.section else []),
        *(tag(slug) for slug in state.tags),
        *(author(slug) for slug in state.authors),
    }


def joined_by(states) -> set[str]:
    """The scopes of the pages stories entering (or moving within) the live lists may appear on, beyond their
    own: the related stories of their sections and tags, and their neighbours' previous and next links (one
    query, whatever their number)."""
    found, neighbours = set(), Q()
    live = Story.objects.live()
    for state in states:
        if state.section:
            found.add(related_section(state.section))
        found.update(related_tag(slug) for slug in state.tags)
        others, when = live.exclude(pk=state.pk), state.published_at
        older = others.filter(published_at__lte=when).newest_first().values("pk")[:1]
        newer = others.filter(published_at__gte=when).order_by("published_at", "pk").values("pk")[:1]
        neighbours |= Q(pk__in=older) | Q(pk__in=newer)
    if neighbours:
        found.update(story(pk) for pk in Story.objects.filter(neighbours).values_list("pk", flat=True))
    return found


def _entered(before: StoryState | None, after: StoryState, now) -> bool:
    return before is None or not before.is_live(now) or before.placement() != after.placement()


@dataclass
class Changes:
    """What changes to stories purge: the pages that showed them or show them now, and where they may appear."""

    now: datetime
    shown: set[str] = field(default_factory=set)
    entering: list[StoryState] = field(default_factory=list)
    # Whether a story the clock will move (scheduled, or expiring) was among them: the next such time may have moved.
    scheduling: bool = False

    def add(self, before: StoryState | None, after: StoryState | None) -> None:
        """A change from `before` to `after`: `None` stands for a story that did not exist (before) or no
        longer does (after). A draft that stays a draft purges nothing: no reader saw it, none will."""
        for state in (before, after):
            if state is not None:
                if state.is_live(self.now):
                    self.shown |= shown_by(state)
                self.scheduling |= state.changes_later(self.now)
        if after is not None and after.is_live(self.now) and _entered(before, after, self.now):
            self.entering.append(after)

    def scopes(self) -> set[str]:
        return self.shown | joined_by(self.entering) if self.entering else set(self.shown)
