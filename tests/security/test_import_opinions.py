"""Imported opinions wait for a moderator, unless the person importing may moderate and asks for them approved.

An import used to publish every opinion of a document as approved, under whatever name the document gave,
with no moderator. Each entry point (the command, as the system or as a person; the admin's Import page;
the ingest API the demo newsroom uses) is tried with and without asking for approval, by every role that
can reach it, and with names chosen to pass for the newsroom's own people.
"""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from stories import workflow
from stories.importing import parse
from stories.ingest import import_documents
from stories.models import Opinion, OpinionStatus, Status, Story
from tests.imports.commands import import_text

pytestmark = pytest.mark.django_db

# Names a hostile document would sign its opinions with to pass for the newsroom, plus ordinary ones.
NAMES = [
    "Jane Doe",
    "The Editor",
    "Newsroom staff",
    "Moderator",
    "admin",
    "Elena Editor (verified)",
    "Mayor’s office",
    "<b>Official</b>",
]


def document(*names, headline="Council approves the tram line"):
    opinions = "".join(f"{name}: I, {name}, fully endorse this story.\n\n" for name in names)
    return (
        "Mar 3, 2026, 9:05 AM\n\n"
        f"{headline}\n\n"
        "Highlights\n"
        "  • The council voted 31 to 12.\n"
        "Story\n\n"
        "The council approved the eastern extension.\n\n"
        f"Opinions\n\n{opinions}"
        "You've reached the end\n"
    )


def run_command(tmp_path, text, *flags):
    """None when the import went through, else what the command said."""
    _, err, refused = import_text(tmp_path, text, *flags)
    return f"{refused}{err}" if refused else None


def post_import(client, text, mode="publish", approve=False):
    data = {"mode": mode, "files": [SimpleUploadedFile("tram.txt", text.encode(), content_type="text/plain")]}
    if approve:
        data["approve_opinions"] = "on"
    return client.post(reverse("admin:stories_story_import"), data)


# Who imports, through which door: (entry point, person fixture or None for the system, may approve).
IMPORTERS = [
    ("command", None, True),
    ("command", "writer", False),
    ("command", "editor", False),
    ("command", "admin_user", True),
    ("admin page", "editor", False),
    ("admin page", "admin_user", True),
]


def do_import(request, client, tmp_path, entry, person, text, approve):
    """Import `text` as `person` through `entry`; return an error message, or None if it imported."""
    user = request.getfixturevalue(person) if person else None
    publish = user is None or workflow.is_editor(user)
    if entry == "command":
        flags = (["--publish"] if publish else []) + (["--as-user", user.username] if user else [])
        return run_command(tmp_path, text, *flags, *(["--approve-opinions"] if approve else []))
    client.force_login(user)
    response = post_import(client, text, mode="publish" if publish else "draft", approve=approve)
    assert response.status_code == 200
    html = response.content.decode()
    return None if "Imported 1, updated 0, failed 0." in html else html


@pytest.mark.parametrize(("entry", "person", "_may"), IMPORTERS)
def test_imported_opinions_wait_for_a_moderator(request, client, tmp_path, entry, person, _may):
    assert do_import(request, client, tmp_path, entry, person, document(*NAMES), approve=False) is None

    story = Story.objects.get()
    opinions = list(story.opinions.all())
    assert sorted(o.author_name for o in opinions) == sorted(NAMES)
    assert {o.status for o in opinions} == {OpinionStatus.PENDING}
    assert {(o.moderated_by, o.moderated_at) for o in opinions} == {(None, None)}
    if story.status == Status.PUBLISHED:
        page = client.get(story.get_absolute_url()).content.decode()
        assert "fully endorse this story" not in page


@pytest.mark.parametrize(("entry", "person", "may"), IMPORTERS)
def test_only_someone_who_may_moderate_can_import_opinions_approved(request, client, tmp_path, entry, person, may):
    before = timezone.now()
    error = do_import(request, client, tmp_path, entry, person, document(*NAMES), approve=True)
    if not may:
        assert error is not None and "may not moderate opinions" in error
        # Refused whole: not the story, not one opinion.
        assert not Story.objects.exists()
        assert not Opinion.objects.exists()
        return
    assert error is None
    importer = request.getfixturevalue(person) if person else None
    opinions = list(Story.objects.get().opinions.all())
    assert len(opinions) == len(NAMES)
    for opinion in opinions:
        assert opinion.status == OpinionStatus.APPROVED
        # The importer answers for them, as a moderator would (None: the system).
        assert opinion.moderated_by == importer
        assert opinion.moderated_at >= before


def test_opinions_added_by_a_reimport_wait_too(tmp_path):
    assert run_command(tmp_path, document("Jane Doe"), "--publish", "--approve-opinions") is None
    assert run_command(tmp_path, document("Jane Doe", "Omar Haddad"), "--publish") is None
    assert sorted(Story.objects.get().opinions.values_list("author_name", "status")) == [
        ("Jane Doe", OpinionStatus.APPROVED),
        ("Omar Haddad", OpinionStatus.PENDING),
    ]


def test_the_ingest_api_refuses_approval_for_someone_who_may_not_moderate(editor):
    items = [("tram.txt", parse(document("Jane Doe")))]
    with pytest.raises(PermissionDenied, match="may not moderate opinions"):
        import_documents(items, user=editor, approve_opinions=True)
    assert not Story.objects.exists()


@pytest.mark.parametrize("person", [None, "writer", "editor", "moderator", "admin_user"])
def test_one_rule_makes_every_imported_opinion(request, person):
    user = request.getfixturevalue(person) if person else None
    story = Story.objects.create(title="T", slug="t", body="")
    now = timezone.now()
    waiting = workflow.imported_opinion(story, author_name="A", body="B", created_at=now, user=user)
    assert (waiting.status, waiting.moderated_by, waiting.moderated_at) == (OpinionStatus.PENDING, None, None)
    if user is None or workflow.may_moderate(user):
        approved = workflow.imported_opinion(story, author_name="A", body="B", created_at=now, user=user, approve=True)
        assert (approved.status, approved.moderated_by, approved.moderated_at) == (OpinionStatus.APPROVED, user, now)
    else:
        with pytest.raises(PermissionDenied):
            workflow.imported_opinion(story, author_name="A", body="B", created_at=now, user=user, approve=True)


@pytest.mark.parametrize(("person", "offered"), [("editor", False), ("admin_user", True)])
def test_the_import_page_offers_the_approval_only_to_who_may_use_it(request, client, person, offered):
    client.force_login(request.getfixturevalue(person))
    html = client.get(reverse("admin:stories_story_import")).content.decode()
    assert ('name="approve_opinions"' in html) is offered
    assert "imported opinions wait for a moderator" in " ".join(html.split())


def test_the_demo_newsroom_still_shows_its_opinions_each_with_its_moderator():
    call_command("seed_demo", stdout=io.StringIO())
    approved = Opinion.objects.approved()
    assert approved.count() >= 10
    assert set(approved.values_list("moderated_by__username", flat=True)) == {"moderator"}
    assert not approved.filter(moderated_at__isnull=True).exists()
