"""Draw the site's default social image and the publisher logo (newsroom/static/img/), once; the PNGs are committed.

    .venv/bin/python scripts/make_social_images.py

The default social image (1200 × 675, 16:9) stands for a story without a lead image and for every list page in
og:image, twitter:image and the NewsArticle's `image`; the logo (600 × 60, the most Google accepts for a
publisher logo) is the publisher's `logo` in structured data. Both carry the mark of newsroom/static/img/icon.svg.
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ACCENT = (155, 28, 28)  # --accent of newsroom/static/css/site.css
INK = (17, 17, 17)
PAPER = (255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "newsroom" / "static" / "img"


def mark(draw, x, y, size):
    """The icon: a rounded accent square with a white N."""
    draw.rounded_rectangle((x, y, x + size, y + size), radius=size * 6 // 32, fill=ACCENT)
    s = size / 32
    n = [(9, 23), (9, 9), (12, 9), (20, 18.5), (20, 9), (23, 9), (23, 23), (20, 23), (12, 13.5), (12, 23)]
    draw.polygon([(x + px * s, y + py * s) for px, py in n], fill=PAPER)


def social():
    image = Image.new("RGB", (1200, 675), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 627, 1200, 675), fill=ACCENT)
    mark(draw, 150, 237, 200)
    draw.text((400, 337), "Newsroom", font=ImageFont.load_default(size=150), fill=INK, anchor="lm")
    image.save(OUT / "social-default.png", optimize=True)


def logo():
    image = Image.new("RGB", (600, 60), PAPER)
    draw = ImageDraw.Draw(image)
    mark(draw, 6, 6, 48)
    draw.text((66, 30), "Newsroom", font=ImageFont.load_default(size=44), fill=INK, anchor="lm")
    image.save(OUT / "publisher-logo.png", optimize=True)


if __name__ == "__main__":
    social()
    logo()
