"""Demo staff accounts (one per role) and a living newsroom of about 30 stories. Safe to run twice.

The stories are plain-text documents in `stories/demo/` (the import format),
read with the same parser as `import_stories`. What a document cannot say
(section, state, corrections, opinions still waiting for a moderator) is in
stories/demo/newsroom.toml. Dates are set relative to now, so the demo always looks
current: published stories spread over the last weeks, scheduled ones in the
coming days.
"""

import tomllib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from stories import workflow
from stories.importing import parse
from stories.ingest import document_time, import_documents
from stories.models import (
    Assignment,
    Correction,
    LiveUpdate,
    Opinion,
    OpinionStatus,
    Profile,
    Section,
    Story,
    Tag,
    story_slug_base,
    tag_key,
    tag_slug,
)

DEMO_PASSWORD = "newsroom-demo"  # noqa: S105 - demo accounts for a local machine, printed on purpose
DEMO_FOLDER = Path(__file__).resolve().parents[2] / "demo"

ACCOUNTS = [
    ("admin", "Ada", "Admin", None, True),
    ("editor", "Elena", "Editor", "Editors", False),
    ("writer", "Walter", "Writer", "Writers", False),
    ("moderator", "Mona", "Moderator", "Moderators", False),
]

SECTIONS = [
    ("News", "news", "The region, the country and the world, as it affects us."),
    ("City", "city", "The council, transport, housing and the neighbourhoods."),
    ("Business", "business", "The port, employers, shops and money."),
    ("Culture", "culture", "Music, stage, screen, books and exhibitions."),
]

PUBLISHED, SCHEDULED, REVIEW, DRAFT = "published", "scheduled", "review", "draft"

# The planning desk's budget: (working title, desk, pitched by, what became of it, due in hours from now,
# planned words, notes). "assigned" goes to the writer; "started" also starts the story.
ASSIGNMENTS = [
    ("Night buses: a month of the new timetable", "city", "writer", "started", 3, 900, "Ride the N4 after midnight."),
    ("Harbour crane strike: the second week", "business", "editor", "assigned", -2, 600, "Union vote at noon."),
    ("Library opening hours cut in three districts", "city", "writer", "assigned", 26, 700, ""),
    ("Jazz festival line-up announced", "culture", "editor", "assigned", 50, 500, "Embargoed until 10:00."),
    (
        "Flood defences: what the budget leaves out",
        "news",
        "writer",
        "pitched",
        74,
        1200,
        "Documents from the water board.",
    ),
    ("Rooftop gardens on council blocks", "city", "writer", "pitched", None, 800, ""),
]
CHANGES_REQUESTED, UNPUBLISHED = "changes requested", "unpublished"


@dataclass(frozen=True)
class DemoStory:
    file: str
    section: str
    state: str
    # Published: hours since publication. Scheduled: hours until it goes live.
    # Others: hours since the writer started it.
    hours: float
    byline: tuple[str, ...] = ("writer",)
    tags: tuple[str, ...] = ()
    corrections: tuple[tuple[str, str], ...] = ()
    # Opinions readers sent that are not (or not yet) public: (name, text, decision or None for pending).
    held_opinions: tuple[tuple[str, str, str | None], ...] = ()
    comment: str = ""
    # Scheduled: under embargo until the time it goes live (the source's embargo, say a study's).
    embargoed: bool = False
    # Published: live coverage running, with its updates (minutes after publication, text, headline, key event).
    live: tuple[tuple[int, str, str, bool], ...] = ()


DEMO_FILE = DEMO_FOLDER / "newsroom.toml"


def demo_stories() -> list[DemoStory]:
    """What each demo document cannot say itself (section, state, corrections, held opinions): newsroom.toml."""
    with DEMO_FILE.open("rb") as data:
        rows = tomllib.load(data)["story"]
    return [
        DemoStory(
            **{
                **row,
                "byline": tuple(row.get("byline", ("writer",))),
                "tags": tuple(row.get("tags", ())),
                "corrections": tuple(tuple(c) for c in row.get("corrections", ())),
                "held_opinions": tuple((n, t, d or None) for n, t, d in row.get("held_opinions", ())),
                "live": tuple(tuple(update) for update in row.get("live", ())),
            }
        )
        for row in rows
    ]


class Command(BaseCommand):
    help = "Create demo staff accounts and demo stories (idempotent)."

    # Demo content must not email anyone, whatever the mail settings say: the desk history
    # below (submit for review, request changes) goes through the workflow, which emails.
    @override_settings(MAILERS={"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}})
    @transaction.atomic
    def handle(self, *args, **options):
        users = self.create_accounts()
        sections = {}
        for position, (name, slug, description) in enumerate(SECTIONS):
            sections[slug] = Section.objects.get_or_create(
                slug=slug, defaults={"name": name, "description": description, "position": position}
            )[0]
        now = timezone.now().replace(second=0, microsecond=0)
        for demo in demo_stories():
            self.create_story(demo, sections[demo.section], users, now)
        self.create_assignments(sections, users, now)
        self.stdout.write(self.style.SUCCESS("Demo newsroom ready."))
        self.stdout.write(f"Log in at /admin/ with any of these accounts (password: {DEMO_PASSWORD}):")
        for username, *_rest, group, is_super in ACCOUNTS:
            self.stdout.write(f"  {username:<10} {'administrator' if is_super else group}")

    def create_accounts(self):
        User = get_user_model()
        users = {}
        for username, first, last, group, is_super in ACCOUNTS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@newsroom.invalid",
                    "is_staff": True,
                    "is_superuser": is_super,
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            if group:
                user.groups.add(Group.objects.get(name=group))
            # Bylines link to the public slug made from the name ("walter-writer"), never the login name.
            Profile.objects.for_person(user)
            users[username] = user
        return users

    def create_assignments(self, sections, users, now):
        """The budget's demo lines, made through the planning moves; each is made once (by its working title)."""
        editor, writer = users["editor"], users["writer"]
        for title, desk, pitcher, fate, hours, words, notes in ASSIGNMENTS:
            if Assignment.objects.filter(title=title).exists():
                continue
            due = now + timedelta(hours=hours) if hours is not None else None
            assignment = workflow.pitch(
                users[pitcher], title, desk=sections[desk], planned_words=words, notes=notes, due_at=due
            )
            if fate in ("assigned", "started"):
                workflow.assign(assignment, editor, writer, due)
            if fate == "started":
                workflow.start_story(assignment, writer)

    def create_story(self, demo, section, users, now):
        document = parse((DEMO_FOLDER / demo.file).read_text(encoding="utf-8"))
        existing = Story.objects.filter(slug=story_slug_base(document.headline)).first()
        if existing is not None:
            if existing.title == document.headline:
                self.bring_up_to_date(existing, demo, document)
            return
        editor, moderator = users["editor"], users["moderator"]
        hours = timedelta(hours=demo.hours)
        if demo.state == SCHEDULED:
            live_at, started = now + hours, now - timedelta(hours=30)
        elif demo.state in (PUBLISHED, UNPUBLISHED):
            live_at, started = now - hours, now - hours - timedelta(hours=5)
        else:
            live_at, started = None, now - hours

        author = users[demo.byline[0]]
        # Imported as the document it is, so that importing it again updates this story (its source_date); the
        # writer started it some hours ago, whatever the document's own date.
        [result] = import_documents([(demo.file, document)], user=author)
        if result.failed:
            raise CommandError(result.error_text())
        story = result.story
        story.section, story.created_at = section, started
        story.save(update_fields=["section", "created_at"])
        story.authors.set([users[name] for name in demo.byline])
        story.tags.set(self.tags(demo.tags))
        # Imported opinions wait for a moderator; the demo's own are approved by the demo moderator, on purpose.
        for opinion in story.opinions.order_by("pk"):
            workflow.moderate(opinion, moderator, OpinionStatus.APPROVED)

        if demo.embargoed:
            story.embargo_until = live_at
            story.save(update_fields=["embargo_until"])
        if demo.state != DRAFT:
            workflow.submit_for_review(story, author)
        if demo.state == CHANGES_REQUESTED:
            workflow.request_changes(story, editor, demo.comment)
        if live_at is not None:
            workflow.publish(story, editor, at=live_at)
        if demo.state == UNPUBLISHED:
            workflow.unpublish(story, editor, demo.comment)

        if live_at is not None:
            # Readers wrote in after the story went live; keep their opinions in the past.
            opinions = list(story.opinions.order_by("pk"))
            for n, opinion in enumerate(opinions):
                opinion.created_at = min(now, live_at + timedelta(minutes=25 + 70 * n))
            Opinion.objects.bulk_update(opinions, ["created_at"])
        notices = [
            Correction.objects.create(
                story=story,
                kind=kind,
                text=text,
                created_by=editor,
                created_at=min(now, live_at + timedelta(hours=4 + n)),
            )
            for n, (kind, text) in enumerate(demo.corrections)
        ]
        if notices and story.is_live:
            # Written in the past, as if added from the desk then: readers were told the story changed at the last.
            story.modified_at = notices[-1].created_at
            story.save(update_fields=["modified_at"])
        if demo.live and story.is_live:
            self.cover_live(story, demo.live, users, live_at, now)
        for n, (name, text, decision) in enumerate(demo.held_opinions):
            opinion = Opinion.objects.create(
                story=story,
                author_name=name,
                body=text,
                created_at=min(now, (live_at or now) + timedelta(minutes=40 + 55 * n)),
            )
            if decision is not None:
                workflow.moderate(opinion, moderator, OpinionStatus(decision))

    @staticmethod
    def tags(names):
        """The tags of these names, made when missing (as the story form makes them)."""
        existing = Tag.objects.named(names)
        return [
            existing.get(tag_key(name)) or Tag.objects.get_or_create(slug=tag_slug(name), defaults={"name": name})[0]
            for name in names
        ]

    def bring_up_to_date(self, story, demo, document):
        """A demo story from an older seed: the tags and document date it was made without, once."""
        if story.source_date is None:
            Story.objects.filter(pk=story.pk).update(source_date=document_time(document))
        if demo.tags and not story.tags.exists():
            story.tags.set(self.tags(demo.tags))

    def cover_live(self, story, updates, users, live_at, now):
        """Live coverage opened when the story went live, with its updates posted since (in the past, as data)."""
        editor, writer = users["editor"], users["writer"]
        workflow.start_live(story, editor)
        Story.objects.filter(pk=story.pk).update(live_started_at=live_at)
        for n, (minutes, text, headline, key_event) in enumerate(updates):
            author = writer if n % 2 == 0 else editor
            update = workflow.post_update(story, author, body=f"<p>{text}</p>", headline=headline, pinned=key_event)
            at = min(now, live_at + timedelta(minutes=minutes))
            LiveUpdate.objects.filter(pk=update.pk).update(created_at=at, updated_at=at)
