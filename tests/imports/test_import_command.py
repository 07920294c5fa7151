"""`manage.py import_stories`: drafts by default, --publish through the workflow, updates on re-import, atomic files."""

import io
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command

from stories import workflow
from stories.models import Highlight, Opinion, OpinionStatus, Status, Story, StoryTransition
from tests.factories import StoryFactory
from tests.imports.commands import run_import

pytestmark = pytest.mark.django_db

TRAM = """\ufeffMar 3, 2026, 9:05 AM\r
Mar 3, 2026, 9:05 AM\r
\r
City council approves new tram line after two-year debate\r
\r
Highlights\r
  • The council voted 31 to 12 in favour of the eastern extension.\r
- Construction is expected to begin next spring.\r
Story\r
\r
The council approved the <eastern> tram extension & its budget.\r
\r
A second paragraph.\r
\r
Opinions\r
\r
Jane Doe: About time: the buses are full.\r
\r
You've reached the end\r
Share this story\r
"""

BAKERY = """Feb 14, 2026, 7:30 PM

Harbour bakery reopens a year after the flood

Highlights
* Neighbours raised the money for new ovens.
Story

A queue formed before dawn on Saturday.
"""

BROKEN = """Feb 14, 2026, 7:30 PM

A headline

Highlights
- One.

The Story line is missing here.
"""


def write(folder, name, text):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode())
    return path


def test_it_imports_a_folder_recursively_as_drafts(tmp_path):
    write(tmp_path, "tram.txt", TRAM)
    write(tmp_path, "harbour/bakery.TXT", BAKERY)
    write(tmp_path, "notes.md", "not a story")

    out, err, failure = run_import(tmp_path)

    assert failure is None, err
    assert "Imported 2, updated 0, failed 0" in out
    tram = Story.objects.get(title="City council approves new tram line after two-year debate")
    assert tram.status == Status.DRAFT
    assert tram.published_at is None
    assert tram.slug == "city-council-approves-new-tram-line-after-two-year-debate"
    assert tram.created_at == datetime(2026, 3, 3, 9, 5, tzinfo=UTC)
    assert tram.body == (
        "<p>The council approved the &lt;eastern&gt; tram extension &amp; its budget.</p><p>A second paragraph.</p>"
    )
    assert list(tram.highlights.values_list("text", flat=True)) == [
        "The council voted 31 to 12 in favour of the eastern extension.",
        "Construction is expected to begin next spring.",
    ]
    # Imported opinions wait for a moderator (tests/security/test_import_opinions.py).
    opinion = tram.opinions.get()
    assert (opinion.author_name, opinion.body, opinion.status) == (
        "Jane Doe",
        "About time: the buses are full.",
        OpinionStatus.PENDING,
    )
    assert Story.objects.count() == 2


def test_it_reads_the_date_in_the_configured_time_zone(tmp_path, settings):
    settings.TIME_ZONE = "America/New_York"
    run_import(write(tmp_path, "tram.txt", TRAM))
    assert Story.objects.get().created_at == datetime(2026, 3, 3, 14, 5, tzinfo=UTC)


def test_publish_goes_through_the_workflow_at_the_document_date(tmp_path):
    _out, err, failure = run_import(write(tmp_path, "tram.txt", TRAM), "--publish")

    assert failure is None, err
    story = Story.objects.get()
    assert story.status == Status.PUBLISHED
    assert story.published_at == datetime(2026, 3, 3, 9, 5, tzinfo=UTC)
    assert story in Story.objects.published()
    assert list(story.transitions.values_list("from_status", "to_status", "actor")) == [
        (Status.DRAFT, Status.REVIEW, None),
        (Status.REVIEW, Status.PUBLISHED, None),
    ]


def test_publish_can_act_as_an_editor(tmp_path, editor):
    run_import(write(tmp_path, "tram.txt", TRAM), "--publish", "--as-user", "editor")
    story = Story.objects.get()
    assert set(story.transitions.values_list("actor", flat=True)) == {editor.pk}
    assert list(story.authors.all()) == [editor]
    assert story.created_by == editor


def test_publish_refuses_to_act_as_a_writer(tmp_path, writer):
    with pytest.raises(CommandError, match="may not publish"):
        call_command("import_stories", str(write(tmp_path, "tram.txt", TRAM)), "--publish", "--as-user", "writer")
    assert not Story.objects.exists()


def test_an_unknown_user_is_refused(tmp_path):
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("import_stories", str(write(tmp_path, "tram.txt", TRAM)), "--as-user", "nobody")


def test_a_writer_imports_drafts_under_their_byline(tmp_path, writer):
    run_import(write(tmp_path, "tram.txt", TRAM), "--as-user", "writer")
    story = Story.objects.get()
    assert story.created_by == writer
    assert story.status == Status.DRAFT


def test_a_malformed_document_fails_alone_with_its_file_and_line(tmp_path):
    write(tmp_path, "a-tram.txt", TRAM)
    broken = write(tmp_path, "b-broken.txt", BROKEN)
    write(tmp_path, "c-bakery.txt", BAKERY)

    out, err, failure = run_import(tmp_path)

    assert isinstance(failure, CommandError)
    assert err.count("\n") == 1
    assert f"{broken}:8: the 'Story' line is missing" in err
    assert "Imported 2, updated 0, failed 1" in out
    assert sorted(Story.objects.values_list("title", flat=True)) == [
        "City council approves new tram line after two-year debate",
        "Harbour bakery reopens a year after the flood",
    ]


@pytest.mark.parametrize(
    ("highlights", "error"),
    [
        ("", "5: a published story needs 1 to 5 highlights"),
        # Six are too many for any story, published or not: the error points at the sixth.
        ("".join(f"- Point {n}.\n" for n in range(6)), "11: a story has at most 5 highlights"),
    ],
)
def test_publish_refuses_a_document_breaking_the_highlights_rule(tmp_path, highlights, error):
    path = write(tmp_path, "bad.txt", f"Mar 3, 2026, 9:05 AM\n\nHeadline\n\nHighlights\n{highlights}Story\n\nBody.\n")
    _out, err, failure = run_import(path, "--publish")
    assert failure is not None
    assert f"{path}:{error}" in err
    assert not Story.objects.exists()
    assert not Highlight.objects.exists()


def test_a_document_failing_half_way_leaves_nothing_behind(tmp_path, monkeypatch):
    def refuse(stories_with_times, user):
        raise workflow.TransitionError("The desk is closed.")

    monkeypatch.setattr(workflow, "publish_imported", refuse)
    path = write(tmp_path, "tram.txt", TRAM)

    _out, err, failure = run_import(path, "--publish")

    assert failure is not None
    assert f"{path}: The desk is closed." in err
    assert not Story.objects.exists()
    assert not Highlight.objects.exists()
    assert not Opinion.objects.exists()
    assert not StoryTransition.objects.exists()


def test_dry_run_checks_and_writes_nothing(tmp_path):
    write(tmp_path, "tram.txt", TRAM)
    broken = write(tmp_path, "broken.txt", BROKEN)
    out, err, failure = run_import(tmp_path, "--dry-run", "--publish")
    assert failure is not None
    assert f"{broken}:8:" in err
    assert "would import 1, update 0; failed 1" in out
    assert not Story.objects.exists()


def test_reimporting_the_same_document_updates_its_story(tmp_path):
    path = write(tmp_path, "tram.txt", TRAM)
    # Approved on import (the system may), so that the opinions' deduplication shows in their statuses.
    run_import(path, "--publish", "--approve-opinions")
    story = Story.objects.get()
    Opinion.objects.create(story=story, author_name="Reader", body="Pending thoughts.")
    changed = (
        TRAM.replace("- Construction is expected to begin next spring.\r\n", "")
        .replace("A second paragraph.", "A corrected second paragraph.")
        .replace("Jane Doe: About time: the buses are full.", "Jane Doe: About time:  the buses\r\nare full.")
        .replace("Opinions\r\n\r\n", "Opinions\r\n\r\nOmar Haddad: Too expensive.\r\n\r\n")
    )
    path.write_bytes(changed.encode())

    out, err, failure = run_import(path, "--publish", "--approve-opinions")

    assert failure is None, err
    assert "Imported 0, updated 1, failed 0" in out
    story = Story.objects.get()
    assert story.status == Status.PUBLISHED
    # Created, published (every transition moves the edit version on), updated.
    assert story.version == 3
    assert "A corrected second paragraph." in story.body
    assert list(story.highlights.values_list("text", flat=True)) == [
        "The council voted 31 to 12 in favour of the eastern extension."
    ]
    assert sorted(story.opinions.values_list("author_name", "status")) == [
        ("Jane Doe", OpinionStatus.APPROVED),
        ("Omar Haddad", OpinionStatus.APPROVED),
        ("Reader", OpinionStatus.PENDING),
    ]
    # The two moves of the first import, then the audit entry of the change to the published story.
    assert list(story.transitions.values_list("from_status", "to_status")) == [
        (Status.DRAFT, Status.REVIEW),
        (Status.REVIEW, Status.PUBLISHED),
        (Status.PUBLISHED, Status.PUBLISHED),
    ]


def test_reimporting_a_draft_with_publish_publishes_it(tmp_path):
    path = write(tmp_path, "tram.txt", TRAM)
    run_import(path)
    run_import(path, "--publish")
    assert Story.objects.get().status == Status.PUBLISHED


def test_a_different_story_keeps_its_slug_and_the_import_takes_the_next(tmp_path):
    StoryFactory(title="Another story", slug="harbour-bakery-reopens-a-year-after-the-flood")
    StoryFactory(title="Yet another", slug="harbour-bakery-reopens-a-year-after-the-flood-2")
    path = write(tmp_path, "bakery.txt", BAKERY)
    run_import(path)
    run_import(path)
    imported = Story.objects.get(title="Harbour bakery reopens a year after the flood")
    assert imported.slug == "harbour-bakery-reopens-a-year-after-the-flood-3"


def test_the_same_headline_on_another_day_is_another_story(tmp_path):
    run_import(write(tmp_path, "one.txt", BAKERY))
    run_import(write(tmp_path, "two.txt", BAKERY.replace("Feb 14", "Feb 15")))
    assert sorted(Story.objects.values_list("slug", flat=True)) == [
        "harbour-bakery-reopens-a-year-after-the-flood",
        "harbour-bakery-reopens-a-year-after-the-flood-2",
    ]


def test_a_missing_path_is_reported_and_the_rest_imported(tmp_path):
    out, err, failure = run_import(tmp_path / "nowhere.txt", write(tmp_path, "bakery.txt", BAKERY))
    assert failure is not None
    assert f"{tmp_path / 'nowhere.txt'}: no such file or folder" in err
    assert "Imported 1, updated 0, failed 1" in out


def test_a_terminal_sees_a_progress_counter(tmp_path):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    write(tmp_path, "a.txt", TRAM)
    write(tmp_path, "b.txt", BAKERY)
    err = Terminal()
    call_command("import_stories", str(tmp_path), stdout=io.StringIO(), stderr=err)
    assert "\rImporting 2/2" in err.getvalue()


def many(folder, count):
    for n in range(count):
        write(folder, f"story-{n:03d}.txt", BAKERY.replace("Harbour bakery", f"Bakery number {n}"))


def test_a_folder_of_drafts_costs_a_handful_of_queries_not_a_handful_per_document(
    tmp_path, django_assert_max_num_queries
):
    many(tmp_path, 40)
    # Savepoint, slug lookup, stories, highlights, opinions, release: for the whole group.
    with django_assert_max_num_queries(6):
        _out, err, failure = run_import(tmp_path)
    assert failure is None, err
    assert Story.objects.count() == 40
    assert Highlight.objects.count() == 40


def test_reimporting_a_folder_costs_a_handful_of_queries_too(tmp_path, django_assert_max_num_queries):
    many(tmp_path, 40)
    run_import(tmp_path)
    # Nine for the update, and two before and two after it for the stories' places (what to purge).
    with django_assert_max_num_queries(13):
        out, _err, _failure = run_import(tmp_path)
    assert "Imported 0, updated 40, failed 0" in out
    assert Story.objects.count() == 40


def test_one_document_failing_in_a_group_does_not_stop_the_others(tmp_path, monkeypatch):
    real_publish_imported = workflow.publish_imported

    def publish_imported(stories_with_times, user):
        if any(story.title.startswith("Bakery number 7 ") for story, _at in stories_with_times):
            raise workflow.TransitionError("The desk refuses this one.")
        return real_publish_imported(stories_with_times, user)

    monkeypatch.setattr(workflow, "publish_imported", publish_imported)
    many(tmp_path, 12)

    out, err, failure = run_import(tmp_path, "--publish")

    assert failure is not None
    assert err.strip().endswith("story-007.txt: The desk refuses this one.")
    assert "Imported 11, updated 0, failed 1" in out
    assert not Story.objects.filter(title__startswith="Bakery number 7 ").exists()
    assert Story.objects.published().count() == 11
    assert StoryTransition.objects.count() == 22


def test_the_same_document_twice_in_one_folder_makes_one_story(tmp_path):
    write(tmp_path, "a.txt", BAKERY)
    write(tmp_path, "copy/a.txt", BAKERY.replace("A queue formed", "A long queue formed"))
    out, _err, _failure = run_import(tmp_path)
    assert "Imported 1, updated 1, failed 0" in out
    assert "A long queue formed" in Story.objects.get().body


def test_headlines_with_the_same_slug_in_one_folder_get_their_own(tmp_path):
    write(tmp_path, "a.txt", BAKERY)
    write(tmp_path, "b.txt", BAKERY.replace("reopens a year after the flood", "reopens, a year after the flood!"))
    run_import(tmp_path)
    assert sorted(Story.objects.values_list("slug", flat=True)) == [
        "harbour-bakery-reopens-a-year-after-the-flood",
        "harbour-bakery-reopens-a-year-after-the-flood-2",
    ]


def test_a_writer_cannot_overwrite_someone_elses_story(tmp_path, writer, other_writer):
    path = write(tmp_path, "bakery.txt", BAKERY)
    run_import(path, "--as-user", "other_writer")
    path.write_text(BAKERY.replace("A queue formed", "Nobody came"), encoding="utf-8")

    _out, err, failure = run_import(path, "--as-user", "writer")

    assert failure is not None
    assert f"{path}:3: you may not edit the story it updates" in err
    assert "A queue formed" in Story.objects.get().body
