"""Storing plain-text story documents: create or update stories, publish them through the workflow.

`stories/importing.py` reads and writes the format and knows nothing of the
database; this module is the other half, shared by the `import_stories`
command, the admin's "Import stories" page and the demo newsroom.

A document is identified by its headline and its date: importing the same
document again updates the story it created (body and highlights replaced,
opinions not yet present added) instead of duplicating it. The story keeps the
document's date (`Story.source_date`), so it is recognised whatever the desk
did with its own times since (published it later, unpublished it, or, in the demo
newsroom, dated it relative to today); a story from before that field, or an
exported one, is recognised by its publication or creation time instead. The
story is found through its slug, made from the headline (with -2, -3 … when
another story holds it), so the lookup is a query on the slug's unique index.

Every document is all or nothing, and one bad document never stops the
others. For speed, documents are written in groups: a group's lookups and
inserts are a handful of queries whatever its size, inside one savepoint. If
anything in the group fails, the savepoint is rolled back and each document
is written again alone, in its own savepoint, so that only the guilty one fails.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from . import purging, revisions, workflow
from .importing import DocumentError, StoryDocument, decode, parse
from .models import Highlight, Opinion, Status, Story, story_slug_base
from .richtext import paragraphs_to_html

# Slug candidates (base, base-2 … base-10) looked up per document in one go.
SLUG_CANDIDATES = 10

CREATED = "created"
UPDATED = "updated"
FAILED = "failed"

# What a document can fail with; anything else is a bug and propagates.
IMPORT_ERRORS = (DocumentError, PermissionDenied, ValidationError, DatabaseError)


@dataclass
class ImportResult:
    """What became of one document: created or updated (story set), or failed (message, line)."""

    name: str
    action: str
    story: Story | None = None
    message: str = ""
    line: int | None = None
    # The document replaced the text of a published story (live, or scheduled to be): readers see it at once.
    changed_published: bool = False

    @property
    def failed(self) -> bool:
        return self.action == FAILED

    def error_text(self) -> str:
        """`name:line: message`, the form compilers use, so editors and terminals can jump to it."""
        where = f"{self.name}:{self.line}" if self.line else self.name
        return f"{where}: {self.message}"


def failure(name: str, exc: Exception) -> ImportResult:
    """The failed result for an error raised while reading or writing a document."""
    if isinstance(exc, DocumentError):
        return ImportResult(name, FAILED, message=exc.message, line=exc.line)
    if isinstance(exc, ValidationError):
        return ImportResult(name, FAILED, message=" ".join(exc.messages))
    if isinstance(exc, DatabaseError):
        return ImportResult(name, FAILED, message=f"the database refused it: {exc}".strip())
    return ImportResult(name, FAILED, message=str(exc) or "permission denied")


def tally(results: list[ImportResult]) -> dict[str, int]:
    """How many documents were created, updated and failed: {"created": n, "updated": n, "failed": n}."""
    counts = Counter(result.action for result in results)
    return {action: counts[action] for action in (CREATED, UPDATED, FAILED)}


def check_publishable(document: StoryDocument) -> None:
    """The workflow's highlights rule for a story out of draft, as a DocumentError at the Highlights line."""
    count = len(document.highlights)
    try:
        workflow.check_highlight_count(count)
    except workflow.TransitionError:
        raise DocumentError(
            f"a published story needs {workflow.MIN_HIGHLIGHTS} to {workflow.MAX_HIGHLIGHTS} highlights; "
            f"this one has {count}",
            document.highlights_line or 1,
        ) from None


def read_document(name: str, data: bytes) -> StoryDocument | ImportResult:
    """The parsed document, or the failed result saying why it cannot be read."""
    try:
        return parse(decode(data))
    except DocumentError as exc:
        return failure(name, exc)


def document_time(document: StoryDocument) -> datetime:
    """The document's date, read in TIME_ZONE (whatever zone the current request has activated)."""
    return timezone.make_aware(document.date, timezone.get_default_timezone())


def _candidates(base: str, start: int = 1) -> list[str]:
    return [base if n == 1 else f"{base}-{n}" for n in range(start, start + SLUG_CANDIDATES)]


def _same_minute(value: datetime | None, when: datetime) -> bool:
    return value is not None and value.replace(second=0, microsecond=0) == when


def is_same_document(story: Story, document: StoryDocument, when: datetime) -> bool:
    """The story came from this document: same headline, and the document's date (to the minute) is the one it was
    imported from, or its publication or creation time (an older import, or a story exported from the desk)."""
    return story.title == document.headline and any(
        _same_minute(value, when) for value in (story.source_date, story.published_at, story.created_at)
    )


@dataclass
class _Incoming:
    """One document on its way in."""

    index: int
    name: str
    document: StoryDocument
    when: datetime
    story: Story | None = None
    slug: str = ""
    existed: bool = False
    # What the document changes on its published story: "body", "highlights" (empty: nothing, or not published).
    published_changes: tuple[str, ...] = ()


# --- Entry points --------------------------------------------------------------------------


def import_documents(
    items: list[tuple[str, StoryDocument]],
    *,
    publish: bool = False,
    user=None,
    dry_run: bool = False,
    approve_opinions: bool = False,
) -> list[ImportResult]:
    """Import (name, document) pairs; one result per pair, in order. Never raises for a bad document.

    `publish` publishes each story at its document's date through the
    workflow (`workflow.publish_imported`), acting as `user` (None: the
    system). The documents' opinions wait for a moderator unless
    `approve_opinions`, which needs someone who may moderate (else
    PermissionDenied, before anything is written). `dry_run` checks everything
    it can, including which stories would be updated, and writes nothing.
    """
    if approve_opinions and not workflow.may_approve_imported_opinions(user):
        raise PermissionDenied(workflow.IMPORTED_APPROVAL_REFUSED)
    if not items:
        return []
    options = {"publish": publish, "user": user, "approve_opinions": approve_opinions}
    try:
        with transaction.atomic():
            results, repeated = _import_group(items, dry_run=dry_run, **options)
    except IMPORT_ERRORS as exc:
        if len(items) == 1:
            return [failure(items[0][0], exc)]
        # Something in the group failed: write each document alone, so only that one fails.
        return [result for item in items for result in import_documents([item], dry_run=dry_run, **options)]
    for index in repeated:
        # The same document twice in one group: the first copy's story exists now.
        name = items[index][0]
        if dry_run:
            results[index] = ImportResult(name, UPDATED)
        else:
            results[index] = import_documents([items[index]], **options)[0]
    return results


def import_files(
    files: list[tuple[str, bytes] | ImportResult],
    *,
    publish: bool = False,
    user=None,
    dry_run: bool = False,
    approve_opinions: bool = False,
) -> list[ImportResult]:
    """Read and import (name, content) pairs as one group; one ImportResult per entry, in order.

    An entry that is already an ImportResult (a file the caller refused unread:
    too large, not a .txt, unreadable) is passed through in its place.
    """
    results = [entry if isinstance(entry, ImportResult) else read_document(*entry) for entry in files]
    readable = [index for index, result in enumerate(results) if isinstance(result, StoryDocument)]
    imported = import_documents(
        [(files[index][0], results[index]) for index in readable],
        publish=publish,
        user=user,
        dry_run=dry_run,
        approve_opinions=approve_opinions,
    )
    for index, result in zip(readable, imported, strict=True):
        results[index] = result
    return results


# --- The group -----------------------------------------------------------------------------


def _import_group(items, *, publish, user, dry_run, approve_opinions) -> tuple[list[ImportResult | None], list[int]]:
    """Write a group of documents inside the caller's transaction; raise if any write fails.

    Documents refused before anything is written (highlights rule, rights) get
    a failed result and are left out. Returns the results and the indexes of
    repeated documents, which the caller imports after the group.
    """
    results: list[ImportResult | None] = [None] * len(items)
    incoming, repeated, seen = [], [], set()
    for index, (name, document) in enumerate(items):
        when = document_time(document)
        if (document.headline, when) in seen:
            repeated.append(index)
            continue
        seen.add((document.headline, when))
        if publish:
            try:
                check_publishable(document)
            except DocumentError as exc:
                results[index] = failure(name, exc)
                continue
        incoming.append(_Incoming(index, name, document, when))

    # The stories documents update are locked until the group commits: rights and state are checked on
    # rows nobody can move meanwhile, and their edit version goes up from the current one.
    _find_stories(incoming, lock=not dry_run)
    ready = []
    for item in incoming:
        try:
            if item.existed:
                if item.story.status == Status.KILLED:
                    # Taken down: only a superuser brings it back (workflow.reinstate), never a document.
                    raise DocumentError(
                        f"the story it updates ({item.story.slug}) was killed; a superuser must reinstate it first",
                        item.document.headline_line,
                    )
                if user is not None and not workflow.can_edit(user, item.story):
                    raise DocumentError(
                        f"you may not edit the story it updates ({item.story.slug})", item.document.headline_line
                    )
                if workflow.needs_highlights(item.story.status):
                    # A story already out of draft keeps obeying the highlights rule.
                    check_publishable(item.document)
        except DocumentError as exc:
            results[item.index] = failure(item.name, exc)
            continue
        ready.append(item)

    _find_published_changes(ready)
    if not dry_run:
        _write(ready, user, approve_opinions)
        if publish:
            workflow.publish_imported([(item.story, item.when) for item in ready], user)
    for item in ready:
        results[item.index] = ImportResult(
            item.name,
            UPDATED if item.existed else CREATED,
            story=item.story,
            changed_published=bool(item.published_changes),
        )
    return results, repeated


def _find_stories(incoming: list[_Incoming], *, lock: bool) -> None:
    """Set each document's existing story, or the free slug for its new one: one query for the group.

    With `lock`, the stories found stay locked (select_for_update) until the caller's transaction ends.
    """
    # In primary key order, so that two imports locking some of the same stories cannot deadlock.
    stories = Story.objects.select_for_update().order_by("pk") if lock else Story.objects.order_by()
    bases = {item.index: story_slug_base(item.document.headline) for item in incoming}
    wanted = [slug for item in incoming for slug in _candidates(bases[item.index])]
    taken = {story.slug: story for story in stories.filter(slug__in=wanted)} if wanted else {}
    claimed = set()
    for item in incoming:
        start = 1
        while True:
            candidates = _candidates(bases[item.index], start)
            if start > 1:
                # Rare: all of the first candidates are taken. Look further.
                taken.update((s.slug, s) for s in stories.filter(slug__in=candidates))
            match = next(
                (
                    taken[slug]
                    for slug in candidates
                    if slug in taken and is_same_document(taken[slug], item.document, item.when)
                ),
                None,
            )
            if match is not None:
                item.story, item.existed = match, True
                break
            free = [slug for slug in candidates if slug not in taken and slug not in claimed]
            if free:
                item.slug = free[0]
                claimed.add(item.slug)
                break
            start += SLUG_CANDIDATES


def _find_published_changes(ready: list[_Incoming]) -> None:
    """Note what each document changes on a published story it updates: one query for the group's highlights."""
    published = [item for item in ready if item.existed and item.story.status == Status.PUBLISHED]
    if not published:
        return
    current = defaultdict(list)
    for story_id, text in (
        Highlight.objects.filter(story_id__in=[item.story.pk for item in published])
        .order_by("story_id", "position", "pk")
        .values_list("story_id", "text")
    ):
        current[story_id].append(text)
    for item in published:
        changes = []
        if item.story.body != _body(item.document):
            changes.append("body")
        if tuple(current[item.story.pk]) != item.document.highlights:
            changes.append("highlights")
        item.published_changes = tuple(changes)


def _body(document: StoryDocument) -> str:
    # Stories are written with bulk_create/bulk_update, which skip Story.save() and its
    # sanitize_html; none is needed: every paragraph is escaped text inside a <p> (and the
    # parser refuses NUL characters, the one thing the sanitizer would still remove).
    return paragraphs_to_html(document.paragraphs)


def _write(ready: list[_Incoming], user, approve_opinions: bool) -> None:
    """Insert new stories in a few queries; update existing ones as edits (workflow.edit_story); add opinions.

    A published story whose text a document replaces is what readers see at once: like an edit in the
    admin, it keeps a revision (and, if it had none yet, one of the text it replaced), and the audit
    trail records who imported what over it.
    """
    new = [item for item in ready if not item.existed]
    old = [item for item in ready if item.existed]
    replacing = [item for item in old if item.published_changes]
    _keep_replaced_text(replacing, user)

    stories = Story.objects.bulk_create(
        Story(
            title=item.document.headline,
            slug=item.slug,
            body=_body(item.document),
            # A draft's document date is its creation date: export writes it back,
            # and a re-import recognises the story by it.
            created_at=item.when,
            source_date=item.when,
            created_by=user,
            last_edited_by=user,
        )
        for item in new
    )
    for item, story in zip(new, stories, strict=True):
        item.story = story
    if user is not None and new:
        Byline = Story.authors.through
        Byline.objects.bulk_create(Byline(story_id=item.story.pk, user_id=user.pk) for item in new)
    Highlight.objects.bulk_create([highlight for item in new for highlight in _highlights(item)])

    present = defaultdict(set)
    for story_id, name, body in Opinion.objects.filter(story_id__in=[item.story.pk for item in old]).values_list(
        "story_id", "author_name", "body"
    ):
        present[story_id].add((_normalise(name), _normalise(body)))
    if old:
        # An edit like any other, in bulk: a new version (an editor with the story open is told it changed
        # underneath), the byline and highlights rules, and a revision of each published story it changes.
        for item in old:
            item.story.body = _body(item.document)
            item.story.source_date = item.when  # a story recognised by its own times is, from now on, by this
        by_story = {item.story.pk: item for item in old}

        def replace_highlights(stories):
            Highlight.objects.filter(story__in=stories).delete()
            Highlight.objects.bulk_create([h for story in stories for h in _highlights(by_story[story.pk])])

        workflow.edit_stories(
            [workflow.Edit(item.story, item.story.version, _revision_comment(item)) for item in old],
            user,
            fields=["body", "source_date"],
            save_related=replace_highlights,
            locked=True,
        )

    now = timezone.now()
    opinions = []
    for item in ready:
        known = present[item.story.pk]
        for opinion in item.document.opinions:
            key = (_normalise(opinion.author_name), _normalise(opinion.body))
            if key in known:
                continue
            known.add(key)
            # In the document's order, as workflow.imported_opinion makes them.
            opinions.append(
                workflow.imported_opinion(
                    item.story,
                    author_name=opinion.author_name,
                    body=opinion.body,
                    created_at=now,
                    user=user,
                    approve=approve_opinions,
                )
            )
    Opinion.objects.bulk_create(opinions)
    purging.opinions_added(opinions)  # a bulk create sends no signal
    workflow.record_published_imports([(item.story, item.name) for item in replacing], user)


def _highlights(item: _Incoming) -> list[Highlight]:
    return [
        Highlight(story=item.story, text=text, position=position)
        for position, text in enumerate(item.document.highlights)
    ]


def _revision_comment(item: _Incoming) -> str | None:
    """What the revision of a published story's replaced text says; None (no revision) for other updates."""
    if not item.published_changes:
        return None
    return f"Imported from {item.name}: changed {', '.join(item.published_changes)}. Live at once (published story)."


def _keep_replaced_text(replacing: list[_Incoming], user) -> None:
    """A revision of the text a document is about to replace, for each story that has no revision yet.

    Stories created by an import have none: without it, the text readers saw could not be compared
    or restored.
    """
    kept = revisions.has_versions([item.story for item in replacing]) if replacing else set()
    for item in replacing:
        if item.story.pk not in kept:
            revisions.record(item.story, user, f"As published before the import of {item.name}.")


def _normalise(text: str) -> str:
    return " ".join(text.split())
