"""What staff can see: a writer never reads another writer's unpublished story through any admin page.

The rule is workflow.stories_seen_by (Story.objects.visible_to): editors and read-only roles see every story,
writers their own in any state and what is live. Every admin page that names a story follows it: the story
list (search, filters, facets), its pages (change, history, delete, revisions, compare, restore), the audit
trail (list, search, filters, date hierarchy, facets, change, history), Django's autocomplete and
view-on-site endpoints, the preview, the dashboard and the opinion queue.
"""

from datetime import UTC, datetime, timedelta

import pytest
import reversion
from django.apps import apps
from django.contrib.admin import site as admin_site
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from reversion.models import Version

from stories import workflow
from stories.models import Opinion, OpinionStatus, Story, StoryTransition
from tests.factories import OpinionFactory, SectionFactory, StoryFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

HIDDEN_STATES = ["draft", "review", "scheduled"]
# What the audit trail says about the hidden story: an editor's words to its writer.
SECRET_COMMENT = "Lawyers are still reading the zeppelin hangar deal"
# When the hidden story's moves happened: a day no visible row shares, so the date hierarchy would show it.
SECRET_DAY = datetime(2001, 7, 19, 10, 30, tzinfo=UTC)


def _story(state, owner, editor, title, slug, section, comment):
    """A story of `owner` in `state` with an audit trail that holds `comment`, and two saved versions."""
    story = StoryFactory(title=title, slug=slug, created_by=owner, authors=[owner], section=section)
    workflow.submit_for_review(story, owner)
    if state == "draft":
        workflow.request_changes(story, editor, comment)
    elif state == "review":
        StoryTransition.objects.filter(story=story).update(comment=comment)
    else:
        workflow.publish(story, editor, at=timezone.now() + timedelta(days=2), comment=comment)
    for _ in range(2):
        with reversion.create_revision():
            reversion.add_to_revision(story)
    OpinionFactory(story=story, status=OpinionStatus.PENDING, author_name="Hangar neighbour")
    story.refresh_from_db()
    return story


@pytest.fixture
def section(db):
    return SectionFactory(name="City", slug="city")


@pytest.fixture(params=HIDDEN_STATES)
def hidden(request, other_writer, editor, section):
    """Another writer's story, not live: the writer must not learn it exists."""
    state = request.param
    story = _story(
        state,
        other_writer,
        editor,
        f"Zeppelin hangar secretly sold ({state})",
        f"zeppelin-hangar-secretly-sold-{state}",
        section,
        SECRET_COMMENT,
    )
    StoryTransition.objects.filter(story=story).update(created_at=SECRET_DAY)
    return story


@pytest.fixture
def own(writer, editor, section, hidden):
    """The writer's own story in the same state: the pages do show what the writer may see."""
    state = hidden.slug.rsplit("-", 1)[1]
    title, slug = f"Own harbour column ({state})", f"own-harbour-column-{state}"
    return _story(state, writer, editor, title, slug, section, "Check the ferry times before it goes")


@pytest.fixture
def live(other_writer):
    """Another writer's published story: visible to every member of staff."""
    story = StoryFactory(
        published=True, title="Published ferry timetable", slug="published-ferry-timetable", created_by=other_writer
    )
    story.authors.add(other_writer)
    return story


def _leaks(response, story):
    """Whether the response names the story: its headline, its address or what the audit trail says of it."""
    text = response.content.decode(errors="replace") + response.get("Location", "")
    return [secret for secret in (story.title, story.slug, SECRET_COMMENT) if secret in text]


def _values(story):
    versions = list(Version.objects.get_for_object(story).values_list("pk", flat=True))
    transition = StoryTransition.objects.filter(story=story).order_by("pk").first()
    return {
        "pk": story.pk,
        "slug": story.slug,
        "ct": ContentType.objects.get_for_model(Story).pk,
        "v1": versions[-1],
        "v2": versions[0],
        "transition": transition.pk,
        "opinion": Opinion.objects.filter(story=story).first().pk,
        "owner": story.created_by_id,
        "section": story.section_id,
        "year": SECRET_DAY.year,
        "month": SECRET_DAY.month,
        "day": SECRET_DAY.day,
        "state": story.slug.rsplit("-", 1)[1],
    }


STORIES = "/admin/stories/story/"
TRANSITIONS = "/admin/stories/storytransition/"
OPINIONS = "/admin/stories/opinion/"

# Lists: they answer (200) and must not name the hidden story; True where they do list the writer's own one.
LIST_URLS = [
    (STORIES, True),
    (STORIES + "?q=zeppelin", False),
    (STORIES + "?q=secretly", False),
    (STORIES + "?q=harbour", True),
    (STORIES + "?status={state}", True),
    (STORIES + "?section__id__exact={section}", True),
    (STORIES + "?_facets=1", True),
    (STORIES + "?status={state}&_facets=1", True),
    (TRANSITIONS, True),
    (TRANSITIONS + "?q=zeppelin", False),
    (TRANSITIONS + "?q=lawyers", False),
    (TRANSITIONS + "?q=harbour", True),
    (TRANSITIONS + "?q=ferry", True),
    (TRANSITIONS + "?to_status=review", True),
    (TRANSITIONS + "?from_status=draft", True),
    (TRANSITIONS + "?from_status=review", False),
    (TRANSITIONS + "?created_at__gte=2000-01-01+00:00:00%2B00:00", True),
    (TRANSITIONS + "?_facets=1", True),
    (TRANSITIONS + "?to_status=review&_facets=1", True),
    (TRANSITIONS + "?o=2", True),
    (TRANSITIONS + "?o=-2", True),
]
# Filtered to the hidden story's own values: they answer, and must show none of it (nor the writer's own).
HIDDEN_ONLY_URLS = [
    STORIES + "?authors__id__exact={owner}",
    TRANSITIONS + "?created_at__year={year}",
    TRANSITIONS + "?created_at__year={year}&created_at__month={month}",
    TRANSITIONS + "?created_at__year={year}&created_at__month={month}&created_at__day={day}",
    TRANSITIONS + "?story__id__exact={pk}",
    TRANSITIONS + "?story={pk}",
]
# The hidden story's own pages: "not found" (a redirect to the index, a 403 or a 404), never the story.
OBJECT_URLS = [
    STORIES + "{pk}/change/",
    STORIES + "{pk}/history/",
    STORIES + "{pk}/delete/",
    STORIES + "{pk}/revisions/",
    STORIES + "{pk}/revisions/compare/?a={v1}&b={v2}",
    STORIES + "{pk}/revisions/{v1}/restore/",
    TRANSITIONS + "{transition}/change/",
    TRANSITIONS + "{transition}/history/",
    TRANSITIONS + "{transition}/delete/",
    "/admin/r/{ct}/{pk}/",
    "/preview/{pk}/",
]
POST_URLS = [
    STORIES + "{pk}/transition/submit_for_review/",
    STORIES + "{pk}/transition/withdraw/",
    STORIES + "{pk}/preview-link/",
    STORIES + "{pk}/revisions/{v1}/restore/",
    STORIES + "{pk}/delete/",
]


def _autocomplete_sources():
    """Every relation whose far end is a story, an audit row or an opinion: each is an autocomplete query."""
    targets = {Story, StoryTransition, Opinion}
    sources = []
    for model in apps.get_app_config("stories").get_models():
        for field in model._meta.get_fields():
            if field.is_relation and field.related_model in targets:
                sources.append((model._meta.app_label, model._meta.model_name, field.name))
    return sorted(sources)


AUTOCOMPLETE_SOURCES = _autocomplete_sources()
AUTOCOMPLETE_TERMS = ["", "zeppelin", "{slug}", "lawyers"]


def _url(template, story):
    return template.format(**_values(story))


@pytest.mark.parametrize(("template", "shows_own"), LIST_URLS)
def test_a_writer_finds_no_other_writers_hidden_story_in_any_list(client, writer, hidden, own, template, shows_own):
    client.force_login(writer)
    response = client.get(_url(template, hidden))
    assert response.status_code == 200
    assert _leaks(response, hidden) == []
    if shows_own:
        assert own.title in response.content.decode()


@pytest.mark.parametrize("template", HIDDEN_ONLY_URLS)
def test_a_writer_filtering_on_the_hidden_storys_values_finds_nothing(client, writer, hidden, own, template):
    client.force_login(writer)
    response = client.get(_url(template, hidden), follow=True)
    assert response.status_code == 200
    assert _leaks(response, hidden) == []


def test_the_audit_trails_date_hierarchy_offers_no_day_only_hidden_stories_had(client, writer, hidden, own):
    client.force_login(writer)
    html = client.get(TRANSITIONS).content.decode()
    assert f"created_at__year={SECRET_DAY.year}" not in html
    month = client.get(f"{TRANSITIONS}?created_at__year={SECRET_DAY.year}&created_at__month={SECRET_DAY.month}")
    assert f"created_at__day={SECRET_DAY.day}" not in month.content.decode()


def test_the_audit_trails_facets_count_only_what_the_writer_may_see(client, writer, hidden, own):
    client.force_login(writer)
    response = client.get(TRANSITIONS + "?_facets=1")
    seen = StoryTransition.objects.filter(story=own)
    counts = {status: seen.filter(to_status=status).count() for status in ("draft", "review", "published")}
    html = response.content.decode()
    for status, label in (("draft", "Draft"), ("review", "In review"), ("published", "Published")):
        assert f"{label} ({counts[status]})" in html


@pytest.mark.parametrize("template", OBJECT_URLS)
def test_a_writer_opening_another_writers_hidden_story_finds_nothing(client, writer, hidden, template):
    client.force_login(writer)
    response = client.get(_url(template, hidden))
    assert response.status_code in (302, 403, 404)
    assert _leaks(response, hidden) == []
    if response.status_code == 302:
        # "Does not exist", as for a story that never was: never on to the story's page or address.
        assert response["Location"] in ("/admin/", reverse("admin:index"))


@pytest.mark.parametrize("template", POST_URLS)
def test_a_writer_acting_on_another_writers_hidden_story_finds_nothing(client, writer, hidden, template):
    client.force_login(writer)
    before = Story.objects.values().get(pk=hidden.pk)
    response = client.post(_url(template, hidden), {"comment": "x", "base_version": hidden.version, "post": "yes"})
    assert response.status_code in (302, 403, 404)
    assert _leaks(response, hidden) == []
    assert Story.objects.values().get(pk=hidden.pk) == before


@pytest.mark.parametrize("source", AUTOCOMPLETE_SOURCES, ids=str)
def test_autocomplete_never_offers_a_hidden_story_or_its_rows(client, writer, hidden, source):
    app_label, model_name, field_name = source
    client.force_login(writer)
    for term in AUTOCOMPLETE_TERMS:
        query = {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term}
        response = client.get("/admin/autocomplete/?" + urlencode(query).format(**_values(hidden)))
        # No admin form here has an autocomplete widget: the endpoint serves none of these fields.
        assert response.status_code == 403, term
        assert _leaks(response, hidden) == [], term


def _edited_in_the_admin(app_label, model_name) -> bool:
    """Whether a ModelAdmin or an inline of the story admin edits the model: only then could a form of it carry an
    autocomplete widget. Rows kept by the desk's own pages (held revisions, live updates) have neither, and the
    autocomplete endpoint refuses their fields (test_autocomplete_never_offers_a_hidden_story_or_its_rows)."""
    model = apps.get_model(app_label, model_name)
    return model in admin_site._registry or any(i.model is model for i in admin_site._registry[Story].inlines)


FORWARD_STORY_FIELDS = [(a, m, f) for a, m, f in AUTOCOMPLETE_SOURCES if f == "story" and _edited_in_the_admin(a, m)]


@pytest.mark.parametrize("source", FORWARD_STORY_FIELDS, ids=str)
def test_an_autocomplete_widget_would_offer_only_the_stories_the_person_may_see(
    client, monkeypatch, writer, hidden, own, live, source
):
    app_label, model_name, field_name = source
    # As if a form had the widget: its admin (or the inline that edits the model) declares the field.
    story_admin = admin_site._registry[Story]
    owner = admin_site._registry.get(apps.get_model(app_label, model_name))
    if owner is None:
        owner = next(i for i in story_admin.inlines if i.model._meta.model_name == model_name)
    monkeypatch.setattr(owner, "autocomplete_fields", [field_name])
    client.force_login(writer)
    for term, expected in [("", {own.title, live.title}), ("zeppelin", set()), ("harbour", {own.title})]:
        query = {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term}
        response = client.get("/admin/autocomplete/?" + urlencode(query))
        assert response.status_code == 200
        assert {row["text"] for row in response.json()["results"]} == expected
        assert _leaks(response, hidden) == []


def test_the_audit_trail_shows_a_writer_their_own_stories_moves(client, writer, hidden, own):
    client.force_login(writer)
    transition = StoryTransition.objects.filter(story=own).first()
    page = client.get(f"{TRANSITIONS}{transition.pk}/change/")
    assert page.status_code == 200
    assert own.title in page.content.decode()
    listed = client.get(TRANSITIONS + "?q=harbour")
    assert set(listed.context["cl"].result_list) == set(StoryTransition.objects.filter(story=own))


@pytest.mark.parametrize("role", ["editor", "admin_user"])
def test_the_desk_sees_every_storys_audit_trail(request, client, hidden, role):
    client.force_login(request.getfixturevalue(role))
    listed = client.get(TRANSITIONS + "?q=zeppelin")
    assert set(listed.context["cl"].result_list) == set(StoryTransition.objects.filter(story=hidden))
    transition = StoryTransition.objects.filter(story=hidden).first()
    assert client.get(f"{TRANSITIONS}{transition.pk}/change/").status_code == 200


# --- The dashboard ---------------------------------------------------------------------------------


def test_the_dashboard_shows_a_writer_no_other_writers_hidden_story(client, writer, hidden, own):
    client.force_login(writer)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert _leaks(response, hidden) == []
    assert own.title in response.content.decode()


# --- The opinion queue, for a writer who may also read it -------------------------------------------


@pytest.fixture
def writer_reading_opinions(writer):
    writer.user_permissions.add(Permission.objects.get(codename="view_opinion"))
    return writer


OPINION_URLS = [
    OPINIONS + "?status=all",
    OPINIONS + "?status=pending",
    OPINIONS + "?status=all&q=zeppelin",
    OPINIONS + "?status=all&q=neighbour",
    OPINIONS + "?status=all&story__id__exact={pk}",
    OPINIONS + "?status=all&_facets=1",
]


@pytest.mark.parametrize("template", OPINION_URLS)
def test_the_opinion_queue_shows_no_opinion_on_a_story_the_person_may_not_see(
    client, writer_reading_opinions, hidden, own, template
):
    client.force_login(writer_reading_opinions)
    response = client.get(_url(template, hidden))
    assert response.status_code == 200
    assert _leaks(response, hidden) == []
    listed = set(response.context["cl"].result_list)
    assert not listed & set(Opinion.objects.filter(story=hidden))


def test_the_opinion_queue_counts_and_filters_only_visible_stories(client, writer_reading_opinions, hidden, own):
    client.force_login(writer_reading_opinions)
    html = client.get(OPINIONS).content.decode()
    assert "Pending (1)" in html  # the opinion on the writer's own story, not the one on the hidden story
    assert own.title in html


@pytest.mark.parametrize("template", [OPINIONS + "{opinion}/change/", OPINIONS + "{opinion}/history/"])
def test_an_opinion_on_a_hidden_story_is_not_found(client, writer_reading_opinions, hidden, template):
    client.force_login(writer_reading_opinions)
    response = client.get(_url(template, hidden))
    assert response.status_code in (302, 403, 404)
    assert _leaks(response, hidden) == []


# --- View on site ---------------------------------------------------------------------------------


def _view_on_site(story):
    return reverse("admin:view_on_site", args=[ContentType.objects.get_for_model(Story).pk, story.pk])


def test_view_on_site_is_a_404_for_a_story_the_person_may_not_see(client, writer, hidden):
    client.force_login(writer)
    response = client.get(_view_on_site(hidden))
    assert response.status_code == 404
    assert _leaks(response, hidden) == []


def test_view_on_site_takes_the_owner_of_a_story_not_yet_live_to_its_preview(client, writer, hidden, own):
    client.force_login(writer)
    response = client.get(_view_on_site(own))
    assert response.status_code == 302
    assert response["Location"] == reverse("stories:preview", args=[own.pk])


@pytest.mark.parametrize("role", ["editor", "moderator"])
def test_view_on_site_takes_the_desk_to_any_storys_preview(request, client, hidden, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(_view_on_site(hidden))
    assert response.status_code == 302
    assert response["Location"] == reverse("stories:preview", args=[hidden.pk])


@pytest.mark.parametrize("role", ["writer", "other_writer", "editor", "moderator"])
def test_view_on_site_takes_staff_to_a_live_storys_page(request, client, live, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(_view_on_site(live))
    assert response.status_code == 302
    assert response["Location"] == live.get_absolute_url()


def test_view_on_site_still_opens_a_section(client, writer, section):
    client.force_login(writer)
    url = reverse("admin:view_on_site", args=[ContentType.objects.get_for_model(section).pk, section.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == section.get_absolute_url()


@pytest.mark.parametrize(
    "path",
    [
        "/admin/r/{ct}/999999999/",
        "/admin/r/{ct}/99999999999999999999999/",
        "/admin/r/{ct}/abc/",
        "/admin/r/{ct}/%00/",
        "/admin/r/999999/{pk}/",
        "/admin/r/99999999999999999999999/{pk}/",
        "/admin/r/abc/{pk}/",
        "/admin/r/{user_ct}/{owner}/",
    ],
)
def test_view_on_site_answers_404_for_anything_that_is_not_a_page_the_person_may_see(client, writer, live, path):
    client.force_login(writer)
    values = {**_values_of_live(live), "user_ct": ContentType.objects.get(app_label="auth", model="user").pk}
    response = client.get(path.format(**values))
    assert response.status_code == 404


def _values_of_live(story):
    return {"ct": ContentType.objects.get_for_model(Story).pk, "pk": story.pk, "owner": story.created_by_id}


def test_view_on_site_asks_anonymous_visitors_to_log_in(client, live):
    response = client.get(_view_on_site(live))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
