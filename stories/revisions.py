"""A story's saved versions (django-reversion): keeping one, listing them, reading one, comparing two.

Every edit keeps a version of the story with its highlights (`record`, called by the workflow's
`edit_story`); restoring one is an edit too (`workflow.restore_revision`). Registered with
django-reversion when the app is ready (StoriesConfig.ready).
"""

from pathlib import PurePosixPath

import reversion
from django.contrib.auth import get_user_model
from reversion.models import Version

from . import textdiff
from .models import Highlight, LiveUpdate, Section, Story, Tag, display_name


def register() -> None:
    """Keep Story versions together with their highlights, and each live update's versions."""
    if not reversion.is_registered(LiveUpdate):
        reversion.register(LiveUpdate, fields=["headline", "body", "pinned", "story", "author", "created_at"])
    if not reversion.is_registered(Highlight):
        reversion.register(Highlight)
    if not reversion.is_registered(Story):
        reversion.register(Story, follow=["highlights"])


def record(story: Story, user, comment: str) -> None:
    """Keep a version of `story` as it is now (with its highlights), by `user` (None: the system)."""
    with reversion.create_revision(manage_manually=True):
        reversion.set_user(user)
        reversion.set_comment(comment)
        reversion.add_to_revision(story)


def record_update(update: LiveUpdate, user, comment: str) -> None:
    """Keep a version of a live update as it is now, by `user`: every post, edit and deletion keeps one."""
    with reversion.create_revision(manage_manually=True):
        reversion.set_user(user)
        reversion.set_comment(comment)
        reversion.add_to_revision(update)


def update_versions(update_pk: int):
    """A live update's kept versions, newest first (a deleted update's too, by its key)."""
    return (
        Version.objects.get_for_model(LiveUpdate)
        .filter(object_id=str(update_pk))
        .select_related("revision__user")
        .order_by("-revision__date_created", "-pk")
    )


def versions_of(story: Story):
    """The story's versions, newest first, with who saved each."""
    return Version.objects.get_for_object(story).select_related("revision__user")


def has_versions(stories) -> set[int]:
    """The primary keys, among `stories`, of those with at least one version kept."""
    ids = [str(story.pk) for story in stories]
    kept = Version.objects.get_for_model(Story).filter(object_id__in=ids).values_list("object_id", flat=True)
    return {int(pk) for pk in kept}


def version_highlights(version) -> list[str]:
    """The highlights' texts a version kept, in their order."""
    rows = [v.field_dict for v in version.revision.version_set.all() if v._model is Highlight]
    return [row["text"] for row in sorted(rows, key=lambda r: (r.get("position", 0), r.get("id", 0)))]


def highlights_of(versions) -> dict[int, list[str]]:
    """`version_highlights` of several versions in one query, by version key."""
    by_revision = {}
    kept = Version.objects.get_for_model(Highlight).filter(revision_id__in={v.revision_id for v in versions})
    for row in kept:
        by_revision.setdefault(row.revision_id, []).append(row.field_dict)
    ordered = {
        revision: [r["text"] for r in sorted(rows, key=lambda r: (r.get("position", 0), r.get("id", 0)))]
        for revision, rows in by_revision.items()
    }
    return {v.pk: ordered.get(v.revision_id, []) for v in versions}


def compare_versions(old, new) -> dict:
    """Two kept versions compared as an editor reads them (see `compare_contents`)."""
    highlights = highlights_of([old, new])
    return compare_contents(old.field_dict, highlights[old.pk], new.field_dict, highlights[new.pk])


# The parts of a story compared, in the order the desk shows them: (label, field as a version keeps it).
PARTS = [
    ("Headline", "title"),
    ("Standfirst", "standfirst"),
    ("Highlights", "highlights"),
    ("Body", "body"),
    ("Section", "section_id"),
    ("Tags", "tags"),
    ("Byline", "authors"),
    ("Dateline", "dateline"),
    ("Lead image file", "lead_image"),
    ("Lead image alt text", "lead_image_alt"),
    ("Lead image caption and credit", "lead_image_caption"),
]


def compare_contents(old: dict, old_highlights: list[str], new: dict, new_highlights: list[str]) -> dict:
    """Any two contents of a story compared: dicts of its fields as a version keeps them (`section_id`, `tags`
    and `authors` as keys, `lead_image` as its file) and their highlights' texts. A part absent from both is
    left out, so a pending revision (which holds neither tags, byline nor image file) is compared on what it
    holds. Returns {"changed": [{"label", "name", "rows"}], "unchanged": [labels]}; rows as stories.textdiff
    makes them, every text still to be escaped. Names are read in three queries whatever the byline and tags."""
    old = {**old, "highlights": old_highlights}
    new = {**new, "highlights": new_highlights}
    names = _names(old, new)
    changed, unchanged = [], []
    for label, name in PARTS:
        if name not in old and name not in new:
            continue
        before, after = old.get(name), new.get(name)
        if name == "body":
            rows = textdiff.body_rows(before, after)
        elif name == "highlights":
            rows = textdiff.items_rows(before or [], after or [], kind="Highlight")
        elif name in names:
            rows = textdiff.names_rows(names[name](before), names[name](after))
        else:
            rows = textdiff.text_rows(_text(name, before), _text(name, after))
        if rows:
            changed.append({"label": label, "name": name, "rows": rows})
        else:
            unchanged.append(label)
    return {"changed": changed, "unchanged": unchanged}


def _text(name: str, value) -> str:
    if name == "lead_image":
        return PurePosixPath(str(value or "")).name  # the file's name, not the upload folder
    return str(value or "")


def _keys(value) -> list[int]:
    return [int(pk) for pk in value or []]


def _names(old: dict, new: dict) -> dict:
    """For the parts kept as keys (section, tags, byline): a function from a kept value to the names it means."""

    def keys(name):
        # An empty list asks the database nothing.
        return [*_keys(old.get(name)), *_keys(new.get(name))]

    section_keys = [key for key in (old.get("section_id"), new.get("section_id")) if key]
    sections = dict(Section.objects.filter(pk__in=section_keys).values_list("pk", "name"))
    tags = dict(Tag.objects.filter(pk__in=keys("tags")).values_list("pk", "name"))
    people = get_user_model().objects.filter(pk__in=keys("authors")).only("username", "first_name", "last_name")
    people = {person.pk: display_name(person) for person in people}
    return {
        "section_id": lambda pk: [sections.get(pk, "a deleted section")] if pk else [],
        "tags": lambda pks: sorted(tags.get(pk, "a deleted tag") for pk in _keys(pks)),
        # In the order of the people's accounts, as the site shows a byline.
        "authors": lambda pks: [people.get(pk, "a deleted account") for pk in sorted(_keys(pks))],
    }
