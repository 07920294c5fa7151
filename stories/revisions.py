"""A story's saved versions (django-reversion): keeping one, listing them, reading one, comparing two.

Every edit keeps a version of the story with its highlights (`record`, called by the workflow's
`edit_story`); restoring one is an edit too (`workflow.restore_revision`). Registered with
django-reversion when the app is ready (StoriesConfig.ready).
"""

import difflib
import re

import reversion
from reversion.models import Version

from .models import Highlight, Section, Story


def register() -> None:
    """Keep Story versions together with their highlights."""
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


def _lines(value):
    """Text split into comparable lines; block-level tags start a new line so body diffs read by paragraph."""
    text = str(value or "")
    text = re.sub(r"(</(?:p|h[2-4]|li|blockquote|figcaption)>)", r"\1\n", text)
    return [line for line in text.splitlines() if line.strip()]


def diff_versions(old, new) -> list[dict]:
    """Per field, the changed lines as (kind, text) pairs: kind is "add", "del" or "same"."""
    a, b = old.field_dict, new.field_dict
    sections = {s.pk: s.name for s in Section.objects.filter(pk__in=[a.get("section_id"), b.get("section_id")])}
    fields = [
        ("Headline", a.get("title"), b.get("title")),
        ("Standfirst", a.get("standfirst"), b.get("standfirst")),
        ("Highlights", "\n".join(version_highlights(old)), "\n".join(version_highlights(new))),
        ("Body", a.get("body"), b.get("body")),
        ("Section", sections.get(a.get("section_id"), ""), sections.get(b.get("section_id"), "")),
        ("Dateline", a.get("dateline"), b.get("dateline")),
        ("Lead image", a.get("lead_image"), b.get("lead_image")),
        ("Alt text", a.get("lead_image_alt"), b.get("lead_image_alt")),
        ("Caption and credit", a.get("lead_image_caption"), b.get("lead_image_caption")),
    ]
    kinds = {"+ ": "add", "- ": "del", "  ": "same"}
    out = []
    for label, before, after in fields:
        before_lines, after_lines = _lines(before), _lines(after)
        rows = [(kinds[line[:2]], line[2:]) for line in difflib.ndiff(before_lines, after_lines) if line[:2] in kinds]
        out.append({"label": label, "changed": before_lines != after_lines, "rows": rows})
    return out
