"""Editing a story's content: the one way its text, filing and highlights are written, whoever writes them.

The admin's story form, an import that updates a story and the restore of an old version all call
`edit_story`. It locks the row, refuses an edit based on an older version of the story (EditConflict) or
one the person may not make on the story as it now is (PermissionDenied), writes only the edited fields
(`Story.save` cleans the body and stores uploaded files), moves the edit version on, lets the caller
write what hangs off the story, gives a story with no byline its writer, checks the highlights rule on
what was saved, keeps a revision, and purges the public pages after the commit when readers see it.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from .. import images, purging, revisions
from ..dates import format_local
from ..models import Highlight, Section, Status, Story, Tag, is_live
from .rights import PERMISSION_BACKEND, can_edit
from .rules import EDIT_CONFLICT_MESSAGE, EditConflict, check_embargo, check_highlight_count

# Content a revision brings back. Status, publication time, ownership and the slug (a published address) never
# come from an old revision: restoring is an edit, not a transition.
RESTORABLE_FIELDS = [
    "title",
    "standfirst",
    "body",
    "section_id",
    "dateline",
    "lead_image",
    "lead_image_alt",
    "lead_image_caption",
    "lead_image_focus_x",
    "lead_image_focus_y",
    "opinions_closed",
]


def byline_candidates():
    """Who may be on a byline: the people who may write stories (active staff, superusers too), by name."""
    return (
        get_user_model()
        .objects.with_perm("stories.add_story", backend=PERMISSION_BACKEND)
        .filter(is_staff=True)
        .order_by("first_name", "last_name", "username")
    )


def takes_corrections(story: Story) -> bool:
    """Notices (corrections, clarifications, updates, editor's notes) go under a published story; other stories
    have none to add."""
    return story.pk is not None and story.status == Status.PUBLISHED


def lock_for_edit(story: Story, user, base_version: int | None) -> Story:
    """The story's row, locked until the transaction ends, if an edit based on `base_version` may go ahead.

    Every transition moves the version on, so a page opened before a move (or a save that lost the race to
    one) is refused. The person's right is judged on the story as locked, not as read when the request began,
    and `story` takes the state it is locked in (what the rest of the edit is judged by).
    """
    locked = Story.objects.select_for_update().filter(pk=story.pk).first()
    if locked is None or base_version is None or locked.version != base_version:
        raise EditConflict(EDIT_CONFLICT_MESSAGE, code="edit_conflict")
    if user is not None and not can_edit(user, locked):
        raise PermissionDenied("You may not edit this story.")
    story.status = locked.status
    return locked


@dataclass
class Edit:
    """One story's part of an edit: the version it started from, and how its revision is described.

    `comment=None` keeps no revision: only for a bulk import's drafts, whose documents are their history.
    """

    story: Story
    base_version: int | None
    comment: str | None = ""
    # Readers are told a live story changed ("Updated", dateModified, the feeds' updated date): a substantive
    # change, or one that adds a notice. A minor one (a typo, style) and an import's update tell them nothing.
    substantive: bool = False


def edit_story(
    story: Story,
    user,
    *,
    fields: Iterable[str] = (),
    base_version: int | None = None,
    save_related: Callable[[Story], None] | None = None,
    comment: str = "",
    substantive: bool = False,
) -> Story:
    """Save `story`, edited by `user` (None: the system), as the module docstring says.

    A new story (no primary key) is created, owned by `user`. For an existing one, `fields` names what the
    edit changed and `base_version` the version it started from. `save_related(story)` writes the byline,
    tags, highlights or corrections once the story's row is saved. `comment` describes the revision.

    `substantive=True` tells readers a live story changed: its `modified_at` becomes now, in the same write
    (the story page's "Updated", its dateModified, the feeds' updated date, the sitemap's lastmod). The caller
    says so for a change the editor calls substantive and for one that adds a notice (`adds_notice`). By
    default an edit is minor: a typo fixed moves none of them. A story readers cannot see yet is not "updated".
    """
    related = (lambda stories: save_related(stories[0])) if save_related is not None else None
    edit_stories([Edit(story, base_version, comment, substantive)], user, fields=fields, save_related=related)
    return story


def edit_stories(
    edits: list[Edit],
    user,
    *,
    fields: Iterable[str] = (),
    save_related: Callable[[list[Story]], None] | None = None,
    locked: bool = False,
) -> None:
    """`edit_story` for several stories at once, in a fixed number of queries (an import's updates).

    `locked` says the caller read these rows under `select_for_update` in the current transaction, so their
    versions are the current ones: they are checked, not read again. One story is written by `Story.save`
    (which stores an upload); several in one UPDATE, their bodies cleaned as `Story.save` cleans them.
    """
    stories = [edit.story for edit in edits]
    # No savepoint of its own: a refused edit undoes the caller's whole transaction, which is what every
    # caller (the admin's save, an import's group, a restore) wants, for two queries fewer.
    # The pages showing these stories are purged after the commit: a bulk update sends no signal.
    with (
        transaction.atomic(savepoint=False),
        purging.stories_changing(story.pk for story in stories if story.pk is not None) as changing,
    ):
        new = [story for story in stories if story.pk is None]
        for story in new:
            if user is not None and not can_edit(user, story):
                raise PermissionDenied("You may not write stories.")
            story.created_by = story.created_by or user
            story.last_edited_by = user
            story.save()
        changing.also(story.pk for story in new)
        existing = [edit for edit in edits if edit.story.pk is not None and edit.story not in new]
        if existing:
            _write_edits(existing, user, set(fields), locked=locked)
        if save_related is not None:
            save_related(stories)
        _give_bylines(stories, user)
        _check_highlights(stories)
        for edit in edits:
            if edit.comment is not None:
                revisions.record(edit.story, user, edit.comment)


def _write_edits(edits: list[Edit], user, fields: set[str], *, locked: bool) -> None:
    now, told = timezone.now(), False
    if locked:
        current = {edit.story.pk: edit.story for edit in edits}
    else:
        current = Story.objects.select_for_update().in_bulk([edit.story.pk for edit in edits])
    for edit in edits:
        row = current.get(edit.story.pk)
        if row is None or edit.base_version is None or row.version != edit.base_version:
            raise EditConflict(EDIT_CONFLICT_MESSAGE, code="edit_conflict")
        if user is not None and not can_edit(user, row):
            raise PermissionDenied("You may not edit this story.")
        story = edit.story
        if "embargo_until" in fields:
            check_embargo(row.status, row.published_at, row.embargo_until, story.embargo_until)
        story.status, story.version, story.last_edited_by = row.status, row.version + 1, user
        # Only a substantive edit of a live story moves it, to now; otherwise it keeps the row's.
        if edit.substantive and is_live(row.status, row.published_at, now, row.expires_at):
            story.modified_at, told = now, True
        else:
            story.modified_at = row.modified_at
    kept = {*fields, "version", "last_edited_by", *(["modified_at"] if told else [])}
    written = [f.name for f in Story._meta.concrete_fields if f.name in kept]
    stories = [edit.story for edit in edits]
    if len(stories) == 1:
        stories[0].save(update_fields=[*written, "updated_at"])
        return
    for story in stories:
        story.clean_rich_text()
        story.updated_at = now
    Story.objects.bulk_update(stories, [*written, "updated_at"])


def adds_notice(notices) -> bool:
    """Whether an edit's notices (the Correction rows it saves) include a new one: readers are told of it, as of a
    substantive change (`edit_story(substantive=True)`). Editing or removing a notice is not news of its own."""
    return any(notice.pk is None for notice in notices)


def _give_bylines(stories: list[Story], user) -> None:
    """A story always has a byline: its writer's, or the editing person's, when it has none."""
    wanted = {story.pk: story.created_by_id or (user.pk if user else None) for story in stories}
    wanted = {pk: person for pk, person in wanted.items() if person is not None}
    if not wanted:
        return
    Byline = Story.authors.through
    have = set(Byline.objects.filter(story_id__in=wanted).values_list("story_id", flat=True).distinct())
    Byline.objects.bulk_create([Byline(story_id=pk, user_id=person) for pk, person in wanted.items() if pk not in have])


def _check_highlights(stories: list[Story]) -> None:
    """The highlights rule on what was saved, in one grouped count."""
    counts = Highlight.objects.counts_by_story(stories)
    for story in stories:
        check_highlight_count(counts.get(story.pk, 0), story.status)


def restore_revision(story: Story, version, user, base_version: int | None) -> Story:
    """Bring back an old version's content (RESTORABLE_FIELDS, byline, tags, highlights), never its status."""
    data = version.field_dict
    highlights = revisions.version_highlights(version)
    values = {name: data[name] for name in RESTORABLE_FIELDS if name in data}
    # A revision keeps its image's name, not the file: one deleted since is left out rather than shown broken.
    values = images.drop_missing_lead_image(values, Story.lead_image.field.storage)
    if "section_id" in values and not Section.objects.filter(pk=values["section_id"]).exists():
        values["section_id"] = None
    replaced_image = story.lead_image
    for name, value in values.items():
        setattr(story, name, value)
    if story.lead_image.name != replaced_image.name:
        images.measure_restored_lead_image(story)  # the size of the file it takes back, which a revision lacks

    def restore_related(restored):
        people = get_user_model()
        restored.authors.set(people.objects.filter(pk__in=data.get("authors", [])))
        restored.tags.set(Tag.objects.filter(pk__in=data.get("tags", [])))
        Highlight.objects.filter(story=restored).delete()
        Highlight.objects.bulk_create(
            [Highlight(story=restored, text=text, position=i) for i, text in enumerate(highlights, start=1)]
        )

    with transaction.atomic():
        edit_story(
            story,
            user,
            fields=[name.removesuffix("_id") for name in values],
            base_version=base_version,
            save_related=restore_related,
            comment=f"Restored the version of {format_local(version.revision.date_created)}.",
        )
        if replaced_image.name != story.lead_image.name:
            images.delete_if_unused_on_commit(replaced_image)  # the image this restore replaced
        images.make_renditions_on_commit(story)  # those its image (or focal point) brought back lacks
    story.refresh_from_db()
    return story
