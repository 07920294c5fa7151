"""Demo staff accounts (one per role) and a living newsroom of about 30 stories. Safe to run twice.

The stories are plain-text documents in `stories/demo/` (the import format),
read with the same parser as `import_stories`. What a document cannot say
(section, state, corrections, opinions still waiting for a moderator) is in
DEMO_STORIES below. Dates are set relative to now, so the demo always looks
current: published stories spread over the last weeks, scheduled ones in the
coming days.
"""

from dataclasses import dataclass, replace
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
from stories.ingest import base_slug, import_documents
from stories.models import Correction, Opinion, OpinionStatus, Profile, Section, Story

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
    corrections: tuple[tuple[str, str], ...] = ()
    # Opinions readers sent that are not (or not yet) public: (name, text, decision or None for pending).
    held_opinions: tuple[tuple[str, str, str | None], ...] = ()
    comment: str = ""


SPAM = ("Best Loans 24", "Need cash fast? Approved in 5 minutes, no checks!! http://loans.example/fast", "spam")

DEMO_STORIES = [
    # News
    DemoStory(
        "regional-rail-strike-called-off.txt",
        "news",
        PUBLISHED,
        3,
        held_opinions=(("Kees", "Why do the drivers always get what they want? Nobody asks the passengers.", None),),
    ),
    DemoStory(
        "heatwave-warning-extended.txt",
        "news",
        PUBLISHED,
        27,
        corrections=(
            ("correction", "An earlier version of this story said the warning ran until Sunday. It runs until Monday."),
        ),
    ),
    DemoStory(
        "hospital-waiting-lists-understated.txt",
        "news",
        PUBLISHED,
        74,
        byline=("writer", "editor"),
        held_opinions=(
            SPAM,
            ("Anonymous", "Everyone at the board should be sacked, starting with the idiots at the top.", "rejected"),
        ),
    ),
    DemoStory("flood-defences-pass-first-winter-test.txt", "news", PUBLISHED, 220),
    DemoStory("free-school-meals-every-primary-pupil.txt", "news", SCHEDULED, 20),
    DemoStory("early-voting-turnout-record.txt", "news", REVIEW, 20),
    DemoStory(
        "coastguard-rescues-eleven-from-stranded-ferry.txt",
        "news",
        PUBLISHED,
        340,
        corrections=(("update", "All eleven passengers were released from hospital on Wednesday morning."),),
    ),
    DemoStory("ministry-weighs-ban-on-disposable-vapes.txt", "news", DRAFT, 6),
    # City
    DemoStory(
        "city-council-approves-new-tram-line.txt",
        "city",
        PUBLISHED,
        2,
        held_opinions=(
            ("Marten Visser", "Will the trams run at night? The article does not say.", None),
            SPAM,
        ),
    ),
    DemoStory("eastgate-library-opens-on-sundays.txt", "city", PUBLISHED, 50),
    DemoStory(
        "night-bus-routes-redrawn.txt",
        "city",
        PUBLISHED,
        146,
        corrections=(("correction", "The new routes start on December 7, not December 1 as an earlier version said."),),
        held_opinions=(("Ahmed", "The N3 change is a disgrace, shift workers pay taxes too.", None),),
    ),
    DemoStory("riverside-playground-closed.txt", "city", PUBLISHED, 270),
    DemoStory("city-to-plant-4000-street-trees.txt", "city", SCHEDULED, 75),
    DemoStory("old-town-rents-rose-nine-percent.txt", "city", REVIEW, 9),
    DemoStory(
        "harbour-road-cycle-lane-permanent.txt",
        "city",
        CHANGES_REQUESTED,
        30,
        comment="Good news story, but it needs the committee's vote count and a reaction from the shopkeepers.",
    ),
    DemoStory(
        "market-hall-roof-repairs-delayed.txt",
        "city",
        UNPUBLISHED,
        130,
        comment="The contractor disputes the delay; holding this until the council confirms the dates.",
    ),
    # Business
    DemoStory("harbour-bakery-reopens.txt", "business", PUBLISHED, 3),
    DemoStory("port-container-traffic-falls.txt", "business", PUBLISHED, 28, byline=("editor",)),
    DemoStory("shoe-factory-hires-forty.txt", "business", PUBLISHED, 98),
    DemoStory(
        "cooperative-bank-branch-closures.txt",
        "business",
        PUBLISHED,
        196,
        held_opinions=(("Joost", "Close them all, nobody uses cash any more.", None),),
    ),
    DemoStory("start-up-turns-seaweed-into-packaging.txt", "business", PUBLISHED, 290),
    DemoStory("northgate-mall-for-sale.txt", "business", SCHEDULED, 50),
    DemoStory("small-firm-energy-prices-to-fall.txt", "business", REVIEW, 11),
    DemoStory("fishing-fleet-awaits-quotas.txt", "business", DRAFT, 48),
    # Culture
    DemoStory(
        "opera-house-reopens.txt",
        "culture",
        PUBLISHED,
        12,
        held_opinions=(
            ("Opera fan", "Get cheap opera tickets at www.tickets-cheap.example !!! best prices", "spam"),
            ("Lies", "My grandmother cried at the end. Thank you to everyone who made this happen.", None),
        ),
    ),
    DemoStory("forgotten-harbour-photographs.txt", "culture", PUBLISHED, 120),
    DemoStory(
        "jazz-festival-free-concerts.txt",
        "culture",
        PUBLISHED,
        300,
        corrections=(("correction", "The festival's artistic director is Samuel Okonkwo, not Samuel Okoro."),),
    ),
    DemoStory("young-writers-prize-record-entries.txt", "culture", PUBLISHED, 600),
    DemoStory("film-festival-shipyard-documentary.txt", "culture", SCHEDULED, 120),
    DemoStory("street-musicians-permit.txt", "culture", REVIEW, 8),
    DemoStory("review-ilse-maren-retrospective.txt", "culture", DRAFT, 26, byline=("editor",)),
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
        for demo in DEMO_STORIES:
            self.create_story(demo, sections[demo.section], users, now)
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

    def create_story(self, demo, section, users, now):
        document = parse((DEMO_FOLDER / demo.file).read_text(encoding="utf-8"))
        if Story.objects.filter(slug=base_slug(document.headline)).exists():
            return
        editor, moderator = users["editor"], users["moderator"]
        hours = timedelta(hours=demo.hours)
        if demo.state == SCHEDULED:
            live_at, started = now + hours, now - timedelta(hours=30)
        elif demo.state in (PUBLISHED, UNPUBLISHED):
            live_at, started = now - hours, now - hours - timedelta(hours=5)
        else:
            live_at, started = None, now - hours
        document = replace(
            document, date=timezone.localtime(started, timezone.get_default_timezone()).replace(tzinfo=None)
        )

        author = users[demo.byline[0]]
        [result] = import_documents([(demo.file, document)], user=author)
        if result.failed:
            raise CommandError(result.error_text())
        story = result.story
        story.section = section
        story.save(update_fields=["section"])
        story.authors.set([users[name] for name in demo.byline])
        # Imported opinions wait for a moderator; the demo's own are approved by the demo moderator, on purpose.
        for opinion in story.opinions.order_by("pk"):
            workflow.moderate(opinion, moderator, OpinionStatus.APPROVED)

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
        for n, (kind, text) in enumerate(demo.corrections):
            Correction.objects.create(
                story=story,
                kind=kind,
                text=text,
                created_by=editor,
                created_at=min(now, live_at + timedelta(hours=4 + n)),
            )
        for n, (name, text, decision) in enumerate(demo.held_opinions):
            opinion = Opinion.objects.create(
                story=story,
                author_name=name,
                body=text,
                created_at=min(now, (live_at or now) + timedelta(minutes=40 + 55 * n)),
            )
            if decision is not None:
                workflow.moderate(opinion, moderator, OpinionStatus(decision))
