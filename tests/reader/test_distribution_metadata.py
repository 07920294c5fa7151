"""What machines take from a page: the image, author and publisher of a story's NewsArticle, social cards on
every page, descriptions of the lists, and the renditions of a lead image."""

import io
import json
import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from stories import images, renditions
from tests.factories import SectionFactory, StoryFactory, TagFactory, UserFactory

pytestmark = pytest.mark.django_db
SITE = "https://news.example"


@pytest.fixture(autouse=True)
def _site(settings, tmp_path):
    settings.SITE_URL = SITE
    settings.MEDIA_ROOT = tmp_path


def _ld(html):
    match = re.search(r'<script type="application/ld\+json" nonce="[^"]+">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def _meta(html, key):
    """The content of every <meta property|name=key>."""
    return re.findall(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)">', html)


def _photo(width=1600, height=900, name="tram.jpg", kind="JPEG"):
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 60)).save(out, kind)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def test_a_story_without_a_byline_is_by_the_newsroom_and_shows_the_default_image(client):
    story = StoryFactory(published=True, authors=[])
    html = client.get(story.get_absolute_url()).content.decode()
    data = _ld(html)
    assert data["author"] == [{"@type": "Organization", "name": "Newsroom", "url": f"{SITE}/"}]
    default = f"{SITE}/static/img/social-default.png"
    assert data["image"] == [default]
    assert _meta(html, "og:image") == [default]
    assert _meta(html, "twitter:image") == [default]
    assert _meta(html, "twitter:card") == ["summary_large_image"]


def test_the_publisher_has_its_logo(client):
    story = StoryFactory(published=True)
    publisher = _ld(client.get(story.get_absolute_url()).content.decode())["publisher"]
    assert publisher["@type"] == "Organization"
    assert publisher["logo"] == {
        "@type": "ImageObject",
        "url": f"{SITE}/static/img/publisher-logo.png",
        "width": 600,
        "height": 60,
    }


def test_the_default_images_have_the_sizes_they_claim(settings):
    static = settings.PACKAGE_DIR / "static" / "img"
    with Image.open(static / "social-default.png") as image:
        assert (image.format, image.size) == ("PNG", (1200, 675))
    with Image.open(static / "publisher-logo.png") as image:
        assert image.format == "PNG" and image.width <= 600 and image.height <= 60


def _stored_story(**fields):
    """A published story whose lead image was saved and its renditions made, as the desk's save does."""
    story = StoryFactory(published=True, lead_image=_photo(), lead_image_alt="A tram on the bridge", **fields)
    renditions.make(story.lead_image.name, default_storage, images.focus_of(story))
    return story


def test_a_lead_image_gives_three_1200_pixel_crops_stored_next_to_it(client):
    story = _stored_story()
    html = client.get(story.get_absolute_url()).content.decode()
    data = _ld(html)
    stem = story.lead_image.name.rsplit(".", 1)[0]
    names = [f"{stem}_jpg.50-50.1200x675.jpg", f"{stem}_jpg.50-50.1200x900.jpg", f"{stem}_jpg.50-50.1200x1200.jpg"]
    assert data["image"] == [SITE + default_storage.url(name) for name in names]
    sizes = []
    for name in names:
        with default_storage.open(name) as file, Image.open(file) as image:
            sizes.append(image.size)
    assert sizes == [(1200, 675), (1200, 900), (1200, 1200)]
    # The social card uses the wide one.
    assert _meta(html, "og:image") == [data["image"][0]]
    assert _meta(html, "og:image:alt") == ["A tram on the bridge"]


def test_the_crops_follow_the_focal_point(client):
    story = _stored_story(lead_image_focus_x=90, lead_image_focus_y=20)
    data = _ld(client.get(story.get_absolute_url()).content.decode())
    assert [url.rsplit("/", 1)[1].split(".", 2)[1] for url in data["image"]] == ["90-20"] * 3
    assert all(default_storage.exists(url.removeprefix(SITE + "/media/")) for url in data["image"])


def test_renditions_are_made_once():
    story = StoryFactory(published=True, lead_image=_photo(), lead_image_alt="A tram")
    name = story.lead_image.name
    made = renditions.make(name, default_storage)
    assert sorted(made) == sorted(renditions.names(name, 1600, 900))
    assert renditions.make(name, default_storage) == []


def test_an_animation_and_a_small_image_give_png_and_upscaled_crops():
    out = io.BytesIO()
    frames = [Image.new("P", (300, 200), i) for i in range(3)]
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    name = default_storage.save("lead-images/spin.gif", io.BytesIO(out.getvalue()))
    made = renditions.make(name, default_storage)
    social = ["lead-images/spin_gif.50-50.1200x675.png", "lead-images/spin_gif.50-50.1200x900.png"]
    assert set(social) <= set(made)
    with default_storage.open("lead-images/spin_gif.50-50.1200x1200.png") as file, Image.open(file) as image:
        assert (image.format, image.size) == ("PNG", (1200, 1200))
    # Its whole picture is not made larger than it is: 300 px wide at most.
    assert {n for n in made if ".300w." in n} == {f"lead-images/spin_gif.300w.{e}" for e in ("avif", "webp", "png")}
    assert not any(".400w." in n for n in made)


def test_a_missing_original_still_renders_the_page(client):
    story = StoryFactory(published=True, lead_image=_photo(), lead_image_alt="A tram")
    default_storage.delete(story.lead_image.name)
    assert client.get(story.get_absolute_url()).status_code == 200


def test_renditions_go_with_their_original(django_capture_on_commit_callbacks):
    story = _stored_story()
    replaced = story.lead_image
    name = replaced.name
    story.lead_image = ""
    story.save()
    with django_capture_on_commit_callbacks(execute=True):
        images.delete_if_unused_on_commit(replaced)
    assert not default_storage.exists(name)
    assert not any(default_storage.exists(n) for n in renditions.names(name, 1600, 900))
    assert default_storage.listdir(name.rsplit("/", 1)[0])[1] == []


@pytest.mark.parametrize("page", ["home", "section", "tag", "author", "corrections"])
def test_every_list_describes_itself_and_offers_a_large_card(client, page):
    section = SectionFactory(name="City", slug="city", description="")
    tag = TagFactory(name="Transport", slug="transport")
    author = UserFactory(username="ann", first_name="Ann", last_name="Lee")
    story = StoryFactory(published=True, section=section, authors=[author])
    story.tags.add(tag)
    path = {
        "home": "/",
        "section": "/section/city/",
        "tag": "/tag/transport/",
        "author": f"/authors/{author.profile.slug}/",
        "corrections": "/corrections/",
    }[page]
    html = client.get(path).content.decode()
    (description,) = _meta(html, "description")
    assert len(description) > 20
    assert _meta(html, "og:description") == [description]
    assert _meta(html, "robots") == ["max-image-preview:large"]
    assert _meta(html, "og:locale") == ["en_US"]
    assert _meta(html, "og:image") == [f"{SITE}/static/img/social-default.png"]
    assert _meta(html, "twitter:card") == ["summary_large_image"]


def test_a_section_is_described_by_its_own_words(client):
    SectionFactory(name="City", slug="city", description="Council, courts and transport.")
    html = client.get("/section/city/").content.decode()
    assert _meta(html, "description") == ["Council, courts and transport."]


def test_pages_robots_may_not_index_keep_noindex(client):
    assert _meta(client.get("/search/?q=x").content.decode(), "robots") == ["noindex"]
    assert _meta(client.get("/no-such-page/").content.decode(), "robots") == ["noindex"]


_JSON_TEXT = st.text(alphabet=st.sampled_from("aé <>&/\"\\'\n\t\x00\x1f\u2028\u2029😀"), max_size=12)
_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | _JSON_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_JSON_TEXT, inner, max_size=4),
    max_leaves=12,
)


@given(_JSON_VALUES)
def test_structured_data_is_the_standard_librarys_json_with_a_scripts_escapes(value):
    from stories.metadata import ld_json

    written = ld_json(value)
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert written == expected.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")
    assert "</script" not in written.lower() and json.loads(written) == value
