"""Only a salted hash of the sender's address is kept, never the address."""

import pytest
from django.db import connection

from stories import opinions
from stories.models import Opinion
from tests.factories import StoryFactory
from tests.opinion_helpers import post_opinion

ADDRESS = "198.51.100.42"


@pytest.mark.django_db
def test_the_address_is_stored_only_as_a_salted_hash(client, settings):
    story = StoryFactory(published=True)
    post_opinion(client, story, REMOTE_ADDR=ADDRESS, HTTP_X_FORWARDED_FOR="203.0.113.5")
    opinion = Opinion.objects.get()
    assert len(opinion.ip_hash) == 64
    assert ADDRESS not in opinion.ip_hash
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM stories_opinion")
        row = " ".join(str(value) for value in cursor.fetchone())
    assert ADDRESS not in row and "203.0.113.5" not in row

    settings.IP_HASH_SALT = "another salt"
    post_opinion(client, story, REMOTE_ADDR=ADDRESS, body="A second, different opinion.")
    assert Opinion.objects.order_by("pk").last().ip_hash != opinion.ip_hash


@pytest.mark.django_db
def test_the_hash_comes_from_the_connecting_address_not_from_headers(rf):
    plain = rf.get("/", REMOTE_ADDR=ADDRESS)
    spoofed = rf.get("/", REMOTE_ADDR=ADDRESS, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert opinions.ip_hash(plain) == opinions.ip_hash(spoofed)
    assert opinions.ip_hash(plain) != opinions.ip_hash(rf.get("/", REMOTE_ADDR="198.51.100.43"))
