"""Every write readers could see reaches the cached pages at once, whoever makes it and however: the desk, the ORM
in a shell, a bulk update followed by `manage.py purge_pages`. And a write purges only the pages that show it.

Each row of the table this was measured by (a second server rendering without a cache against the same database)
is a test here; every test runs with the cache in local memory and in a real Redis with the near cache.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

import pagecache as page_cache
from stories import models, purging, workflow
from stories.models import OpinionStatus, Story
from tests.factories import OpinionFactory, SectionFactory, StoryFactory, TagFactory, UserFactory
from tests.story_admin_helpers import change_url, person_change_url, person_form_data, story_form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_store")]

REDIS_PORT = 8149


@pytest.fixture
def committed_setup(db, django_capture_on_commit_callbacks):
    """What a fixture writes is committed, with its purges, before the test changes anything."""

    def commit(make):
        with django_capture_on_commit_callbacks(execute=True):
            return make()

    return commit


@pytest.fixture
def ann(committed_setup):
    return committed_setup(lambda: UserFactory(username="ann", first_name="Ann", last_name="Lee", role="Writers"))


@pytest.fixture
def tram(ann, committed_setup):
    def make():
        story = StoryFactory(
            published=True,
            title="Council approves the eastern tram line",
            section=SectionFactory(name="City", slug="city"),
            authors=[ann],
        )
        story.tags.add(TagFactory(name="Transport", slug="transport"))
        return story

    return committed_setup(make)


@pytest.fixture
def bakery(committed_setup):
    """A story elsewhere: another section, tag and author, published a day earlier."""
    return committed_setup(
        lambda: StoryFactory(
            published=True,
            published_at=timezone.now() - timedelta(days=1),
            title="Bakery reopens on the square",
            section=SectionFactory(name="Food", slug="food"),
            authors=[UserFactory(username="omar", first_name="Omar", last_name="Haddad", role="Writers")],
        )
    )


def pages_of(story):
    return ["/", story.get_absolute_url(), f"/section/{story.section.slug}/", "/feed/"] + [
        f"/tag/{tag.slug}/" for tag in story.tags.all()
    ]


def warm(client, urls):
    """Visit each page twice: the second visit comes from the cache (so a stale page would be served)."""
    for url in urls:
        client.get(url)
        assert client.get(url)["X-Cache"] == "hit", url


def committed(django_capture_on_commit_callbacks, change):
    with django_capture_on_commit_callbacks(execute=True):
        change()


# --- The rows of the table: each change, each way ------------------------------------------------------------


def test_a_headline_changed_in_the_desk_reaches_every_page_showing_it(
    client, editor, tram, bakery, django_capture_on_commit_callbacks
):
    warm(client, [*pages_of(tram), "/section/food/", "/authors/omar-haddad/"])
    desk = type(client)()
    desk.force_login(editor)
    with_new_title = story_form_data(tram, title="Council delays the eastern tram line")
    with django_capture_on_commit_callbacks(execute=True):
        assert desk.post(change_url(tram), with_new_title).status_code == 302

    for url in pages_of(tram):
        assert "Council delays" in client.get(url).text, url
    # The lists of another section and author do not show it: still the stored copies.
    for url in ["/section/food/", "/authors/omar-haddad/"]:
        assert client.get(url)["X-Cache"] == "hit", url


def test_a_section_renamed_in_the_desk_reaches_its_page_its_stories_and_the_navigation(
    client, editor, tram, django_capture_on_commit_callbacks
):
    section = tram.section
    warm(client, [*pages_of(tram), "/sitemap-sections.xml"])
    desk = type(client)()
    desk.force_login(editor)
    data = {"name": "Metro", "slug": "city", "description": "", "position": 0, "_save": "Save"}
    with django_capture_on_commit_callbacks(execute=True):
        assert desk.post(f"/admin/stories/section/{section.pk}/change/", data).status_code == 302

    for url in ["/section/city/", tram.get_absolute_url(), "/"]:
        assert ">Metro<" in client.get(url).text, url


def test_a_tag_renamed_in_the_desk_reaches_its_page_and_its_stories(
    client, editor, tram, django_capture_on_commit_callbacks
):
    tag = tram.tags.get()
    warm(client, pages_of(tram))
    desk = type(client)()
    desk.force_login(editor)
    data = {"name": "Public transport", "slug": "transport", "_save": "Save"}
    with django_capture_on_commit_callbacks(execute=True):
        assert desk.post(f"/admin/stories/tag/{tag.pk}/change/", data).status_code == 302

    assert "Public transport" in client.get("/tag/transport/").text
    assert "Public transport" in client.get(tram.get_absolute_url()).text


def test_an_authors_name_changed_in_the_user_admin_reaches_the_bylines(
    client, admin_user, ann, tram, django_capture_on_commit_callbacks
):
    warm(client, [*pages_of(tram), "/authors/ann-lee/"])
    desk = type(client)()
    desk.force_login(admin_user)
    data = person_form_data(ann, last_name="Lee-Moreau", public_slug="ann-lee")
    with django_capture_on_commit_callbacks(execute=True):
        assert desk.post(person_change_url(ann), data).status_code == 302

    for url in ["/", tram.get_absolute_url(), "/section/city/", "/authors/ann-lee/", "/feed/"]:
        assert "Lee-Moreau" in client.get(url).text, url


def test_a_story_saved_in_a_shell_reaches_readers_at_once(client, tram, django_capture_on_commit_callbacks):
    warm(client, pages_of(tram))
    tram.title = "Council delays the eastern tram line"
    committed(django_capture_on_commit_callbacks, tram.save)
    for url in pages_of(tram):
        assert "Council delays" in client.get(url).text, url


def test_a_story_sent_back_to_review_in_a_shell_leaves_the_site_at_once(
    client, tram, django_capture_on_commit_callbacks
):
    warm(client, pages_of(tram))
    tram.status = "review"
    committed(django_capture_on_commit_callbacks, tram.save)
    assert client.get(tram.get_absolute_url()).status_code == 404
    for url in ["/", "/section/city/", "/tag/transport/", "/feed/"]:
        assert tram.title not in client.get(url).text, url


def test_a_bulk_update_reaches_readers_once_purge_pages_is_run(client, tram):
    warm(client, pages_of(tram))
    Story.objects.filter(pk=tram.pk).update(title="Council delays the eastern tram line")
    # An UPDATE sends no signal: the stored copy is still served, until the documented command runs.
    assert "Council approves" in client.get(tram.get_absolute_url()).text
    call_command("purge_pages", "--story", str(tram.pk), stdout=open("/dev/null", "w"))  # noqa: SIM115
    for url in pages_of(tram):
        assert "Council delays" in client.get(url).text, url


def test_purge_pages_without_arguments_purges_every_page(client, tram, bakery):
    warm(client, [*pages_of(tram), bakery.get_absolute_url()])
    Story.objects.update(title="Everything changed")
    call_command("purge_pages", stdout=open("/dev/null", "w"))  # noqa: SIM115
    for url in [*pages_of(tram), bakery.get_absolute_url()]:
        assert client.get(url)["X-Cache"] == "miss", url


def test_purge_pages_names_a_story_that_does_not_exist(tram):
    with pytest.raises(Exception, match="No story with id 999999"):
        call_command("purge_pages", "--story", "999999")


def test_an_opinion_approved_through_the_orm_appears_at_once(client, tram, django_capture_on_commit_callbacks):
    warm(client, [tram.get_absolute_url()])
    committed(
        django_capture_on_commit_callbacks,
        lambda: OpinionFactory(story=tram, body="The eastern route is the right one.", status=OpinionStatus.APPROVED),
    )
    assert "The eastern route is the right one." in client.get(tram.get_absolute_url()).text


# --- Scoped: a change purges the pages that show it, not the archive -----------------------------------------


def test_an_approved_opinion_purges_its_story_page_only(
    client, moderator, tram, bakery, django_capture_on_commit_callbacks
):
    opinion = OpinionFactory(story=tram, status=OpinionStatus.PENDING, body="The eastern route is the right one.")
    warm(client, [*pages_of(tram), bakery.get_absolute_url()])
    committed(django_capture_on_commit_callbacks, lambda: workflow.moderate(opinion, moderator, OpinionStatus.APPROVED))

    assert "The eastern route" in client.get(tram.get_absolute_url()).text
    for url in ["/", "/section/city/", "/tag/transport/", "/feed/", bakery.get_absolute_url()]:
        assert client.get(url)["X-Cache"] == "hit", url


def test_a_draft_saved_again_and_again_purges_nothing(client, tram, django_capture_on_commit_callbacks):
    draft = StoryFactory(title="Not yet", section=tram.section)
    warm(client, pages_of(tram))
    draft.title = "Still not yet"
    committed(django_capture_on_commit_callbacks, draft.save)
    for url in pages_of(tram):
        assert client.get(url)["X-Cache"] == "hit", url


def test_a_story_going_live_purges_its_neighbours_and_the_related_stories_of_its_section(
    client, editor, tram, bakery, committed_setup, django_capture_on_commit_callbacks
):
    older_in_city = committed_setup(
        lambda: StoryFactory(
            published=True, published_at=timezone.now() - timedelta(days=3), title="Depot opens", section=tram.section
        )
    )
    new = committed_setup(lambda: StoryFactory(title="Night trams start in May", section=tram.section, in_review=True))
    warm(client, [tram.get_absolute_url(), older_in_city.get_absolute_url(), "/section/food/"])
    committed(django_capture_on_commit_callbacks, lambda: workflow.publish(new, editor))

    # The newest story's "next" link, and every related list of its section, now name it.
    assert "Night trams start in May" in client.get(tram.get_absolute_url()).text
    assert "Night trams start in May" in client.get(older_in_city.get_absolute_url()).text
    # Another section's list does not show it.
    assert client.get("/section/food/")["X-Cache"] == "hit"


def test_a_scheduled_story_goes_live_on_its_own_and_purges_its_pages(
    client, editor, tram, monkeypatch, django_capture_on_commit_callbacks
):
    scheduled = StoryFactory(title="Night trams start in May", section=tram.section, in_review=True)
    workflow.publish(scheduled, editor, at=timezone.now() + timedelta(hours=2))
    warm(client, pages_of(tram))

    later = timezone.now() + timedelta(hours=2, minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    for url in ["/", "/section/city/", tram.get_absolute_url()]:
        assert "Night trams start in May" in client.get(url).text, url


# --- Every model of the desk: purged by a receiver, or shown nowhere --------------------------------------------


def _desk_models():
    return set(admin.site._registry)


def test_every_model_of_the_desk_is_watched_or_said_to_show_nowhere():
    unsaid = {m._meta.label for m in _desk_models() - purging.reader_visible_models() - purging.NOT_SHOWN}
    assert unsaid == set()


@dataclass(frozen=True)
class Change:
    """A change to one row of a model: `row(tram)` gets (or makes) it, `field` is set to `value` and it is saved;
    the page at `page(tram)` shows `shown` (the value itself by default) at once."""

    row: Callable
    field: str
    value: object
    page: Callable = lambda tram: tram.get_absolute_url()
    shown: str | None = None


def _front(tram):
    return "/"


CHANGES = {
    models.Story: Change(lambda tram: tram, "title", "Council delays the eastern tram line"),
    models.Highlight: Change(lambda tram: tram.highlights.first(), "text", "Work starts next spring.", _front),
    models.Correction: Change(lambda tram: models.Correction(story=tram), "text", "The vote count was wrong."),
    models.LiveUpdate: Change(lambda tram: models.LiveUpdate(story=tram), "body", "<p>The first tram runs.</p>"),
    models.Opinion: Change(
        lambda tram: models.Opinion(story=tram, author_name="Ada", status=OpinionStatus.APPROVED),
        "body",
        "A fine decision for the east side.",
    ),
    models.Section: Change(lambda tram: tram.section, "name", "Metro", _front, ">Metro<"),
    models.Tag: Change(lambda tram: tram.tags.get(), "name", "Public transport"),
    get_user_model(): Change(lambda tram: tram.authors.get(), "last_name", "Lee-Moreau", _front),
    models.Profile: Change(
        lambda tram: models.Profile.objects.get(user=tram.authors.get()),
        "slug",
        "ann-lee-moreau",
        shown="/authors/ann-lee-moreau/",
    ),
    models.ModerationPolicy: Change(
        lambda tram: models.ModerationPolicy.current(), "close_after_days", 0, shown="Opinions are closed"
    ),
}


def test_every_watched_model_has_a_change_tried_here():
    assert {m._meta.label for m in purging.reader_visible_models()} == {m._meta.label for m in CHANGES}


@pytest.mark.parametrize("model", list(CHANGES), ids=lambda m: m._meta.label)
def test_a_change_to_each_watched_model_reaches_the_page_that_shows_it(
    client, model, tram, django_capture_on_commit_callbacks
):
    warm(client, [*pages_of(tram), "/authors/ann-lee/"])
    change = CHANGES[model]
    with django_capture_on_commit_callbacks(execute=True):
        row = change.row(tram)
        setattr(row, change.field, change.value)
        row.save()
    assert (change.shown or change.value) in client.get(change.page(tram)).text


def test_the_scopes_carry_the_names_design_gives_them(client, tram):
    """The names a shared cache in front purges by: story-<id>, section-<slug>, tag-<slug>, author-<slug>, lists."""
    story_page = tram.get_absolute_url()
    pages = [story_page, "/section/city/", "/tag/transport/", "/authors/ann-lee/", "/"]
    purged_by = {
        f"story-{tram.pk}": {story_page},
        "section-city": {"/section/city/"},
        "tag-transport": {"/tag/transport/", story_page},  # the story page shows the tag's name
        "author-ann-lee": {"/authors/ann-lee/"},
        "lists": {"/"},
    }
    for scope, expected in purged_by.items():
        warm(client, pages)
        page_cache.purge(scope)
        assert {url for url in pages if client.get(url)["X-Cache"] == "miss"} == expected, scope
