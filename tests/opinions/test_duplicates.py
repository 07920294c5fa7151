"""The same text on the same story: stored once per sender, flagged when another sender repeats it."""

from stories import opinions
from stories.models import Opinion, OpinionStatus
from tests.factories import StoryFactory
from tests.opinion_helpers import post_opinion

TEXT = "This tram line is a waste of money."


def test_the_same_sender_sending_the_same_text_again_stores_it_once(client, story):
    assert post_opinion(client, story, body=TEXT).status_code == 303
    again = post_opinion(client, story, body="  this TRAM line is a waste of money.  ")
    assert again.status_code == 303
    assert Opinion.objects.count() == 1
    page = client.get(again["Location"]).content.decode()
    assert "your opinion will appear once a moderator approves it" in page


def test_the_same_text_from_another_sender_waits_flagged_as_duplicate(client, story):
    post_opinion(client, story, body=TEXT)
    post_opinion(client, story, body=TEXT, REMOTE_ADDR="198.51.100.23")
    first, second = Opinion.objects.order_by("pk")
    assert first.flags == []
    assert second.flags == [opinions.FLAG_DUPLICATE]
    assert second.status == OpinionStatus.PENDING


def test_the_same_text_on_another_story_is_no_duplicate(client, story):
    post_opinion(client, story, body=TEXT)
    post_opinion(client, StoryFactory(published=True), body=TEXT)
    assert Opinion.objects.count() == 2
    assert all(o.flags == [] for o in Opinion.objects.all())
