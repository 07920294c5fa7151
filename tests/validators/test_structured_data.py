"""extruct (the structured-data extractor from PyPI) reads every story page of the demo as a crawler does: one
NewsArticle (a LiveBlogPosting for the story covered live) with a headline, images, both dates, an author and a
publisher with its logo; and the Open Graph card that social networks read."""

from urllib.parse import urlsplit

import extruct
from django.core.files.storage import default_storage

REQUIRED = ("headline", "image", "datePublished", "dateModified", "author", "publisher")
# A story covered live is a LiveBlogPosting instead (Google's markup for live coverage; an Article in schema.org,
# not a NewsArticle), which must carry the same properties.
ARTICLE_TYPES = {"NewsArticle", "LiveBlogPosting"}


def _read(client, path) -> dict:
    html = client.get(path).content.decode()
    return extruct.extract(html, base_url=f"https://news.example.com{path}", syntaxes=["json-ld", "opengraph"])


def _stored(url) -> bool:
    name = urlsplit(url).path.removeprefix("/media/")
    return default_storage.exists(name)


def test_every_story_page_is_a_complete_news_article(client, demo):
    checked = 0
    for path in demo["stories"]:
        found = _read(client, path)
        (article,) = [item for item in found["json-ld"] if item.get("@type") in ARTICLE_TYPES]
        missing = [key for key in REQUIRED if not article.get(key)]
        assert not missing, f"{path}: no {missing}"
        assert article["url"] == f"https://news.example.com{path}"
        assert article["dateModified"] >= article["datePublished"]
        assert all(author["@type"] in {"Person", "Organization"} and author["name"] for author in article["author"])
        assert article["publisher"]["logo"]["url"].endswith("/static/img/publisher-logo.png")
        assert all(url.startswith("https://news.example.com/") for url in article["image"])
        (card,) = found["opengraph"]
        properties = dict(card["properties"])
        assert properties["og:type"] == "article"
        assert properties["og:image"] == article["image"][0]
        checked += article["@type"] == "NewsArticle"
    # Every story but the one the demo covers live.
    assert checked == len(demo["stories"]) - 1 >= 10


def test_the_story_with_a_lead_image_lists_its_three_stored_crops(client, demo):
    (article,) = [
        i for i in _read(client, demo["reader"]["story-with-image"])["json-ld"] if i["@type"] == "NewsArticle"
    ]
    assert len(article["image"]) == 3
    assert [url.rsplit(".", 2)[-2] for url in article["image"]] == ["1200x675", "1200x900", "1200x1200"]
    assert all(_stored(url) for url in article["image"])


def test_every_list_page_has_a_card_with_an_image_and_a_description(client, demo):
    for name in ("home", "section", "tag", "author", "corrections"):
        (card,) = _read(client, demo["reader"][name])["opengraph"]
        properties = dict(card["properties"])
        assert properties["og:image"].endswith("/static/img/social-default.png"), name
        assert properties["og:description"], name
        assert properties["og:locale"] == "en_US", name
