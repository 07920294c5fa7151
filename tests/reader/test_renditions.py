"""Lead-image renditions as readers get them: a srcset of files that exist at the widths they claim, the focal
point inside every crop, made once, gone with a replaced image; and the front page's hierarchy."""

import io
import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from stories import images, renditions
from tests.factories import SectionFactory, StoryFactory, TagFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _photo(width=1600, height=900, mark_at=None):
    """A grey picture; `mark_at` (x, y) paints a red square there, the subject a crop must keep."""
    picture = Image.new("RGB", (width, height), (128, 128, 128))
    if mark_at:
        x, y = mark_at
        picture.paste((255, 0, 0), (x - 20, y - 20, x + 20, y + 20))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=95)
    return SimpleUploadedFile("tram.jpg", out.getvalue(), content_type="image/jpeg")


def _story(title="Tram line approved", hours_ago=1, **fields):
    story = StoryFactory(
        published=True, title=title, published_at=timezone.now() - timedelta(hours=hours_ago), **fields
    )
    if story.lead_image:
        renditions.make(story.lead_image.name, default_storage, images.focus_of(story))
    return story


def _stored(url):
    return default_storage.exists(unquote(url.removeprefix("/media/")))


def _size(url):
    with default_storage.open(unquote(url.removeprefix("/media/"))) as file, Image.open(file) as image:
        return image.format, image.size


def test_the_story_page_lists_stored_renditions_at_the_widths_it_claims(client):
    story = _story(lead_image=_photo(), lead_image_alt="A tram")
    html = client.get(story.get_absolute_url()).content.decode()
    figure = re.search(r'<figure class="lead-image">(.*?)</figure>', html, re.S).group(1)
    sources = dict(re.findall(r'<source type="([^"]+)" srcset="([^"]+)"', figure))
    assert list(sources) == ["image/avif", "image/webp"]
    img = re.search(r"<img [^>]+>", figure).group(0)
    assert 'width="1600" height="900"' in img
    assert "loading=" not in img  # the first image a reader sees loads at once
    own = re.search(r'srcset="([^"]+)"', img).group(1)
    for kind, srcset in [*sources.items(), ("image/jpeg", own)]:
        candidates = [c.split() for c in srcset.split(", ")]
        assert [w for _, w in candidates] == ["400w", "800w", "1200w", "1600w"]
        for url, w in candidates:
            assert _stored(url)
            found, (width, height) = _size(url)
            assert f"image/{found.lower()}" == kind
            assert (f"{width}w", height) == (w, round(width * 900 / 1600))


def test_an_image_is_never_made_larger(client):
    story = _story(lead_image=_photo(1000, 500), lead_image_alt="A tram")
    html = client.get(story.get_absolute_url()).content.decode()
    assert "1000w" in html and "1200w" not in html.split("<figure")[1].split("</figure>")[0]


@pytest.mark.parametrize("focus", [(95, 50), (5, 50)])
def test_a_crop_keeps_the_focal_point(focus):
    # A wide picture whose subject is near one edge: the centre crop would cut it off.
    width, height = 3200, 900
    subject = (width * focus[0] // 100, height // 2)
    story = _story(
        lead_image=_photo(width, height, mark_at=subject),
        lead_image_alt="A tram",
        lead_image_focus_x=focus[0],
        lead_image_focus_y=focus[1],
    )
    for shape, url in renditions.social_urls(story.lead_image.name, focus, default_storage).items():
        with default_storage.open(unquote(url.removeprefix("/media/"))) as file, Image.open(file) as crop:
            reds = [p for p in crop.convert("RGB").get_flattened_data() if p[0] > 200 and p[1] < 60 and p[2] < 60]
            assert reds, f"the {shape} crop lost the subject"


def test_saving_again_without_a_new_image_makes_none():
    story = _story(lead_image=_photo(), lead_image_alt="A tram")
    assert renditions.make(story.lead_image.name, default_storage, images.focus_of(story)) == []


def test_cards_and_the_lead_use_16_by_9_crops_and_only_the_first_loads_at_once(client):
    _story("Older story", hours_ago=5, lead_image=_photo(), lead_image_alt="Older")
    _story("Newest story", hours_ago=1, lead_image=_photo(), lead_image_alt="Newest")
    html = client.get("/").content.decode()
    cards = re.findall(r'<article class="card([^"]*)".*?</article>', html, re.S)
    assert cards[0].startswith(" lead")
    imgs = re.findall(r'<img class="card-image"[^>]+>', html)
    assert 'width="1600" height="900"' in imgs[0] and "loading" not in imgs[0]
    assert 'loading="lazy"' in imgs[1] and 'decoding="async"' in imgs[1]
    assert all(_stored(u.split()[0]) for u in re.findall(r'srcset="([^"]+)"', html)[0].split(", "))


def test_the_newest_story_leads_the_front_page_with_its_image(client):
    _story("Older story", hours_ago=5)
    _story("Newest story", hours_ago=1, lead_image=_photo(), lead_image_alt="Newest")
    html = client.get("/").content.decode()
    lead = re.search(r'<article class="card lead has-image".*?</article>', html, re.S).group(0)
    assert "Newest story" in lead and "<picture>" in lead
    assert html.index("Newest story") < html.index("Older story")


def test_a_section_page_does_not_repeat_the_section_on_its_cards(client):
    city = SectionFactory(name="City", slug="city")
    _story("Tram line approved", section=city)
    html = client.get("/section/city/").content.decode()
    feed = html.split('<div class="feed">')[1]
    assert '<a href="/section/city/">City</a>' not in feed
    assert "Tram line approved" in feed


def test_an_author_page_does_not_repeat_the_author_on_its_cards(client):
    ann = UserFactory(username="ann", first_name="Ann", last_name="Lee")
    _story("Tram line approved", authors=[ann])
    html = client.get(f"/authors/{ann.profile.slug}/").content.decode()
    assert "Ann Lee" not in html.split('<div class="feed">')[1]


def test_a_filtered_front_page_says_what_it_is_filtered_by(client):
    SectionFactory(name="City", slug="city")
    html = client.get("/", {"section": "city", "q": "tram", "since": "2026-03-03"}).content.decode()
    assert "<h1>Stories in City matching “tram” from Mar 3, 2026</h1>" in html


def test_a_front_page_filtered_by_a_tag_names_the_tag_as_the_newsroom_wrote_it(client):
    TagFactory(name="Night buses", slug="night-buses")
    html = client.get("/", {"tag": "night-buses"}).content.decode()
    assert "<h1>Stories tagged “Night buses”</h1>" in html
    html = client.get("/", {"tag": "no-such-tag"}).content.decode()
    assert "<h1>Stories tagged “no-such-tag”</h1>" in html  # what the reader asked for, as asked
