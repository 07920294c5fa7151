"""`manage.py export_stories`: one <slug>.txt per story in the import format, with filters; round trips."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from stories.importing import OpinionText, StoryDocument, parse, render
from stories.models import Highlight, OpinionStatus, Story
from tests.factories import OpinionFactory, SectionFactory, StoryFactory

pytestmark = pytest.mark.django_db

MARCH_3 = datetime(2026, 3, 3, 9, 5, tzinfo=UTC)


def export(folder, *args):
    out = io.StringIO()
    call_command("export_stories", "--output", str(folder), *args, stdout=out)
    return out.getvalue()


def exported(folder):
    return {path.stem: parse(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.txt"))}


def published_story(**kwargs):
    story = StoryFactory(published=True, published_at=MARCH_3, highlights=[], **kwargs)
    Highlight.objects.create(story=story, text="The council voted 31 to 12.", position=0)
    Highlight.objects.create(story=story, text="Work starts next spring.", position=1)
    return story


def test_a_published_story_is_written_with_its_publication_date(tmp_path):
    story = published_story(
        title="Council approves tram line",
        slug="council-approves-tram-line",
        body="<p>First &amp; <em>foremost</em>.</p><h2>Money</h2><p>Second.</p>",
    )
    OpinionFactory(story=story, author_name="Jane Doe", body="About time.")
    OpinionFactory(story=story, author_name="Spammer", body="Buy now", status=OpinionStatus.SPAM)
    OpinionFactory(story=story, author_name="Waiting", body="Hmm", status=OpinionStatus.PENDING)

    out = export(tmp_path)

    assert "Exported 1 story" in out
    text = (tmp_path / "council-approves-tram-line.txt").read_text(encoding="utf-8")
    assert text == render(
        StoryDocument(
            date=datetime(2026, 3, 3, 9, 5),
            headline="Council approves tram line",
            highlights=("The council voted 31 to 12.", "Work starts next spring."),
            paragraphs=("First & foremost.", "Money", "Second."),
            opinions=(OpinionText("Jane Doe", "About time."),),
        )
    )
    assert text.startswith("Mar 3, 2026, 9:05 AM\n\nCouncil approves tram line\n\nHighlights\n  • The council")


def test_dates_are_written_in_the_configured_time_zone(tmp_path, settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    published_story(slug="tram")
    export(tmp_path)
    assert exported(tmp_path)["tram"].date == datetime(2026, 3, 3, 10, 5)


def test_a_draft_carries_its_creation_date(tmp_path):
    StoryFactory(slug="draft", created_at=datetime(2026, 2, 1, 17, 45, 30, tzinfo=UTC))
    export(tmp_path)
    assert exported(tmp_path)["draft"].date == datetime(2026, 2, 1, 17, 45)


def test_filters_by_status_section_and_day(tmp_path):
    city = SectionFactory(slug="city", name="City")
    culture = SectionFactory(slug="culture", name="Culture")
    published_story(slug="city-live", section=city)
    published_story(slug="culture-live", section=culture)
    StoryFactory(slug="city-draft", section=city, created_at=MARCH_3 + timedelta(days=10))
    StoryFactory(slug="in-review", in_review=True, created_at=MARCH_3 - timedelta(days=10))
    StoryFactory(slug="scheduled", scheduled=True)

    def run(*args):
        folder = tmp_path / "-".join(args).replace("--", "")
        export(folder, *args)
        return sorted(path.stem for path in folder.glob("*.txt"))

    assert run("--status", "draft") == ["city-draft"]
    assert run("--status", "draft", "--status", "review") == ["city-draft", "in-review"]
    assert run("--status", "published") == ["city-live", "culture-live", "scheduled"]
    assert run("--status", "scheduled") == ["scheduled"]
    assert run("--section", "city") == ["city-draft", "city-live"]
    assert run("--since", "2026-03-03", "--until", "2026-03-03") == ["city-live", "culture-live"]
    assert run("--until", "2026-03-02") == ["in-review"]
    assert run("--since", "2026-03-04", "--status", "draft") == ["city-draft"]


def test_an_unknown_section_or_bad_day_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="No section with the slug sport"):
        export(tmp_path, "--section", "sport")
    with pytest.raises(CommandError, match="not a date"):
        export(tmp_path, "--since", "last week")


def test_export_reads_in_a_fixed_number_of_queries(tmp_path, django_assert_num_queries):
    for n in range(5):
        story = published_story(slug=f"story-{n}")
        OpinionFactory(story=story)
    # Stories, their highlights, their approved opinions.
    with django_assert_num_queries(3):
        export(tmp_path)
    assert len(list(tmp_path.glob("*.txt"))) == 5


DOCUMENTS = {
    "tram": """Mar 3, 2026, 9:05 AM

City council approves new tram line after two-year debate

Highlights
  • The council voted 31 to 12 in favour of the eastern extension.
  • Construction is expected to begin next spring.
Story

The council approved the <eastern> extension & its "budget".

Critics: the steel price is rising.

Opinions

Jane Doe: About time: the buses are full.

Omar Haddad: Too expensive.

You've reached the end
""",
    "bakery": """Feb 14, 2026, 7:30 PM

Harbour bakery reopens a year after the flood

Highlights
- Neighbours raised the money for new ovens.
Story

A queue formed before dawn on Saturday, café owners included.

Opinions
""",
}


@pytest.mark.parametrize("publish", [True, False])
def test_import_export_import_keeps_every_document(tmp_path, publish):
    source = tmp_path / "source"
    source.mkdir()
    for name, text in DOCUMENTS.items():
        (source / f"{name}.txt").write_text(text, encoding="utf-8")
    originals = {parse(text) for text in DOCUMENTS.values()}
    # Export writes approved opinions only; their approval on import is asked for (the system may).
    flags = ["--approve-opinions", *(["--publish"] if publish else [])]

    call_command("import_stories", str(source), *flags, stdout=io.StringIO())
    export(tmp_path / "first")
    assert set(exported(tmp_path / "first").values()) == originals

    # Into the same database: the stories are recognised and updated, not duplicated.
    out = io.StringIO()
    call_command("import_stories", str(tmp_path / "first"), *flags, stdout=out)
    assert "Imported 0, updated 2, failed 0" in out.getvalue()
    assert Story.objects.count() == 2

    # Into an empty newsroom: the same documents come back out.
    Story.objects.all().delete()
    call_command("import_stories", str(tmp_path / "first"), *flags, stdout=io.StringIO())
    export(tmp_path / "second")
    assert exported(tmp_path / "second") == exported(tmp_path / "first")
