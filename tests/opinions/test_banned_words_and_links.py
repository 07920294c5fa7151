"""Banned words and too many links: the opinion waits in the queue flagged, or goes to spam, as the policy says."""

import pytest

from stories import opinions
from stories.models import BannedWord, ModerationPolicy, Opinion, OpinionStatus
from tests.factories import StoryFactory
from tests.opinion_helpers import post_opinion


@pytest.fixture
def story(db):
    BannedWord.objects.create(word="casino")
    BannedWord.objects.create(word="cheap pills")
    return StoryFactory(published=True)


@pytest.mark.parametrize(
    "body",
    [
        "Visit our CASINO tonight",
        "cheap   pills here",
        "Fullwidth ｃａｓｉｎｏ works too",
        "zero\u200bwidth: cas\u200bino",
    ],
)
def test_a_banned_word_is_flagged_and_held(client, story, body):
    assert post_opinion(client, story, body=body).status_code == 303
    opinion = Opinion.objects.get()
    assert opinion.flags == [opinions.FLAG_BANNED_WORDS]
    assert opinion.status == OpinionStatus.PENDING
    assert opinion.moderated_at is None


def test_a_banned_word_inside_another_word_is_not_a_match(client, story):
    post_opinion(client, story, body="The casinos' owners were not at the meeting; occasional visitors were.")
    assert Opinion.objects.get().flags == []


def test_a_banned_word_in_the_name_counts(client, story):
    post_opinion(client, story, author_name="Casino King")
    assert Opinion.objects.get().flags == [opinions.FLAG_BANNED_WORDS]


def test_more_links_than_the_limit_are_flagged(client, story):
    ModerationPolicy.objects.create(link_limit=2)
    post_opinion(client, story, body="See https://a.example and www.b.example", REMOTE_ADDR="198.51.100.1")
    post_opinion(client, story, body="See https://a.example, www.b.example and c-pills.biz", REMOTE_ADDR="198.51.100.2")
    within, over = Opinion.objects.order_by("pk")
    assert within.flags == []
    assert over.flags == [opinions.FLAG_LINKS]
    assert over.status == OpinionStatus.PENDING


def test_with_the_spam_policy_a_match_goes_straight_to_spam(client, story):
    ModerationPolicy.objects.create(banned_word_action=ModerationPolicy.Action.SPAM, link_limit=0)
    post_opinion(client, story, body="Try the casino", REMOTE_ADDR="198.51.100.1")
    response = post_opinion(client, story, body="Read https://a.example", REMOTE_ADDR="198.51.100.2")
    post_opinion(client, story, body="A fair point about the budget.", REMOTE_ADDR="198.51.100.3")
    banned, linked, clean = Opinion.objects.order_by("pk")
    assert (banned.status, linked.status, clean.status) == (OpinionStatus.SPAM, OpinionStatus.SPAM, "pending")
    assert banned.moderated_by is None and banned.moderated_at is not None  # decided by the system
    # The sender is thanked all the same: a spammer learns nothing.
    assert response.status_code == 303


def test_the_banned_word_list_is_managed_in_the_admin(client, editor):
    client.force_login(editor)
    response = client.post("/admin/stories/bannedword/add/", {"word": "  Crypto   Giveaway "})
    assert response.status_code == 302
    assert BannedWord.objects.filter(word="crypto giveaway").exists()
    duplicate = client.post("/admin/stories/bannedword/add/", {"word": "CRYPTO giveaway"})
    assert duplicate.status_code == 200  # refused: already on the list
    assert BannedWord.objects.filter(word__icontains="crypto").count() == 1


def test_the_policy_is_one_row_edited_in_the_admin(client, editor):
    client.force_login(editor)
    response = client.get("/admin/stories/moderationpolicy/")
    assert response.status_code == 302 and response["Location"].endswith("/moderationpolicy/add/")
    client.post(
        "/admin/stories/moderationpolicy/add/", {"link_limit": 1, "banned_word_action": "spam", "close_after_days": 30}
    )
    policy = ModerationPolicy.objects.get()
    assert (policy.link_limit, policy.banned_word_action, policy.close_after_days) == (1, "spam", 30)
    response = client.get("/admin/stories/moderationpolicy/")
    assert response["Location"].endswith(f"/moderationpolicy/{policy.pk}/change/")
    assert client.get("/admin/stories/moderationpolicy/add/").status_code == 403
