"""The validators' newsroom: the demo content of `manage.py seed_demo`, with a tag and a lead image added (the
demo has neither), and every page a validator reads."""

import io
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from stories import images, renditions, revisions, workflow
from stories.models import Assignment, Section, Story, Tag

NODE_MODULES = Path(__file__).resolve().parents[1] / "browser" / "node_modules"


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.validators)


def _photo() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (1600, 1000), (40, 90, 140)).save(out, "JPEG")
    return SimpleUploadedFile("harbour.jpg", out.getvalue(), content_type="image/jpeg")


def seed_demo_newsroom(media_root) -> dict:
    """Load the demo, tag two stories and give the newest a lead image; the addresses of each kind of page."""
    call_command("seed_demo", stdout=StringIO())
    stories = list(Story.objects.live().newest_first())
    # A story taken down: its address answers 410 with the editor's notice.
    killed = stories.pop()
    workflow.kill(killed, get_user_model().objects.get(username="editor"), "Withdrawn: the figures were wrong.")
    tag, _ = Tag.objects.get_or_create(slug="transport", defaults={"name": "Transport"})
    for story in stories[:2]:
        story.tags.add(tag)
    newest = stories[0]
    newest.lead_image = _photo()
    newest.lead_image_alt = "Cranes over the harbour at dusk"
    newest.lead_image_caption = "The harbour. Photo: Newsroom"
    newest.save(update_fields=["lead_image", "lead_image_alt", "lead_image_caption"])
    # As the desk's save does once it commits: the renditions its pages list.
    renditions.make(newest.lead_image.name, newest.lead_image.storage, images.focus_of(newest))
    # A draft an editor sent back (its request for changes shows on the story's page), and a scheduled story (its
    # Publish now, Reschedule… and Cancel schedule… dialogs).
    editor = get_user_model().objects.get(username="editor")
    sent_back = Story.objects.filter(status="draft", highlights__isnull=False).distinct().first()
    workflow.submit_for_review(sent_back, editor)
    workflow.request_changes(sent_back, editor, "Name the councillors who voted against.\nAnd add the cost.")
    scheduled = Story.objects.scheduled().first()
    # Two versions of a story, a word changed and a paragraph added between them: the revision compare.
    compared = stories[1]
    revisions.record(compared, editor, "Filed")
    compared.body = compared.body.replace(" the ", " a ", 1) + "<p>A paragraph added for the comparison.</p>"
    compared.save(update_fields=["body"])
    revisions.record(compared, editor, "Changed body")
    old_version, new_version = revisions.versions_of(compared).order_by("pk")[:2]
    author = next(s for s in stories if s.authors.exists()).authors.first()
    section = Section.objects.filter(stories__in=stories).first()
    return {
        "stories": [story.get_absolute_url() for story in stories],
        "reader": {
            "home": "/",
            "home-page-2": "/?page=2",
            "section": reverse("stories:section", args=[section.slug]),
            "tag": reverse("stories:tag", args=[tag.slug]),
            "author": reverse("stories:author", args=[author.profile.slug]),
            "story-with-image": newest.get_absolute_url(),
            "search": "/search/?q=council",
            "search-form": "/search/",
            "corrections": reverse("stories:corrections"),
            "not-found": "/no-such-page/",
            "gone": killed.get_absolute_url(),
        },
        "desk": {
            "dashboard": reverse("admin:index"),
            "story-list": reverse("admin:stories_story_changelist"),
            "story-change": reverse("admin:stories_story_change", args=[newest.pk]),
            "story-add": reverse("admin:stories_story_add"),
            "story-sent-back": reverse("admin:stories_story_change", args=[sent_back.pk]),
            "story-scheduled": reverse("admin:stories_story_change", args=[scheduled.pk]),
            "story-revisions": reverse("admin:stories_story_revisions", args=[compared.pk]),
            "story-compare": reverse("admin:stories_story_compare", args=[compared.pk])
            + f"?a={old_version.pk}&b={new_version.pk}",
            "story-import": reverse("admin:stories_story_import"),
            "budget": reverse("admin:stories_assignment_budget"),
            "assignment-change": reverse("admin:stories_assignment_change", args=[Assignment.objects.first().pk]),
            "opinions": reverse("admin:stories_opinion_changelist"),
        },
    }


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = "https://news.example.com"
    return seed_demo_newsroom(settings.MEDIA_ROOT)


@pytest.fixture
def desk_client(client):
    client.force_login(get_user_model().objects.get(username="admin"))
    return client
