"""Lead images: what an upload must be before it is stored, and when a stored file goes.

A lead image is shown to every reader and handed to feed readers and social
networks, so an upload is checked by its content, not its name or the type the
browser claims:

- at most `LEAD_IMAGE_MAX_BYTES` bytes;
- a JPEG, PNG, WebP or GIF image, as Pillow reads it with only those four
  decoders (a PDF, SVG or HTML file named `.jpg` is none of them);
- at most `LEAD_IMAGE_MAX_PIXELS` pixels, counted over every frame of an
  animation: the size in its header is what a browser will decode, however
  small the file (a decompression bomb);
- named with an extension of its real format, so that it is stored and served
  as what it is.

`validate_lead_image` is the model field's validator, so every ModelForm (and
`full_clean`) runs it. The admin's story form uses `LeadImageFormField`, which
also says in plain words why Pillow itself refused a file, and renames an upload
to its real format's extension before the validator sees it.

Each lead image also has renditions (stories.renditions): its picture at several widths and formats for reader
pages, and crops about its focal point for the front page, the cards, structured data and social cards; made
once its save commits and stored next to it.

A replaced or cleared file (and its renditions) is deleted once the save has committed, unless a
story still refers to it (`delete_if_unused_on_commit`). Revisions keep old
file names without keeping the files alive: restoring one whose file is gone
brings the story back without a lead image (`drop_missing_lead_image`), never
with a broken one.
"""

import logging
import warnings
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from PIL import Image

from . import renditions

logger = logging.getLogger(__name__)

# Pillow's name of each accepted format, and the extensions a file of it may carry (the first is the one
# an upload is renamed to). MPO is how Pillow names a JPEG with a second picture inside (many phone cameras).
EXTENSIONS = {
    "JPEG": ("jpg", "jpeg"),
    "MPO": ("jpg", "jpeg"),
    "PNG": ("png",),
    "WEBP": ("webp",),
    "GIF": ("gif",),
}
# The only decoders that ever see an upload.
DECODERS = ("JPEG", "PNG", "WEBP", "GIF")

NOT_AN_IMAGE = "Upload a JPEG, PNG, WebP or GIF image. This file is not one of those, or it is damaged."
# Fields of a story that describe its lead image, dropped with it.
IMAGE_FIELDS = ("lead_image", "lead_image_alt", "lead_image_caption")


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:,.1f} megapixels"


def _too_many_pixels() -> ValidationError:
    limit = _megapixels(settings.LEAD_IMAGE_MAX_PIXELS)
    return ValidationError(
        f"This image has far too many pixels; a lead image may have at most {limit}.", code="too_many_pixels"
    )


def _read(upload):
    """(format, width, height, frames) of an image file, or a ValidationError saying why it is refused."""
    limit = settings.LEAD_IMAGE_MAX_PIXELS
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow warns between its own limit and twice that: the size read here says how many pixels, and is
            # checked against ours (which is lower) before anything is decoded. Past twice its limit it refuses.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(upload, formats=DECODERS) as image:
                image.verify()
                width, height = image.size
                if width * height > limit:
                    return image.format, width, height, 1
            # verify() leaves the image unusable: open it again to count the frames of an animation.
            upload.seek(0)
            with Image.open(upload, formats=DECODERS) as image:
                return image.format, width, height, getattr(image, "n_frames", 1)
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels() from exc
    except Exception as exc:  # Pillow raises many kinds of error for a file that is not an image it reads
        raise ValidationError(NOT_AN_IMAGE, code="not_an_image") from exc
    finally:
        upload.seek(0)


def validate_lead_image(value):
    """Refuse an upload that is too large, not a JPEG, PNG, WebP or GIF, or named for another format.

    Only a new upload is read: a file already stored passed these checks when it came in.
    """
    upload = getattr(value, "file", None) if not getattr(value, "_committed", True) else None
    if upload is None:
        return
    max_bytes = settings.LEAD_IMAGE_MAX_BYTES
    if value.size > max_bytes:
        raise ValidationError(
            f"This file is {filesizeformat(value.size)}; a lead image may be at most {filesizeformat(max_bytes)}.",
            code="too_large",
        )
    kind, width, height, frames = _read(upload)
    limit = settings.LEAD_IMAGE_MAX_PIXELS
    if width * height * frames > limit:
        size = f"{width:,} × {height:,} pixels"
        shown = f"{frames:,} frames of {size}" if frames > 1 else size
        raise ValidationError(
            f"This image is {shown} ({_megapixels(width * height * frames)}); "
            f"a lead image may have at most {_megapixels(limit)}.",
            code="too_many_pixels",
        )
    extension = PurePath(value.name).suffix.lower().lstrip(".")
    if extension not in EXTENSIONS[kind]:
        raise ValidationError(
            f"This file is a {_label(kind)} image but its name ends in “.{extension}”: "
            f"name it “.{EXTENSIONS[kind][0]}”.",
            code="wrong_extension",
        )


def _label(kind: str) -> str:
    return {"MPO": "JPEG", "WEBP": "WebP"}.get(kind, kind)


def named_for_its_format(name: str, kind: str | None) -> str:
    """`name` with the extension of the image format `kind` (Pillow's name for it) in place of any it had.

    Everything after the first dot goes, so that "photo.php.jpg" cannot be read as a script by a misconfigured
    server. Unknown formats keep their name (the validator refuses them).
    """
    if kind not in EXTENSIONS:
        return name
    stem = PurePath(name).name.split(".", 1)[0] or "lead-image"
    return f"{stem}.{EXTENSIONS[kind][0]}"


class LeadImageFormField(forms.ImageField):
    """Django's ImageField, saying why a file is refused, and renaming an upload for its real format.

    Django's own field refuses whatever Pillow cannot open with one message ("not an image or a corrupted
    image"), a decompression bomb included, and checks the extension against every format Pillow knows
    (".pdf" among them). Here the name the browser sent does not count: the upload is renamed.
    """

    default_error_messages = {"invalid_image": NOT_AN_IMAGE}
    default_validators = []

    def to_python(self, data):
        try:
            upload = super().to_python(data)
        except ValidationError as exc:
            if isinstance(exc.__cause__, Image.DecompressionBombError):
                raise _too_many_pixels() from exc
            raise
        if upload is not None:
            upload.name = named_for_its_format(upload.name, upload.image.format)
        return upload


def delete_if_unused_on_commit(field_file) -> None:
    """Once the current transaction commits, delete the stored file unless a row still refers to it.

    `field_file` is the FieldFile as it was before a change (a replaced or cleared image).
    Revisions do not count as references (see the module docstring).
    """
    name = getattr(field_file, "name", None)
    if not name:
        return
    field, model, storage = field_file.field, type(field_file.instance), field_file.storage

    def delete():
        if model._default_manager.filter(**{field.attname: name}).exists():
            return
        storage.delete(name)
        renditions.delete(name, storage)
        logger.info("Deleted the lead image %s, which no story uses any more", name)

    # robust: a file that cannot be deleted is logged, and the save it followed stands.
    transaction.on_commit(delete, robust=True)


def delete_replaced_lead_image(form) -> None:
    """After a story form's save: the image it replaced or cleared goes once the save commits."""
    before = form.initial.get("lead_image")
    if before and before.name != form.instance.lead_image.name:
        delete_if_unused_on_commit(before)


def make_renditions_of_new_lead_image(form) -> None:
    """After a story form's save: a new lead image, or a new focal point, gets its renditions once the save
    commits; the crops about the old focal point of the same image go. A save that changes neither makes none."""
    story = form.instance
    before, after = form.initial.get("lead_image"), story.lead_image
    if not after:
        return
    old_focus = (form.initial.get("lead_image_focus_x", 50), form.initial.get("lead_image_focus_y", 50))
    new_image = not before or before.name != after.name
    if new_image or old_focus != focus_of(story):
        make_renditions_on_commit(story)
    if not new_image and old_focus != focus_of(story):
        delete_unused_crops_on_commit(story, old_focus)


def drop_missing_lead_image(values: dict, storage) -> dict:
    """Restored field values without their lead image (and its alt text and caption) when the file is gone."""
    name = str(values.get("lead_image") or "")  # a revision gives back a FieldFile
    if name and not storage.exists(name):
        return {**values, **dict.fromkeys(IMAGE_FIELDS, "")}
    return values


# --- Renditions (stories.renditions): made once a new image or focal point is saved, gone with the image ---------


def focus_of(story) -> tuple[int, int]:
    return (story.lead_image_focus_x, story.lead_image_focus_y)


def make_renditions_on_commit(story) -> None:
    """Once the current transaction commits, make the renditions `story`'s lead image lacks (a new image, or a
    new focal point's crops)."""
    if story.lead_image:
        renditions.make_on_commit(story.lead_image.name, story.lead_image.storage, focus_of(story))


def measure_restored_lead_image(story) -> None:
    """The upright size of a lead image a story takes by name (a restored revision): read from its stored file."""
    if not story.lead_image:
        story.lead_image_width = story.lead_image_height = None
        return
    try:
        with story.lead_image.storage.open(story.lead_image.name, "rb") as file:
            story.lead_image_width, story.lead_image_height = renditions.upright_size(file)
    except Exception:  # unreadable: pages show the original without renditions
        logger.warning("Could not measure the lead image %s", story.lead_image.name, exc_info=True)
        story.lead_image_width = story.lead_image_height = None


def delete_unused_crops_on_commit(story, focus) -> None:
    """Once the current transaction commits, delete the crops of `story`'s image about its old focal point `focus`,
    unless another story shows the same image about it."""
    name, storage, model = story.lead_image.name, story.lead_image.storage, type(story)

    def delete():
        still = model._default_manager.filter(
            lead_image=name, lead_image_focus_x=focus[0], lead_image_focus_y=focus[1]
        ).exists()
        if not still:
            renditions.delete_crops(name, storage, focus)

    if name:
        transaction.on_commit(delete, robust=True)
