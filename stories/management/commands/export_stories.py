"""Export stories as plain-text documents, one <slug>.txt per story."""

from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Prefetch, Q
from django.utils import timezone

from stories.importing import OpinionText, StoryDocument, render
from stories.models import Highlight, Opinion, Section, Status, Story
from stories.richtext import html_to_paragraphs

STATUSES = ["draft", "review", "published", "scheduled"]


def parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date like 2026-03-31.") from None


def document_date(story: Story) -> datetime:
    """A published (or scheduled) story carries its publication time, any other its creation time."""
    moment = story.published_at if story.status == Status.PUBLISHED and story.published_at else story.created_at
    return timezone.localtime(moment, timezone.get_default_timezone()).replace(tzinfo=None, second=0, microsecond=0)


def story_document(story: Story) -> StoryDocument:
    """The story as a document: expects highlights prefetched and `approved_opinions` set."""
    return StoryDocument(
        date=document_date(story),
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
            choices=STATUSES,
            help="Only stories in this state; repeat for several. 'published' includes scheduled ones.",
        )
        parser.add_argument("--section", action="append", metavar="SLUG", help="Only this section; repeatable.")
        parser.add_argument("--since", metavar="YYYY-MM-DD", help="Only stories dated on or after this day.")
        parser.add_argument("--until", metavar="YYYY-MM-DD", help="Only stories dated on or before this day.")

    def handle(self, *args, output, status, section, since, until, **options):
        stories = self.selected(status, section, since, until)
        folder = Path(output)
        folder.mkdir(parents=True, exist_ok=True)
        count = 0
        for story in stories.iterator(chunk_size=500):
            (folder / f"{story.slug}.txt").write_text(render(story_document(story)), encoding="utf-8", newline="\n")
            count += 1
        self.stdout.write(self.style.SUCCESS(f"Exported {count} stor{'y' if count == 1 else 'ies'} to {folder}"))

    def selected(self, statuses, sections, since, until):
        stories = Story.objects.prefetch_related(
            Prefetch("highlights", queryset=Highlight.objects.order_by("position", "pk")),
            Prefetch(
                "opinions",
                queryset=Opinion.objects.approved().order_by("created_at", "pk"),
                to_attr="approved_opinions",
            ),
        ).order_by("pk")
        if statuses:
            wanted = Q(pk__in=[])
            for name in statuses:
                if name == "scheduled":
                    wanted |= Q(status=Status.PUBLISHED, published_at__gt=timezone.now())
                else:
                    wanted |= Q(status=name)
            stories = stories.filter(wanted)
        if sections:
            known = set(Section.objects.filter(slug__in=sections).values_list("slug", flat=True))
            unknown = sorted(set(sections) - known)
            if unknown:
                raise CommandError(f"No section with the slug {', '.join(unknown)}.")
            stories = stories.filter(section__slug__in=sections)
        # The day filters apply to the date the document carries (see document_date).
        is_published = Q(status=Status.PUBLISHED, published_at__isnull=False)
        zone = timezone.get_default_timezone()
        if since:
            start = datetime.combine(parse_day(since), time.min, tzinfo=zone)
            stories = stories.filter(
                (is_published & Q(published_at__gte=start)) | (~is_published & Q(created_at__gte=start))
            )
        if until:
            end = datetime.combine(parse_day(until) + timedelta(days=1), time.min, tzinfo=zone)
            stories = stories.filter((is_published & Q(published_at__lt=end)) | (~is_published & Q(created_at__lt=end)))
        return stories
