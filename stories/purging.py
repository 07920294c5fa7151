"""Every change readers could see purges the pages that show it, once it commits: nobody has to remember.

`connect()` (from StoriesConfig.ready()) hooks a receiver to every model a reader sees something of; each works
out the scopes (stories.scopes) its change touched and purges them after the commit. Writes that send no
signal (`QuerySet.update()`, `bulk_create`, raw SQL) go through `stories_changing()` or `manage.py purge_pages`.

`READER_VISIBLE` and `NOT_SHOWN` between them name every model of the desk: a model added to the admin without
saying which it is fails the suite (tests/cache/test_every_write.py).
"""

import contextlib

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

import pagecache

from . import scopes
from .compiled import db_datetime
from .models import (
    Assignment,
    AssignmentEvent,
    BannedWord,
    Correction,
    Highlight,
    LiveUpdate,
    ModerationPolicy,
    Opinion,
    OpinionStatus,
    PendingRevision,
    Profile,
    RevisionState,
    Section,
    Story,
    StoryTransition,
    Tag,
)

# Fields of a person that bylines, author pages and feeds show.
PERSON_FIELDS = ("first_name", "last_name", "is_active")


def _purge(found: set[str], scheduling: bool = False) -> None:
    if found or scheduling:
        pagecache.purge_on_commit(*sorted(found))  # with no scope, the next go-live time is read again


def story_changes(before: dict, after: dict) -> None:
    """Purge what changed between two `scopes.story_states()` readings."""
    changes = scopes.Changes(now=timezone.now())
    for pk in before.keys() | after.keys():
        changes.add(before.get(pk), after.get(pk))
    _purge(changes.scopes(), changes.scheduling)


class _Changing:
    def __init__(self, pks):
        self.pks = set(pks)
        self.before = scopes.story_states(self.pks)

    def also(self, pks) -> None:
        """Stories made inside the block: they had no state before."""
        self.pks.update(pks)


@contextlib.contextmanager
def stories_changing(pks=()):
    """For writes no signal reports (bulk updates, bulk creates): the stories' states are read before and
    after, and what changed is purged after the commit.

        with purging.stories_changing(pks) as changing:
            Story.objects.filter(pk__in=pks).update(...)
            changing.also(new.pk for new in Story.objects.bulk_create(...))
    """
    changing = _Changing(pks)
    yield changing
    story_changes(changing.before, scopes.story_states(changing.pks))


# --- Stories and what they hold ------------------------------------------------------------------


def _story_before(sender, instance, **kwargs):
    instance._states_before = scopes.story_states([instance.pk]) if instance.pk else {}


def _story_after(sender, instance, **kwargs):
    before = getattr(instance, "_states_before", None)
    story_changes(before or {}, scopes.story_states([instance.pk]))


def _story_deleted(sender, instance, **kwargs):
    story_changes(getattr(instance, "_states_before", {}), {})


def _story_ids_of_m2m(sender, instance, action, reverse, pk_set):
    if not reverse:
        return {instance.pk}
    if pk_set is not None and action != "pre_clear":
        return set(pk_set)
    # Cleared from the other side (tag.stories.clear()): the stories it held until now.
    other = next(f.name for f in sender._meta.fields if f.related_model is type(instance))
    return set(sender.objects.filter(**{other: instance.pk}).values_list("story_id", flat=True))


def _bylines_or_tags_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action.startswith("pre_"):
        pks = _story_ids_of_m2m(sender, instance, action, reverse, pk_set)
        instance._m2m_before = (pks, scopes.story_states(pks))
    elif action.startswith("post_"):
        pks, before = getattr(instance, "_m2m_before", (set(), {}))
        story_changes(before, scopes.story_states(pks))


class _PartsChanged:
    """The stories whose highlights or notices changed, purged together once the transaction commits.

    Replacing a story's highlights sends a signal per row: their stories are read once, not once a row. Every
    change registers the flush; the first to run takes every story so far, the others find nothing left.
    """

    def __init__(self):
        self.story_ids = set()
        self.noticed_ids = set()  # the stories among them whose notices changed

    def add(self, story_id, *, notice: bool = False) -> None:
        self.story_ids.add(story_id)
        if notice:
            self.noticed_ids.add(story_id)
        transaction.on_commit(self.flush)

    def flush(self) -> None:
        story_ids, self.story_ids = self.story_ids, set()
        noticed_ids, self.noticed_ids = self.noticed_ids, set()
        if not story_ids:
            return
        now = timezone.now()
        live = [state for state in scopes.story_states(story_ids).values() if state.is_live(now)]
        # A highlight shows on the story's page and its cards; a notice on its page and the corrections page.
        found = set().union(*(scopes.shown_by(state) for state in live))
        if any(state.pk in noticed_ids for state in live):
            found.add(scopes.CORRECTIONS)
        _purge(found)


def _part_of_story_changed(sender, instance, **kwargs):
    connection = transaction.get_connection()
    if not hasattr(connection, "_purging_parts"):
        connection._purging_parts = _PartsChanged()
    connection._purging_parts.add(instance.story_id, notice=sender is Correction)


def _live_update_changed(sender, instance, **kwargs):
    """A live update shows on its story's page (and in its structured data), in the story's live feed and in the
    fragment readers' open pages fetch: all of them depend on the story's own scope, and nothing else does."""
    _purge({scopes.story(instance.story_id)})


def _opinion_before(sender, instance, **kwargs):
    found = Opinion.objects.filter(pk=instance.pk).values_list("status", "story_id").first() if instance.pk else None
    instance._shown_before = found


def _opinion_after(sender, instance, **kwargs):
    before = getattr(instance, "_shown_before", None)
    shown = {instance.story_id} if instance.status == OpinionStatus.APPROVED else set()
    if before is not None and before[0] == OpinionStatus.APPROVED:
        shown.add(before[1])
    _purge({scopes.opinions(pk) for pk in shown})


def opinions_added(opinions) -> None:
    """For opinions written in bulk: the stories showing the approved ones are purged after the commit."""
    _purge({scopes.opinions(opinion.story_id) for opinion in opinions if opinion.status == OpinionStatus.APPROVED})


def _opinion_deleted(sender, instance, **kwargs):
    if instance.status == OpinionStatus.APPROVED:
        _purge({scopes.opinions(instance.story_id)})


# --- Names shown around the stories --------------------------------------------------------------


def _slug_before(sender, instance, **kwargs):
    """A section's, tag's or profile's slug before the save: pages of the old address are purged too."""
    found = sender.objects.filter(pk=instance.pk).values_list("slug", flat=True).first() if instance.pk else None
    instance._slugs = {slug for slug in (found, instance.slug) if slug}


def _slugs(instance) -> set[str]:
    return getattr(instance, "_slugs", None) or {instance.slug}


def _section_changed(sender, instance, **kwargs):
    _purge({scopes.NAVIGATION, scopes.LISTS, *(scopes.section(slug) for slug in _slugs(instance))})


def _tag_changed(sender, instance, **kwargs):
    _purge({scopes.LISTS, *(scopes.tag(slug) for slug in _slugs(instance))})


def _shows_person(update_fields) -> bool:
    """Whether a save may change what readers see of a person (a login's `last_login` update does not)."""
    return update_fields is None or not set(update_fields).isdisjoint(PERSON_FIELDS)


def _person_before(sender, instance, update_fields=None, **kwargs):
    if not (instance.pk and _shows_person(update_fields)):
        instance._shown_before = None
        return
    people = get_user_model()
    instance._shown_before = people.objects.filter(pk=instance.pk).values_list(*PERSON_FIELDS).first()


def _person_after(sender, instance, created=False, update_fields=None, **kwargs):
    before = getattr(instance, "_shown_before", None)
    if created or not _shows_person(update_fields) or before == tuple(getattr(instance, n) for n in PERSON_FIELDS):
        return  # a new person is on no byline yet; a new password or login shows nowhere
    _purge({scopes.PEOPLE, *_author_pages(instance)})


def _person_deleted(sender, instance, **kwargs):
    _purge({scopes.PEOPLE, *_author_pages(instance)})


def _author_pages(person) -> set[str]:
    slug = Profile.objects.filter(user_id=person.pk).values_list("slug", flat=True).first()
    return {scopes.author(slug)} if slug else set()


def _profile_changed(sender, instance, **kwargs):
    _purge({scopes.PEOPLE, *(scopes.author(slug) for slug in _slugs(instance))})


def _policy_changed(sender, instance, **kwargs):
    _purge({scopes.OPINION_POLICY})


def _receivers():
    people = get_user_model()
    return [
        (pre_save, Story, _story_before),
        (post_save, Story, _story_after),
        (pre_delete, Story, _story_before),
        (post_delete, Story, _story_deleted),
        (m2m_changed, Story.tags.through, _bylines_or_tags_changed),
        (m2m_changed, Story.authors.through, _bylines_or_tags_changed),
        (post_save, Highlight, _part_of_story_changed),
        (post_delete, Highlight, _part_of_story_changed),
        (post_save, Correction, _part_of_story_changed),
        (post_delete, Correction, _part_of_story_changed),
        (post_save, LiveUpdate, _live_update_changed),
        (post_delete, LiveUpdate, _live_update_changed),
        (pre_save, Opinion, _opinion_before),
        (post_save, Opinion, _opinion_after),
        (post_delete, Opinion, _opinion_deleted),
        (pre_save, Section, _slug_before),
        (post_save, Section, _section_changed),
        (post_delete, Section, _section_changed),
        (pre_save, Tag, _slug_before),
        (post_save, Tag, _tag_changed),
        (post_delete, Tag, _tag_changed),
        (pre_save, people, _person_before),
        (post_save, people, _person_after),
        (post_delete, people, _person_deleted),
        (pre_save, Profile, _slug_before),
        (post_save, Profile, _profile_changed),
        (post_delete, Profile, _profile_changed),
        (post_save, ModerationPolicy, _policy_changed),
        (post_delete, ModerationPolicy, _policy_changed),
    ]


def connect() -> None:
    for signal, sender, receiver in _receivers():
        signal.connect(receiver, sender=sender, dispatch_uid=f"purging.{receiver.__name__}.{sender.__name__}")


def reader_visible_models() -> set:
    """The models a receiver above watches (the m2m tables stand for Story)."""
    return {sender for _, sender, _ in _receivers() if not sender._meta.auto_created}


# Models of the desk whose rows no reader sees: the audit trail, the words that hold new opinions, roles, and
# the login records of django-axes, the background tasks' results.
# The budget and its audit are desk-only: readers never see an assignment. A pending revision is the desk's until
# it is published, and then it is the story's edit (workflow.publish_revision) that purges.
NOT_SHOWN = {
    StoryTransition,
    BannedWord,
    Group,
    AccessAttempt,
    AccessFailureLog,
    AccessLog,
    Assignment,
    AssignmentEvent,
    PendingRevision,
    DBTaskResult,
}


# --- Scheduled stories -----------------------------------------------------------------------------


def next_story_going_live():
    """When the clock next changes what readers see: a scheduled story (an embargoed one among them) goes live, a
    live story expires, or a scheduled revision of a story is due to be published. None when none is due (the page
    cache asks; see pagecache.register_go_live)."""
    going = Story.objects.scheduled().order_by("published_at").values("published_at")[:1]
    leaving = Story.objects.live().filter(expires_at__isnull=False).order_by("expires_at").values("expires_at")[:1]
    due = PendingRevision.objects.filter(state=RevisionState.SCHEDULED).order_by("publish_at")
    revised = due.values("publish_at")[:1]
    # All in one round trip, each read by its index (story_status_pub_idx, story_expiry_idx, revision_due_idx).
    queries = [q.query.sql_with_params() for q in (going, leaving, revised)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(f"({sql})" for sql, _params in queries),
            [param for _sql, params in queries for param in params],
        )
        times = cursor.fetchone()
    return min(filter(None, map(db_datetime, times)), default=None)


def stories_gone_live(since, until) -> set[str]:
    """The scopes of the stories that went live, or expired, after `since`, up to `until`."""
    went = list(Story.objects.live(at=until).filter(published_at__gt=since).values_list("pk", flat=True))
    left = list(Story.objects.live(at=since).filter(expires_at__lte=until).values_list("pk", flat=True))
    states = scopes.story_states([*went, *left])
    changes = scopes.Changes(now=until)
    for pk in went:
        changes.add(None, states[pk])
    for pk in left:
        changes.shown |= scopes.shown_by(states[pk])  # the pages that showed it until it expired
    return changes.scopes()
