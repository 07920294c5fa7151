"""The desk's revision compare, as an editor reads it: the words that changed, people by name, nothing unescaped,
and only for staff who may see the story."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from reversion.models import Version

from stories import revisions, workflow
from stories.models import PendingRevision
from tests.factories import SectionFactory, StoryFactory, TagFactory, UserFactory

pytestmark = pytest.mark.django_db

VOTE = "<p>The council voted 31 to 12 in favour of the eastern extension.</p>"
REMOVED = '<del><span class="visually-hidden">removed: </span>{}</del>'
ADDED = '<ins><span class="visually-hidden">added: </span>{}</ins>'


def _keep(story, user, **fields):
    """Change `story` and keep a version of it, as a save in the desk does."""
    for name, value in fields.items():
        setattr(story, name, value)
    story.save()
    revisions.record(story, user, "Changed " + ", ".join(fields) if fields else "Created")
    return Version.objects.get_for_object(story).first()


def _compare(client, story, old, new):
    url = reverse("admin:stories_story_compare", args=[story.pk]) + f"?a={old.pk}&b={new.pk}"
    return client.get(url)


def _parts(html):
    """The parts of the story shown as changed, by their headings."""
    return re.findall(r'<section class="diff-field"[^>]*>\s*<h2[^>]*>([^<]+)</h2>', html)


@pytest.fixture
def eddie(db):
    return UserFactory(username="eddie", first_name="Eddie", last_name="Editor", role="Editors")


def test_one_changed_digit_marks_only_that_word_and_names_the_unchanged_parts(client, eddie):
    story = StoryFactory(title="Tram line approved", body=VOTE)
    old = _keep(story, eddie)
    new = _keep(story, eddie, body=VOTE.replace("12", "13"))
    client.force_login(eddie)
    html = _compare(client, story, old, new).content.decode()
    assert _parts(html) == ["Body"]
    assert "The council voted 31 to " + REMOVED.format("12") + " " + ADDED.format("13") + " in favour" in html
    assert html.count("<del>") == 1 and html.count("<ins>") == 1
    assert "Unchanged: headline, standfirst, highlights, section, tags, byline, dateline" in html
    assert "&lt;p&gt;" not in html  # the text, never its markup


def test_changed_fields_are_shown_and_only_they(client, eddie):
    city, transport, trade = SectionFactory(name="City"), TagFactory(name="Transport"), TagFactory(name="Trade")
    story = StoryFactory(title="Tram line approved", section=city, dateline="LEEDS")
    story.tags.set([transport])
    old = _keep(story, eddie)
    story.tags.set([transport, trade])
    new = _keep(story, eddie, title="Tram line approved at last", section=None, lead_image_alt="A tram at night")
    client.force_login(eddie)
    html = _compare(client, story, old, new).content.decode()
    assert _parts(html) == ["Headline", "Section", "Tags", "Lead image alt text"]
    assert "Tram line approved " + ADDED.format("at last") in html
    assert REMOVED.format("City") in html
    assert ADDED.format("Trade") + ", Transport" in html  # tags in the order of their names
    assert "Unchanged: standfirst, highlights, body, byline, dateline" in html


def test_a_paragraph_made_a_subheading_reads_as_such_and_the_same_text_as_no_difference(client, eddie):
    story = StoryFactory(title="Tram line approved", body="<p>What changes</p>" + VOTE)
    old = _keep(story, eddie)
    new = _keep(story, eddie, body="<h2>What changes</h2>" + VOTE)
    client.force_login(eddie)
    html = _compare(client, story, old, new).content.decode()
    assert REMOVED.format("Paragraph") + " " + ADDED.format("Subheading") + ", changed" in html
    assert "No differences" not in html
    same = _compare(client, story, new, new).content.decode()
    assert "No differences: the text is the same in both." in same and "<ins>" not in same


def test_people_are_named_by_their_full_name_or_else_their_username(client, eddie):
    wendy = UserFactory(username="wendy", first_name="Wendy", last_name="Writer", role="Writers")
    nameless = UserFactory(username="desk7", first_name="", last_name="", role="Editors")
    story = StoryFactory(title="Tram line approved", created_by=wendy)
    story.authors.set([wendy])
    old = _keep(story, wendy)
    story.authors.set([wendy, eddie])
    new = _keep(story, nameless, title="Tram line approved at last")
    client.force_login(eddie)
    html = _compare(client, story, old, new).content.decode()
    assert "saved by Wendy Writer" in html and "saved by desk7" in html
    assert ADDED.format("Eddie Editor") + ", Wendy Writer" in html  # a byline in the order of the accounts
    assert ">wendy<" not in html and "(wendy)" not in html
    history = client.get(reverse("admin:stories_story_revisions", args=[story.pk])).content.decode()
    assert "<td>Wendy Writer</td>" in history and "<td>desk7</td>" in history
    restore = client.get(reverse("admin:stories_story_restore", args=[story.pk, old.pk])).content.decode()
    assert "saved by Wendy Writer." in restore


def test_what_editors_typed_is_shown_as_text_never_run(client, eddie):
    story = StoryFactory(title="Tram line approved", body=VOTE)
    old = _keep(story, eddie)
    # What a person typed into the editor reaches the body as escaped text; an old row may even hold markup.
    typed = "<p>Try &lt;script&gt;alert(1)&lt;/script&gt; in the form.</p><script>alert(2)</script>"
    new = _keep(story, eddie, body=VOTE + typed, title="<img src=x onerror=alert(3)> Tram line approved")
    client.force_login(eddie)
    html = _compare(client, story, old, new).content.decode()
    assert ADDED.format("Try &lt;script&gt;alert(1)&lt;/script&gt; in the form.") in html
    assert ADDED.format("&lt;img src=x onerror=alert(3)&gt;") in html
    assert "<script>alert" not in html and "<img src=x" not in html


def test_the_comparison_takes_the_same_queries_however_many_revisions_and_people(client, eddie):
    def compare_queries(story, old, new):
        _compare(client, story, old, new)  # warm the session and the content types cache
        with CaptureQueriesContext(connection) as queries:
            assert _compare(client, story, old, new).status_code == 200
        return len(queries.captured_queries)

    client.force_login(eddie)
    small = StoryFactory(title="Tram line approved", body=VOTE, section=SectionFactory(name="City"))
    small.authors.set([eddie])
    small.tags.set([TagFactory(name="Transport")])
    small_old, small_new = _keep(small, eddie), _keep(small, eddie, body=VOTE.replace("12", "13"))

    big = StoryFactory(title="Ferry fares rise", body=VOTE)
    people = [UserFactory(first_name=f"Reporter {n}", role="Writers") for n in range(6)]
    big.authors.set(people[:3])
    big.tags.set([TagFactory(name=f"Tag {n}") for n in range(4)])
    big_old = _keep(big, people[0])
    for n, person in enumerate(people):
        _keep(big, person, title=f"Ferry fares rise {n}")
    big.authors.set(people[3:])
    big.tags.set([TagFactory(name=f"New tag {n}") for n in range(5)])
    big_new = _keep(big, eddie, body=VOTE.replace("12", "13"), section=SectionFactory(name="Business"))

    assert compare_queries(big, big_old, big_new) == compare_queries(small, small_old, small_new)
    # The session, the person and their rights (4), the story and its byline (2), the site's moderation policy,
    # the two versions (1), their highlights (1), the sections, tags and people they name (3).
    assert compare_queries(small, small_old, small_new) == 12


def test_staff_who_may_not_see_the_story_get_no_comparison(client, writer, other_writer, moderator, reader):
    story = StoryFactory(title="Tram line approved", created_by=writer, body=VOTE)
    old = _keep(story, writer)
    new = _keep(story, writer, body=VOTE.replace("12", "13"))
    client.force_login(other_writer)  # another writer's draft is not theirs to read
    assert _compare(client, story, old, new).status_code == 404
    client.force_login(reader)
    assert _compare(client, story, old, new).status_code == 302  # to the login page
    assert "/login/" in _compare(client, story, old, new)["Location"]
    client.logout()
    assert "/login/" in _compare(client, story, old, new)["Location"]
    client.force_login(moderator)  # who may read the story may compare
    assert REMOVED.format("12") in _compare(client, story, old, new).content.decode()
    client.force_login(writer)
    assert _compare(client, story, old, new).status_code == 200


def test_versions_of_another_story_are_not_compared(client, eddie):
    story, other = StoryFactory(body=VOTE), StoryFactory(body="<p>Secret draft text.</p>")
    mine = _keep(story, eddie)
    theirs = _keep(other, eddie)
    client.force_login(eddie)
    response = _compare(client, story, mine, theirs)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:stories_story_revisions", args=[story.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Choose two versions to compare." in page and "Secret draft text" not in page


def test_held_changes_compare_with_the_live_story_word_by_word(client, eddie):
    wendy = UserFactory(username="wendy", first_name="Wendy", last_name="Writer", role="Writers")
    live = StoryFactory(title="Ferry fares rise", body=VOTE, created_by=wendy, published=True)
    proposal = workflow.propose_revision(
        live, wendy, {"body": VOTE.replace("12", "13") + "<script>alert(1)</script><p>A &lt;b&gt; tag.</p>"}
    )
    client.force_login(eddie)
    url = reverse("admin:stories_story_pending_compare", args=[live.pk, proposal.pk])
    html = client.get(url).content.decode()
    assert PendingRevision.objects.get().proposed_by == wendy
    assert "proposed by Wendy Writer" in html
    assert _parts(html) == ["Body"]
    assert REMOVED.format("12") + " " + ADDED.format("13") in html
    assert ADDED.format("A &lt;b&gt; tag.") in html and "<script>" not in html
    assert "Unchanged: headline, standfirst, highlights, section, dateline" in html


def test_the_held_changes_compare_takes_the_same_queries_however_many_changes_and_people(client, eddie):
    def compare_queries(story, proposal):
        url = reverse("admin:stories_story_pending_compare", args=[story.pk, proposal.pk])
        client.get(url)  # warm the session and the content types cache
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries.captured_queries)

    client.force_login(eddie)
    wendy = UserFactory(first_name="Wendy", last_name="Writer", role="Writers")
    small = StoryFactory(body=VOTE, created_by=wendy, published=True, section=SectionFactory(name="City"))
    small_change = workflow.propose_revision(small, wendy, {"body": VOTE.replace("12", "13")})
    big = StoryFactory(body=VOTE, created_by=wendy, published=True, section=SectionFactory(name="Business"))
    big.authors.set([UserFactory(first_name=f"Reporter {n}", role="Writers") for n in range(5)])
    for n in range(3):
        workflow.propose_revision(big, eddie, {"title": f"Ferry fares rise {n}"})
    big_change = workflow.propose_revision(big, wendy, {"body": VOTE.replace("12", "13"), "section": small.section})
    assert compare_queries(big, big_change) == compare_queries(small, small_change)
    # The session, the person and their rights (4), the story and its byline (2), the site's moderation policy,
    # the held change and who proposed it (1), the live highlights (1), the sections named (1).
    assert compare_queries(small, small_change) == 10
