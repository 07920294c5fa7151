"""Export stories as plain-text documents, one <slug>.txt per story.

An export leaves the building (newsrooms exchange these files), and the format has no place for a status or an
embargo: a killed story (taken down, often on legal advice) and a story under embargo are written only when
asked for by name (`--status killed`, `--status embargoed`), and the command names each one it writes with its
state, so that whoever sends the folder on knows what is in it. Left out, they are counted.
"""

import operator
from collections import Counter
from datetime import date, datetime, time, timedelta
from functools import reduce
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Case, F, Prefetch, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from stories.dates import format_local
from stories.importing import OpinionText, StoryDocument, render
from stories.models import Highlight, Opinion, Section, Status, Story, is_embargoed
from stories.richtext import html_to_paragraphs

# What each --status selects; "published" includes the scheduled and expired ones.
STATUSES = {
    "draft": lambda stories: stories.drafts(),
    "review": lambda stories: stories.in_review(),
    "published": lambda stories: stories.filter(status=Status.PUBLISHED),
    "scheduled": lambda stories: stories.scheduled(),
    "expired": lambda stories: stories.expired(),
    "embargoed": lambda stories: stories.embargoed(),
    "killed": lambda stories: stories.killed(),
}
# Written only when their --status is named (see the module's docstring).
HELD = {"killed": "killed", "embargoed": "under embargo"}


def held_as(story: Story, now) -> str | None:
    """Which of HELD the story is ("killed" first: a killed story's embargo no longer matters), or None."""
    if story.status == Status.KILLED:
        return "killed"
    if is_embargoed(story.embargo_until, now):
        return "embargoed"
    return None


# The date a document carries: a published (scheduled, killed) story's publication time, any other's creation time.
DOCUMENT_DATE = Coalesce(
    Case(When(status__in=[Status.PUBLISHED, Status.KILLED], then=F("published_at"))), F("created_at")
)


def parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date like 2026-03-31.") from None


def story_document(story: Story) -> StoryDocument:
    """The story as a document: expects `document_date` annotated (DOCUMENT_DATE), highlights
    prefetched and `approved_opinions` set."""
    return StoryDocument(
        date=timezone.localtime(story.document_date, timezone.get_default_timezone()).replace(
            tzinfo=None, second=0, microsecond=0
        ),
        headline=story.title,
        highlights=tuple(h.text for h in story.highlights.all()),
        paragraphs=tuple(html_to_paragraphs(story.body)),
        opinions=tuple(OpinionText(o.author_name, o.body) for o in story.approved_opinions),
    )


class Command(BaseCommand):
    help = "Write stories as plain-text documents (the import format), one <slug>.txt per story."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", required=True, metavar="DIR", help="Folder to write into (created).")
        parser.add_argument(
            "--status",
            action="append",
            choices=list(STATUSES),
            help="Only stories in this state; repeat for several. 'published' includes scheduled ones. Killed "
            "stories and stories under embargo are written only when named here.",
        )
        parser.add_argument("--section", action="append", metavar="SLUG", help="Only this section; repeatable.")
        parser.add_argument("--since", metavar="YYYY-MM-DD", help="Only stories dated on or after this day.")
        parser.add_argument("--until", metavar="YYYY-MM-DD", help="Only stories dated on or before this day.")

    def handle(self, *args, output, status, section, since, until, **options):
        stories = self.selected(status, section, since, until)
        asked = set(status or ())
        folder = Path(output)
        folder.mkdir(parents=True, exist_ok=True)
        count, left_out, now = 0, Counter(), timezone.now()
        for story in stories.iterator(chunk_size=500):
            # Told apart here rather than in the query: one read of the stories, whatever is left out.
            held = held_as(story, now)
            if held is not None and held not in asked:
                left_out[held] += 1
                continue
            (folder / f"{story.slug}.txt").write_text(render(story_document(story)), encoding="utf-8", newline="\n")
            count += 1
            if held == "killed":
                self.stdout.write(self.style.WARNING(f"{story.slug}.txt: killed (taken down): not for publication"))
            elif held == "embargoed":
                until = format_local(story.embargo_until)
                self.stdout.write(self.style.WARNING(f"{story.slug}.txt: under embargo until {until}"))
        self.stdout.write(self.style.SUCCESS(f"Exported {count} stor{'y' if count == 1 else 'ies'} to {folder}"))
        for name, number in left_out.items():
            self.stdout.write(
                f"Left out {number} {HELD[name]} stor{'y' if number == 1 else 'ies'} (--status {name} to include)."
            )

    def selected(self, statuses, sections, since, until):
        stories = Story.objects.all()
        if statuses:
            stories = reduce(operator.or_, (STATUSES[name](stories) for name in statuses))
        stories = (
            stories.annotate(document_date=DOCUMENT_DATE)
            .prefetch_related(
                Prefetch("highlights", queryset=Highlight.objects.order_by("position", "pk")),
                Prefetch(
                    "opinions",
                    queryset=Opinion.objects.approved().order_by("created_at", "pk"),
                    to_attr="approved_opinions",
                ),
            )
            .order_by("pk")
        )
        if sections:
            known = set(Section.objects.filter(slug__in=sections).values_list("slug", flat=True))
            unknown = sorted(set(sections) - known)
            if unknown:
                raise CommandError(f"No section with the slug {', '.join(unknown)}.")
            stories = stories.filter(section__slug__in=sections)
        # The day filters apply to the date the document carries.
        zone = timezone.get_default_timezone()
        if since:
            stories = stories.filter(document_date__gte=datetime.combine(parse_day(since), time.min, tzinfo=zone))
        if until:
            end = parse_day(until) + timedelta(days=1)
            stories = stories.filter(document_date__lt=datetime.combine(end, time.min, tzinfo=zone))
        return stories
