"""A small, realistic newsroom for the reader browser tests."""

from datetime import timedelta

from django.utils import timezone

from stories.models import Correction
from tests.factories import (
    HighlightFactory,
    OpinionFactory,
    SectionFactory,
    StoryFactory,
    TagFactory,
    UserFactory,
)

BODY = (
    "<p>The city council on Tuesday approved the eastern tram extension after a debate that lasted two years "
    "and filled eleven public hearings.</p>"
    "<p>“This is the line the east side has waited for,” the mayor said after the vote. Construction of the "
    "4.2-kilometre line is expected to begin next spring.</p>"
    "<h2>What happens next</h2>"
    '<p>Opponents say the budget ignores rising steel prices and <a href="https://example.org/report">a report '
    "by the city auditor</a> that warned of delays.</p>"
    "<blockquote><p>We will be watching every invoice.</p></blockquote>"
    "<p>The council will vote on the contracts in the autumn.</p>"
)


def build():
    """Sections, tags, authors and a dozen published stories; returns the main story."""
    city = SectionFactory(name="City", slug="city", description="The town hall, the streets and the people.")
    SectionFactory(name="Business", slug="business", position=1)
    SectionFactory(name="Culture", slug="culture", position=2)
    transport = TagFactory(name="Transport", slug="transport")
    ann = UserFactory(username="ann", first_name="Ann", last_name="Okafor")
    bo = UserFactory(username="bo", first_name="Bo", last_name="Lindqvist")
    now = timezone.now()
    for n in range(12):
        other = StoryFactory(
            published=True,
            title=f"Harbour market adds {n + 2} new stalls for the winter season",
            section=city if n % 2 else None,
            published_at=now - timedelta(hours=5 + n),
            authors=[bo],
        )
        other.tags.add(transport)
    story = StoryFactory(
        published=True,
        title="City council approves new tram line after two-year debate",
        standfirst="The eastern extension wins 31 votes to 12; building starts next spring.",
        dateline="LYON",
        body=BODY,
        section=city,
        published_at=now - timedelta(hours=1),
        authors=[ann, bo],
        highlights=[],
    )
    story.tags.add(transport)
    for position, text in enumerate(
        [
            "The council voted 31 to 12 in favour of the eastern extension.",
            "Construction is expected to begin next spring.",
            "Opponents say the budget ignores rising steel prices.",
        ]
    ):
        HighlightFactory(story=story, text=text, position=position)
    Correction.objects.create(story=story, text="An earlier version gave the wrong length for the line.")
    OpinionFactory(story=story, author_name="Marta", body="Finally. The east side has waited long enough.")
    OpinionFactory(story=story, author_name="Jonas", body="I worry about the cost, but it is the right call.")
    StoryFactory(title="A draft nobody should see")
    return story
