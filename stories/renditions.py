"""Renditions of a lead image: the sizes and shapes readers' browsers and machines ask for, made once.

A reader's browser picks from a `srcset` the smallest file that fills the space the page gives the image; a
phone should not download the 1,600-pixel original to show it 350 pixels wide. So each lead image is stored with:

- its whole picture at several widths (`WIDTHS`, never wider than the original), for the story page;
- a 16:9 crop at the same widths, for the front page's lead story and the story cards of every list;
- the three 1,200-pixel crops (16:9, 4:3, 1:1) Google lists in structured data and social networks show;

each width (not the social crops) in AVIF and WebP, and in the original's own format for browsers that read
neither. Every crop keeps the story's focal point (`lead_image_focus_x`, `lead_image_focus_y`, in percent from
the left and the top) inside it: pilkit's `ResizeToFill` places the crop by an anchor, and the anchor at the
focal point's fraction always leaves that point within the crop.

Pixels are resized, cropped, turned upright (EXIF orientation) and converted for each format by pilkit, the
processors under django-imagekit; this module only decides which files exist and what they are called. The
names are worked out from the image's name, size and focal point alone, so a reader page lists them without
touching the storage or the database: "lead-images/2026/03/tram.jpg" (1,600 × 1,000) has
"lead-images/2026/03/tram_jpg.800w.webp" (its whole picture, 800 px wide) and
"lead-images/2026/03/tram_jpg.50-50.800x450.avif" (the 16:9 crop about the centre). The original's extension
is part of the prefix, so "tram.jpg" and "tram.png" in one folder never share a rendition. An upload's name has
one dot (`images.named_for_its_format`), so no upload takes a rendition's name.

Renditions are made once, after the save that stores the image commits (`make_on_commit`); a new focal point
makes the crops it needs and the crops of the old one go. Replacing or clearing the image deletes them all.
Making them is a background task (`make_renditions`, see `stories.tasks`): under `make run` it runs at once, in
production a worker makes them off the editor's request and tries again when the storage fails.
`manage.py make_renditions` makes whatever is missing for every story (after a restore or a storage move).
"""

import io
import logging
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.tasks import task
from PIL import Image, features
from pilkit.processors import Resize, ResizeToFill, Transpose
from pilkit.utils import process_image

from stories.tasks import retry_later

logger = logging.getLogger(__name__)

# The widths a browser may choose from, in pixels. 1,600 covers the widest space a page gives an image (the
# front page's lead at 1,280 CSS pixels less margins) on a screen of two device pixels to the CSS pixel, nearly.
WIDTHS = (400, 800, 1200, 1600)
# The shape of the front page's lead image and of the cards' pictures.
WIDE = (16, 9)
# Google's three shapes, 1,200 px wide, for structured data; the first is every social card's.
SOCIAL = {"16x9": (1200, 675), "4x3": (1200, 900), "1x1": (1200, 1200)}
# Best first: a <picture> offers them in this order and a browser takes the first it reads. AVIF when this
# Pillow writes it (its wheels do from 11.3), WebP always.
MODERN_FORMATS = ("AVIF", "WEBP") if features.check("avif") else ("WEBP",)
MIME_TYPES = {"AVIF": "image/avif", "WEBP": "image/webp", "JPEG": "image/jpeg", "PNG": "image/png"}
EXTENSIONS = {"AVIF": "avif", "WEBP": "webp", "JPEG": "jpg", "PNG": "png"}
# The format of the fallback renditions, by the original's extension (an animation gives its first frame).
FALLBACK_FORMATS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "gif": "PNG"}
# Encoder settings: AVIF at speed 8 encodes a 1,600-pixel picture in a fifth of a second on one core.
OPTIONS = {
    "AVIF": {"quality": 55, "speed": 8},
    "WEBP": {"quality": 80, "method": 4},
    "JPEG": {"quality": 82, "optimize": True, "progressive": True},
    "PNG": {"optimize": True},
}
CENTRE = 50


@dataclass(frozen=True)
class Rendition:
    """One file made from a lead image: its storage name, size and format; `crop` when it is cut to a shape."""

    name: str
    width: int
    height: int
    format: str
    crop: bool
    focus: tuple[int, int] = (CENTRE, CENTRE)

    @property
    def mime_type(self) -> str:
        return MIME_TYPES[self.format]


def prefix(name: str) -> str:
    """The part every rendition's name of the image `name` starts with: its name with "_<extension>"."""
    folder, _, own = name.rpartition("/")
    stem, dot, extension = own.rpartition(".")
    own = f"{stem}_{extension.lower()}" if stem and dot else own
    return f"{folder}/{own}" if folder else own


def fallback_format(name: str) -> str:
    return FALLBACK_FORMATS.get(name.rpartition(".")[2].lower(), "JPEG")


def _widths(largest: int) -> list[int]:
    """The widths of `WIDTHS` narrower than `largest`, and `largest` itself up to the widest: never upscaled."""
    return [w for w in WIDTHS if w < largest] + [min(largest, WIDTHS[-1])]


def _formats(name: str) -> list[str]:
    fallback = fallback_format(name)
    return [*MODERN_FORMATS, *([fallback] if fallback not in MODERN_FORMATS else [])]


def whole(name: str, width: int, height: int) -> list[Rendition]:
    """The whole picture of the image `name` (upright, `width` × `height`) at each width, in each format."""
    return [
        Rendition(f"{prefix(name)}.{w}w.{EXTENSIONS[kind]}", w, max(1, round(w * height / width)), kind, False)
        for kind in _formats(name)
        for w in _widths(width)
    ]


def _crop_name(name, w, h, kind, focus) -> str:
    return f"{prefix(name)}.{focus[0]}-{focus[1]}.{w}x{h}.{EXTENSIONS[kind]}"


def wide(name: str, width: int, height: int, focus=(CENTRE, CENTRE)) -> list[Rendition]:
    """The 16:9 crop of the image `name` about `focus`, at each width it fills without upscaling, in each format."""
    across, down = WIDE
    largest = max(1, min(width, height * across // down))
    return [
        Rendition(_crop_name(name, w, h, kind, focus), w, h, kind, True, focus)
        for kind in _formats(name)
        for w in _widths(largest)
        for h in [max(1, round(w * down / across))]
    ]


def social(name: str, focus=(CENTRE, CENTRE)) -> dict[str, Rendition]:
    """Google's three crops of the image `name` about `focus`, 1,200 px wide (a smaller original is scaled up to
    the width Google asks for), in the original's format, by shape."""
    kind = fallback_format(name)
    return {
        shape: Rendition(_crop_name(name, w, h, kind, focus), w, h, kind, True, focus)
        for shape, (w, h) in SOCIAL.items()
    }


def planned(name: str, width: int, height: int, focus=(CENTRE, CENTRE)) -> list[Rendition]:
    """Every rendition the image `name` (upright, `width` × `height`) has with its focal point at `focus`."""
    found = {}
    for rendition in [*whole(name, width, height), *wide(name, width, height, focus), *social(name, focus).values()]:
        found.setdefault(rendition.name, rendition)  # the 16:9 crop at 1,200 px is also the social card's
    return list(found.values())


def names(name: str, width: int, height: int, focus=(CENTRE, CENTRE)) -> list[str]:
    return [rendition.name for rendition in planned(name, width, height, focus)]


# --- Making and deleting them -----------------------------------------------------------------------------------


def _upright(file) -> Image.Image:
    """The first frame of the image in `file`, turned as its EXIF orientation says, in RGB(A)."""
    with Image.open(file) as image:
        image.seek(0)
        image.load()
        turned = Transpose(Transpose.AUTO).process(image)
        if turned.mode not in ("RGB", "RGBA"):
            transparent = "transparency" in turned.info or turned.mode in ("RGBA", "LA", "PA", "P")
            turned = turned.convert("RGBA" if transparent and _has_alpha(turned) else "RGB")
        return turned.copy()


def _has_alpha(image) -> bool:
    if image.mode in ("LA", "PA", "RGBA"):
        return True
    return "transparency" in image.info


def upright_size(file) -> tuple[int, int]:
    """(width, height) of the image in `file` as readers see it (EXIF orientation applied), from its header."""
    file.seek(0)
    with Image.open(file) as image:
        width, height = image.size
        orientation = image.getexif().get(0x0112, 1)
    file.seek(0)
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def _encode(picture, rendition: Rendition) -> bytes:
    if rendition.crop:
        anchor = (rendition.focus[0] / 100, rendition.focus[1] / 100)
        processors = [ResizeToFill(rendition.width, rendition.height, anchor=anchor)]
    else:
        processors = [Resize(rendition.width, rendition.height)]
    out = process_image(picture, processors, rendition.format, options=OPTIONS[rendition.format])
    return out.read()


def make(name: str, storage, focus=(CENTRE, CENTRE)) -> list[str]:
    """Make the renditions of the lead image `name` that the storage lacks; the names made.

    A rendition already stored is left as it is: each is made once.
    """
    with storage.open(name, "rb") as original:
        content = io.BytesIO(original.read())
    width, height = upright_size(content)
    missing = [r for r in planned(name, width, height, focus) if not storage.exists(r.name)]
    if not missing:
        return []
    picture = _upright(content)
    made = []
    for rendition in missing:
        made.append(storage.save(rendition.name, ContentFile(_encode(picture, rendition))))
    return made


def ensure(name: str, storage, focus=(CENTRE, CENTRE)) -> bool:
    """Make any missing rendition of `name` now; False (logged) when the original cannot be read."""
    try:
        make(name, storage, focus)
    except Exception:  # a missing or unreadable original: pages show the original (or nothing) instead
        logger.warning("Could not make the renditions of the lead image %s", name, exc_info=True)
        return False
    return True


def make_on_commit(name: str, storage, focus=(CENTRE, CENTRE)) -> None:
    """Once the current transaction commits, make the renditions of a newly saved lead image (or focal point):
    queued as the `make_renditions` task for the shared (default) storage, made at once for any other."""
    if not name:
        return
    if storage is default_storage:
        transaction.on_commit(lambda: make_renditions.enqueue(name=name, focus=list(focus)), robust=True)
    else:
        transaction.on_commit(lambda: ensure(name, storage, focus), robust=True)


@task
def make_renditions(name: str, focus: list[int], attempt: int = 1) -> list[str]:
    """Make the renditions of the lead image `name` the default storage lacks; the names made.

    An image deleted or replaced before the task ran has nothing to make. A storage that fails (the bucket out
    of reach) is tried again later, like every task (`stories.tasks`); readers see the original meanwhile.
    """
    if not default_storage.exists(name):
        return []
    try:
        return make(name, default_storage, tuple(focus))
    except Exception:
        again = retry_later(make_renditions, attempt, name=name, focus=list(focus))
        logger.exception(
            "Could not make the renditions of %s (attempt %s of %s)%s",
            name,
            attempt,
            settings.TASK_ATTEMPTS,
            "; it will be tried again" if again else "",
        )
        raise


def _stored(name: str, storage) -> list[str]:
    """The names of the renditions of `name` in the storage (whatever their size or focal point)."""
    folder, _, own = prefix(name).rpartition("/")
    try:
        _, files = storage.listdir(folder)
    except FileNotFoundError:
        return []
    return [f"{folder}/{file}" if folder else file for file in files if file.startswith(own + ".")]


def delete(name: str, storage) -> None:
    """Delete every rendition of the lead image `name`."""
    for found in _stored(name, storage):
        storage.delete(found)


def delete_crops(name: str, storage, focus) -> None:
    """Delete the crops of the lead image `name` about `focus` (its focal point moved)."""
    marker = f".{focus[0]}-{focus[1]}."
    own = PurePosixPath(prefix(name)).name
    for found in _stored(name, storage):
        if PurePosixPath(found).name.startswith(own + marker):
            storage.delete(found)


# --- What a page lists ---------------------------------------------------------------------------------------


def _srcset(base: str, choices: list[Rendition], cut: int) -> str:
    return ", ".join(f"{base}{r.name[cut:]} {r.width}w" for r in choices)


def picture(name: str, width, height, focus, storage, *, shape: str) -> dict | None:
    """What a <picture> of the image `name` lists: a `srcset` for each modern format (`sources`, best first), and
    the `<img>`'s own `src`, `srcset`, `width` and `height` in the original's format. `shape` is "whole" (the
    story page) or "wide" (the 16:9 crop about `focus`: the front page's lead and the cards).

    None for an image of unknown size (stored before sizes were kept, or unreadable): pages show the original.
    No I/O: one address is asked of the storage, the others follow from it.
    """
    if not (name and width and height):
        return None
    focus = tuple(focus)
    found = whole(name, width, height) if shape == "whole" else wide(name, width, height, focus)
    own = prefix(name)
    base, cut = storage.url(own), len(own)  # rendition names add only [0-9a-z.-] to the prefix: nothing to quote
    by_format: dict[str, list[Rendition]] = {}
    for rendition in found:
        by_format.setdefault(rendition.format, []).append(rendition)
    fallback = by_format.pop(fallback_format(name), None) or by_format[MODERN_FORMATS[-1]]
    largest = fallback[-1]
    return {
        "sources": [
            {"type": MIME_TYPES[kind], "srcset": _srcset(base, by_format[kind], cut)}
            for kind in MODERN_FORMATS
            if kind in by_format
        ],
        "src": base + largest.name[cut:],
        "srcset": _srcset(base, fallback, cut),
        "width": largest.width,
        "height": largest.height,
    }


def social_urls(name: str, focus, storage) -> dict[str, str]:
    """The address of each of Google's crops of the image `name` about `focus`, by shape (no I/O)."""
    own = prefix(name)
    base, cut = storage.url(own), len(own)
    return {shape: base + rendition.name[cut:] for shape, rendition in social(name, tuple(focus)).items()}
