"""Seed a benchmark database with N stories, fast.

Rows are generated in Python with a fixed random seed and written with
PostgreSQL's COPY (bulk_create in batches on other databases). Primary keys
are assigned here, so highlights, bylines, tags and opinions reference their
stories without reading anything back.

Run through bench/run.py; Django must be set up against the bench database.
"""

import json
import random
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from stories.models import (
    Assignment,
    AssignmentEvent,
    AssignmentState,
    Highlight,
    Opinion,
    OpinionStatus,
    Profile,
    Section,
    Status,
    Story,
    Tag,
)

ADMIN_USERNAME = "bench-admin"
ADMIN_PASSWORD = "bench-admin-password-not-secret"  # noqa: S105 (a local benchmark account)
SEARCH_WORD = "tramway"  # in about one title in fifty: what the search target looks for

SECTIONS = [
    "World",
    "Politics",
    "Business",
    "City",
    "Science",
    "Technology",
    "Health",
    "Climate",
    "Culture",
    "Sport",
    "Opinion",
    "Travel",
]
TOPICS = [
    "council",
    "budget",
    "election",
    "harbour",
    "railway",
    "hospital",
    "school",
    "festival",
    "museum",
    "stadium",
    "bridge",
    "market",
    "library",
    "airport",
    "river",
    "housing",
]
VERBS = ["approves", "delays", "debates", "rejects", "funds", "reviews", "opens", "questions", "expands", "closes"]
PLACES = ["Northbridge", "Eastfield", "Port Alder", "Riverton", "Kingsmoor", "Lowdale", "Westhaven", "Old Quay"]
SENTENCES = [
    "The proposal was discussed for more than three hours before the vote.",
    "Residents who attended the meeting were divided on the question.",
    "Officials said the first phase could begin as early as next spring.",
    "Critics argue that the estimates ignore rising material costs.",
    "The mayor called the decision a turning point for the district.",
    "A spokesperson declined to comment on the timetable.",
    "Independent experts have asked to see the full financial model.",
    "Local businesses expect more visitors once the work is finished.",
    "The opposition has promised to raise the matter again in the autumn.",
    "Similar projects in neighbouring towns ran over budget by a fifth.",
    "Campaigners collected more than four thousand signatures last month.",
    "The report runs to two hundred pages and includes six alternatives.",
    "Transport planners said traffic would ease within two years.",
    "Several speakers urged the council to publish the contracts.",
    "The vote followed a public consultation that drew record interest.",
    "Engineers will survey the site over the coming weeks.",
]
OPINION_LINES = [
    "A sensible decision that was long overdue.",
    "I worry about the cost, but the plan is sound.",
    "Nobody asked the people who actually live there.",
    "Good reporting, thank you for the detail.",
    "This will change the neighbourhood for the better.",
]
FIRST_NAMES = ["Ana", "Ben", "Chloe", "David", "Elif", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kemal", "Lea"]
LAST_NAMES = ["Meyer", "Okafor", "Silva", "Novak", "Lindqvist", "Rossi", "Haddad", "Kowalski", "Dubois", "Tanaka"]

AUTHORS = 200
# The planning budget: open assignments spread over the coming week, among the authors.
ASSIGNMENTS = 2000
TAGS = 500
HIGHLIGHTS_PER_STORY = 3
BATCH = 10_000


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, label: str, total: int):
        self.label, self.total, self.done, self.started = label, total, 0, time.monotonic()
        self._last = 0.0

    def advance(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if now - self._last > 0.2 or self.done >= self.total:
            self._last = now
            share = self.done / self.total if self.total else 1
            bar = "#" * int(share * 30)
            rate = self.done / max(now - self.started, 1e-6)
            sys.stderr.write(f"\r  {self.label:<11} [{bar:<30}] {self.done:>10,}/{self.total:,} {rate:>9,.0f} rows/s")
            sys.stderr.flush()

    def finish(self) -> None:
        sys.stderr.write("\n")


def _text(value) -> str:
    """A value in COPY's text format."""
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | dict):
        value = json.dumps(value)
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _insert(model, columns: list[str], rows, total: int, label: str) -> None:
    """Write `rows` (tuples of values for `columns`, attnames, primary key included) as fast as the database allows.

    Every other column gets its field default, computed once.
    """
    progress = Progress(label, total)
    # A generated column is computed by the database, never written.
    fields = [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)]
    rest = [f for f in fields if f.attname not in columns]
    defaults = [f.get_default() for f in rest]
    if connection.vendor == "postgresql":
        by_attname = {f.attname: f for f in fields}
        names = [by_attname[c].column for c in columns] + [f.column for f in rest]
        quoted = ", ".join(connection.ops.quote_name(n) for n in names)
        sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({quoted}) FROM STDIN"
        tail = "".join("\t" + _text(d) for d in defaults) + "\n"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            lines = []
            for row in rows:
                lines.append("\t".join(map(_text, row)) + tail)
                if len(lines) == BATCH:
                    copy.write("".join(lines))
                    progress.advance(len(lines))
                    lines = []
            copy.write("".join(lines))
            progress.advance(len(lines))
    else:
        extra = dict(zip([f.attname for f in rest], defaults, strict=True))
        batch = []
        for row in rows:
            batch.append(model(**dict(zip(columns, row, strict=True)), **extra))
            if len(batch) == BATCH:
                model.objects.bulk_create(batch)
                progress.advance(len(batch))
                batch = []
        model.objects.bulk_create(batch)
        progress.advance(len(batch))
    progress.finish()


def _story_state(rng: random.Random, index: int, total: int, now):
    """Status and publication time: most stories published over ten years, the newest ids newest."""
    roll = rng.random()
    age = timedelta(minutes=(total - index) * (10 * 365 * 24 * 60) / total)
    if roll < 0.02:
        return Status.DRAFT, None
    if roll < 0.03:
        return Status.REVIEW, None
    if roll < 0.035:
        return Status.PUBLISHED, now + timedelta(hours=rng.randint(1, 24 * 30))  # scheduled
    return Status.PUBLISHED, now - age


def _reset(user_model) -> None:
    tables = [
        m._meta.db_table
        for m in (
            AssignmentEvent,
            Assignment,
            Opinion,
            Highlight,
            Story.tags.through,
            Story.authors.through,
            Story,
            Tag,
            Section,
        )
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE " + ", ".join(connection.ops.quote_name(t) for t in tables) + " CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
    user_model.objects.filter(username__startswith="bench-").delete()


def _drop_secondary_indexes(tables: list[str], keep: tuple[str, ...] = ()) -> list[str]:
    """Drop the indexes that back no constraint (but those named in `keep`); return their
    definitions to build them again after loading.

    Building an index once over loaded rows is several times faster than maintaining
    it row by row, above all the full-text GIN indexes.
    """
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            """,
            [tables],
        )
        indexes = [(name, definition) for name, definition in cursor.fetchall() if name not in keep]
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return [definition for _, definition in indexes]


def _index_on(model, column: str) -> str | None:
    """The name of the single-column index on `column` of `model`'s table (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.relname FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0]
            WHERE t.relname = %s AND a.attname = %s AND x.indnatts = 1
            """,
            [model._meta.db_table, column],
        )
        row = cursor.fetchone()
    return row[0] if row else None


@contextmanager
def _no_triggers():
    """No trigger fires meanwhile, foreign-key checks included: rows written by the seed are consistent
    by construction (PostgreSQL; needs a superuser, as the seed does for COPY anyway)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = origin")


def _build_indexes(definitions: list[str]) -> None:
    progress = Progress("indexes", len(definitions))
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for definition in definitions:
            cursor.execute(definition)
            progress.advance(1)
    progress.finish()


def seed(stories: int, seed_value: int = 7) -> dict:
    """Replace the benchmark content with `stories` stories; return the figures of the run."""
    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(seed_value)
    now = timezone.now()
    User = get_user_model()
    _reset(User)

    big_tables = [m._meta.db_table for m in (Story, Highlight, Opinion, Story.tags.through, Story.authors.through)]
    with transaction.atomic():
        # The story trigger that fills search_vector reads each story's highlights by story_id.
        highlight_index = _index_on(Highlight, "story_id")
        indexes = _drop_secondary_indexes(big_tables, keep=(highlight_index,))
        User.objects.create(
            username=ADMIN_USERNAME,
            password=make_password(ADMIN_PASSWORD),
            is_staff=True,
            is_superuser=True,
            email="bench-admin@newsroom.test",
        )
        unusable = make_password(None)
        authors = User.objects.bulk_create(
            User(
                username=f"bench-author-{i}",
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                email=f"bench-author-{i}@newsroom.test",
                password=unusable,
                is_staff=True,
            )
            for i in range(AUTHORS)
        )
        author_ids = [a.pk for a in authors]
        # Writers, as on a real desk: the budget's person filter and the assign form list them.
        Group.objects.get(name="Writers").user_set.add(*authors)
        # Bylines link to public slugs, never login names: each author gets one, as the user admin would give.
        Profile.objects.bulk_create(Profile(user=a, slug=f"author-{i}") for i, a in enumerate(authors))
        sections = Section.objects.bulk_create(
            Section(name=name, slug=name.lower(), position=i) for i, name in enumerate(SECTIONS)
        )
        section_ids = [s.pk for s in sections]
        tags = Tag.objects.bulk_create(Tag(name=f"topic {i}", slug=f"topic-{i}") for i in range(TAGS))
        tag_ids = [t.pk for t in tags]

        # Paragraph pool: bodies are picked from it, so generating a million stays cheap.
        paragraphs = ["<p>" + " ".join(rng.sample(SENTENCES, 5)) + "</p>" for _ in range(64)]

        story_columns = [
            "id",
            "title",
            "slug",
            "standfirst",
            "body",
            "status",
            "published_at",
            "created_at",
            "updated_at",
            "created_by_id",
            "section_id",
            "dateline",
        ]

        def story_rows():
            for i in range(1, stories + 1):
                topic, verb, place = rng.choice(TOPICS), rng.choice(VERBS), rng.choice(PLACES)
                noun = SEARCH_WORD if i % 50 == 0 else topic
                status, published_at = _story_state(rng, i, stories, now)
                created = (published_at or now) - timedelta(hours=2)
                yield (
                    i,
                    f"{place} {verb} {noun} plan, report {i}",
                    f"{place.lower().replace(' ', '-')}-{verb}-{noun}-plan-{i}",
                    f"The {noun} plan in {place} takes another turn.",
                    "".join(rng.sample(paragraphs, 6)),
                    str(status),
                    published_at,
                    created,
                    created,
                    rng.choice(author_ids),
                    rng.choice(section_ids),
                    place,
                )

        # Highlights first, so each story's search vector (migration 0005's row trigger) is complete as it
        # is written; their statement trigger would only refresh stories not loaded yet.
        with _no_triggers():

            def highlight_rows():
                pk = 0
                for story_id in range(1, stories + 1):
                    for position in range(HIGHLIGHTS_PER_STORY):
                        pk += 1
                        yield pk, story_id, SENTENCES[(story_id + position) % 16], position

            _insert(
                Highlight,
                ["id", "story_id", "text", "position"],
                highlight_rows(),
                stories * HIGHLIGHTS_PER_STORY,
                "highlights",
            )

        _insert(Story, story_columns, story_rows(), stories, "stories")

        Byline = Story.authors.through
        _insert(
            Byline,
            ["id", "story_id", "user_id"],
            ((i, i, author_ids[i % AUTHORS]) for i in range(1, stories + 1)),
            stories,
            "bylines",
        )

        Tagging = Story.tags.through

        def tag_rows():
            for story_id in range(1, stories + 1):
                first = rng.randrange(TAGS)
                yield 2 * story_id - 1, story_id, tag_ids[first]
                yield 2 * story_id, story_id, tag_ids[(first + 1 + story_id % 7) % TAGS]

        _insert(Tagging, ["id", "story_id", "tag_id"], tag_rows(), 2 * stories, "tags")

        statuses = [OpinionStatus.APPROVED] * 14 + [OpinionStatus.PENDING] * 4 + [OpinionStatus.SPAM, "rejected"]
        statuses = [str(s) for s in statuses]

        def opinion_rows():
            pk = 0
            for story_id in range(1, stories + 1):
                for _ in range(story_id % 4):  # 0–3 opinions, 1.5 on average
                    pk += 1
                    yield (
                        pk,
                        story_id,
                        f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                        rng.choice(OPINION_LINES),
                        rng.choice(statuses),
                        now - timedelta(minutes=rng.randint(1, 60 * 24 * 365)),
                    )

        opinions = sum(i % 4 for i in range(1, stories + 1))
        _insert(
            Opinion,
            ["id", "story_id", "author_name", "body", "status", "created_at"],
            opinion_rows(),
            opinions,
            "opinions",
        )

        states = [str(AssignmentState.ASSIGNED)] * 6 + [str(AssignmentState.PITCHED)] * 2 + [str(AssignmentState.FILED)]

        def assignment_rows():
            for pk in range(1, ASSIGNMENTS + 1):
                state = rng.choice(states)
                # A filed assignment has its story (a distinct one each: the link is one-to-one).
                story = pk if state == AssignmentState.FILED and pk <= stories else None
                yield (
                    pk,
                    f"{rng.choice(PLACES)} {rng.choice(TOPICS)} budget line {pk}",
                    rng.choice(section_ids),
                    author_ids[pk % AUTHORS],
                    now + timedelta(minutes=rng.randint(-60 * 6, 60 * 24 * 7)),
                    rng.choice([400, 600, 800, 1200]),
                    state,
                    story,
                    author_ids[(pk * 7) % AUTHORS],
                    now,
                    now,
                )

        _insert(
            Assignment,
            [
                "id",
                "title",
                "desk_id",
                "assignee_id",
                "due_at",
                "planned_words",
                "state",
                "story_id",
                "created_by_id",
                "created_at",
                "updated_at",
            ],
            assignment_rows(),
            ASSIGNMENTS,
            "assignments",
        )

        with connection.cursor() as cursor:
            seeded = [Story, Highlight, Byline, Tagging, Opinion, Section, Tag, Assignment]
            for sql in connection.ops.sequence_reset_sql(no_style(), seeded):
                cursor.execute(sql)
            if connection.vendor == "postgresql":
                # Run the deferred foreign-key checks now: PostgreSQL builds no index on a table with pending ones.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        _build_indexes(indexes)

    insert_seconds = time.monotonic() - started
    _analyze()
    return {"stories": stories, "opinions": opinions, "assignments": ASSIGNMENTS, "seconds": insert_seconds}


def _analyze() -> None:
    """Fresh statistics and visibility map, as a database that has been running a while would have."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def seeded_count() -> int:
    """How many stories the bench database holds (0 when it is not migrated yet)."""
    try:
        return Story.objects.count()
    except Exception:
        return 0
