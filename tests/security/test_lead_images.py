"""Lead images: only JPEG, PNG, WebP and GIF by content, within bytes and pixels, stored under their real extension,
and a replaced file deleted once nothing uses it.

Every hostile upload goes through the admin's story form (the message shows next to the field) and through a plain
ModelForm of the story (the model field's validator refuses it there too); nothing of it is stored.
"""

import io
import re
import struct
import zlib
from html import unescape
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms import modelform_factory
from django.urls import reverse
from PIL import Image
from reversion.models import Version

from stories import renditions
from stories.models import Story
from tests.factories import StoryFactory
from tests.story_admin_helpers import change_url, story_form_data

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db,
    # Pillow's own warnings about the files these tests make on purpose (an old format, a bomb's header).
    pytest.mark.filterwarnings("ignore:IM image format is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning"),
]

ADD_URL = "/admin/stories/story/add/"


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.LEAD_IMAGE_MAX_BYTES = 10 * 1024 * 1024
    settings.LEAD_IMAGE_MAX_PIXELS = 40_000_000


def stored_files(root) -> list[Path]:
    return sorted(p for p in Path(root).rglob("*") if p.is_file())


# --- Files, made here --------------------------------------------------------------------------------------------


def saved(kind, size=(8, 6), mode="RGB", **options) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, "navy" if mode == "RGB" else 1).save(buffer, format=kind, **options)
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def blank_png(width, height) -> bytes:
    """A real, decodable black-and-white PNG of any size: its rows compress to almost nothing."""
    row = b"\x00" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def jpeg_claiming(width, height) -> bytes:
    """A small JPEG whose frame header says it is width × height."""
    data = bytearray(saved("JPEG"))
    at = data.index(b"\xff\xc0")
    data[at + 5 : at + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def gif_claiming(width, height) -> bytes:
    data = bytearray(saved("GIF"))
    data[6:10] = struct.pack("<HH", width, height)
    return bytes(data)


def webp_claiming(width, height) -> bytes:
    data = bytearray(
        saved("WEBP", exif=b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x00")
    )  # with EXIF, the file has a VP8X canvas header
    at = data.index(b"VP8X") + 12
    data[at : at + 6] = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return bytes(data)


def animation(kind, frames, size) -> bytes:
    pictures = [Image.new("RGB", size, (i * 37 % 256, i * 91 % 256, i % 256)) for i in range(frames)]
    buffer = io.BytesIO()
    pictures[0].save(buffer, format=kind, save_all=True, append_images=pictures[1:], duration=100)
    return buffer.getvalue()


def mpo() -> bytes:
    buffer = io.BytesIO()
    first, second = Image.new("RGB", (8, 6), "navy"), Image.new("RGB", (8, 6), "red")
    first.save(buffer, format="MPO", save_all=True, append_images=[second])
    return buffer.getvalue()


# Images Pillow reads (so Django's own ImageField took them) that are not JPEG, PNG, WebP or GIF.
OTHER_FORMATS = {
    "AVIF": ("avif", {}),
    "BLP": ("blp", {"mode": "P"}),
    "BMP": ("bmp", {}),
    "DDS": ("dds", {}),
    "DIB": ("dib", {}),
    "EPS": ("eps", {}),
    "ICNS": ("icns", {"size": (16, 16)}),
    "ICO": ("ico", {}),
    "IM": ("im", {}),
    "JPEG2000": ("jp2", {}),
    "MSP": ("msp", {"mode": "1"}),
    "PCX": ("pcx", {}),
    "PPM": ("ppm", {}),
    "QOI": ("qoi", {}),
    "SGI": ("sgi", {}),
    "SPIDER": ("spi", {}),
    "TGA": ("tga", {}),
    "TIFF": ("tiff", {}),
    "XBM": ("xbm", {"mode": "1"}),
}

# Files that are no image at all, some written to run in a browser that takes them for a page.
NOT_IMAGES = {
    "pdf": b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>',
    "html": b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>",
    "xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
    "js": b"alert(1)//",
    "php": b"<?php system($_GET['c']); ?>",
    "txt": b"Just some words about the tram line.",
    "zip": b"PK\x03\x04" + b"\x00" * 26,
    "exe": b"MZ\x90\x00" + b"\x00" * 60,
    "elf": b"\x7fELF\x02\x01\x01" + b"\x00" * 57,
    "empty": b"",
    "gifar": b"GIF89a" + b"<script>alert(1)</script>",
    "png-signature-only": b"\x89PNG\r\n\x1a\n",
    "truncated-png": blank_png(8, 6)[:40],
    "png-bad-crc": blank_png(8, 6)[:-5] + b"\x00\x00\x00\x00\x00",
}
# What each of these would be served as if stored under the name it came with.
MISLEADING_NAMES = ["jpg", "png", "webp", "gif"]


def hostile_uploads():
    cases = []
    for kind, (extension, options) in OTHER_FORMATS.items():
        for suffix in [extension, *MISLEADING_NAMES]:
            cases.append(pytest.param(f"image.{suffix}", (kind, options), id=f"{kind}-as-{suffix}"))
    for label, content in NOT_IMAGES.items():
        for suffix in [label, *MISLEADING_NAMES]:
            cases.append(pytest.param(f"file.{suffix}", content, id=f"{label}-as-{suffix}"))
    return cases


def content_of(source) -> bytes:
    if isinstance(source, bytes):
        return source
    kind, options = source
    options = dict(options)
    return saved(kind, size=options.pop("size", (8, 6)), mode=options.pop("mode", "RGB"), **options)


FAR_TOO_MANY = "This image has far too many pixels"  # past twice Pillow's own limit, it reads no further

# Too large: in bytes, in pixels (however small the file), or in frames.
TOO_LARGE = [
    pytest.param("photo.png", lambda: saved("PNG", size=(2600, 2700), compress_level=0), "at most 10.0 MB", id="20MB"),
    pytest.param("huge.png", lambda: blank_png(12_000, 12_000), "12,000 × 12,000 pixels", id="png-12000x12000"),
    pytest.param("bomb.png", lambda: blank_png(30_000, 30_000), FAR_TOO_MANY, id="png-30000x30000-bomb"),
    pytest.param("claim.jpg", lambda: jpeg_claiming(65_000, 65_000), FAR_TOO_MANY, id="jpeg-claiming-65000x65000"),
    pytest.param("claim.jpg", lambda: jpeg_claiming(8_000, 6_000), "8,000 × 6,000 pixels", id="jpeg-claiming-48MP"),
    pytest.param("claim.gif", lambda: gif_claiming(65_535, 65_535), FAR_TOO_MANY, id="gif-claiming-65535x65535"),
    pytest.param("claim.gif", lambda: gif_claiming(7_000, 7_000), "7,000 × 7,000 pixels", id="gif-claiming-49MP"),
    pytest.param("claim.webp", lambda: webp_claiming(16_384, 16_384), FAR_TOO_MANY, id="webp-claiming-16384x16384"),
    pytest.param(
        "frames.gif", lambda: animation("GIF", 45, (1000, 1000)), "45 frames of 1,000 × 1,000", id="gif-45-frames"
    ),
    pytest.param(
        "frames.png", lambda: animation("PNG", 45, (1000, 1000)), "45 frames of 1,000 × 1,000", id="apng-45-frames"
    ),
    pytest.param(
        "frames.webp", lambda: animation("WEBP", 45, (1000, 1000)), "45 frames of 1,000 × 1,000", id="webp-45-frames"
    ),
]


# --- Sending them ------------------------------------------------------------------------------------------------


def post_to_admin(client, name, content):
    upload = SimpleUploadedFile(name, content, content_type="image/jpeg")
    data = story_form_data(highlights=["One."], title="Pictured", slug="pictured", lead_image_alt="A tram at dusk")
    return client.post(ADD_URL, {**data, "lead_image": upload})


def image_errors_in_admin(response) -> list[str]:
    """The lead image field's errors, as the form shows them right beside the field."""
    assert response.status_code == 200, "the story was saved"
    html = response.content.decode()
    row = re.search(r'<div class="form-row[^"]*field-lead_image[^"]*">(.*?)</div>\s*</div>', html, re.S)
    assert row, "no lead image row"
    errors = re.findall(r'<ul class="errorlist"[^>]*id="id_lead_image_error"[^>]*>(.*?)</ul>', row.group(1), re.S)
    assert errors, "no error next to the lead image field"
    return [unescape(re.sub(r"<[^>]+>", "", e)).replace("\xa0", " ").strip() for e in errors]


def model_form_errors(name, content) -> list[str]:
    form_class = modelform_factory(Story, fields=["title", "slug", "lead_image"])
    form = form_class(
        {"title": "Pictured", "slug": "pictured"},
        {"lead_image": SimpleUploadedFile(name, content, content_type="image/jpeg")},
    )
    assert not form.is_valid()
    return [e.replace("\xa0", " ") for e in form.errors["lead_image"]]


NOT_AN_IMAGE = "Upload a JPEG, PNG, WebP or GIF image. This file is not one of those, or it is damaged."
EMPTY = "The submitted file is empty."


# --- Refused --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "source"), hostile_uploads())
def test_files_that_are_not_jpeg_png_webp_or_gif_are_refused_whatever_their_name(
    client, editor, settings, name, source
):
    content = content_of(source)
    client.force_login(editor)

    errors = image_errors_in_admin(post_to_admin(client, name, content))

    assert errors == [EMPTY if not content else NOT_AN_IMAGE]
    assert not Story.objects.filter(slug="pictured").exists()
    assert stored_files(settings.MEDIA_ROOT) == []
    assert model_form_errors(name, content)  # any ModelForm of the story refuses it too


@pytest.mark.parametrize(("name", "make", "says"), TOO_LARGE)
def test_images_too_large_in_bytes_pixels_or_frames_are_refused(client, editor, settings, name, make, says):
    content = make()
    client.force_login(editor)

    errors = image_errors_in_admin(post_to_admin(client, name, content))

    assert len(errors) == 1
    assert says in errors[0]
    if "MB" not in says:
        assert errors[0].endswith("a lead image may have at most 40.0 megapixels.")
    assert not Story.objects.filter(slug="pictured").exists()
    assert stored_files(settings.MEDIA_ROOT) == []
    assert model_form_errors(name, content)


def test_a_twenty_megabyte_file_is_named_in_megabytes(client, editor):
    client.force_login(editor)
    errors = image_errors_in_admin(post_to_admin(client, "photo.png", saved("PNG", (2600, 2700), compress_level=0)))
    assert errors == ["This file is 20.1 MB; a lead image may be at most 10.0 MB."]


@pytest.mark.parametrize(("extra", "ok"), [(0, True), (1, False)])
def test_the_byte_limit_is_the_setting(client, editor, settings, extra, ok):
    content = saved("PNG", (8, 6))
    settings.LEAD_IMAGE_MAX_BYTES = len(content) - extra
    client.force_login(editor)
    response = post_to_admin(client, "lead.png", content)
    assert (response.status_code == 302) == ok


@pytest.mark.parametrize(("size", "ok"), [((10, 10), True), ((10, 11), False), ((101, 1), False)])
def test_the_pixel_limit_is_the_setting(client, editor, settings, size, ok):
    settings.LEAD_IMAGE_MAX_PIXELS = 100
    client.force_login(editor)
    response = post_to_admin(client, "lead.png", saved("PNG", size))
    assert (response.status_code == 302) == ok


def test_a_plain_model_form_refuses_an_image_named_for_another_format():
    errors = model_form_errors("photo.pdf", saved("JPEG"))
    assert errors == ["This file is a JPEG image but its name ends in “.pdf”: name it “.jpg”."]


# --- Accepted, and stored as what they are -------------------------------------------------------------------------

ACCEPTED = {
    "JPEG": (lambda: saved("JPEG"), "jpg"),
    "MPO": (mpo, "jpg"),
    "PNG": (lambda: saved("PNG"), "png"),
    "APNG": (lambda: animation("PNG", 3, (8, 6)), "png"),
    "WebP": (lambda: saved("WEBP"), "webp"),
    "animated WebP": (lambda: animation("WEBP", 3, (8, 6)), "webp"),
    "GIF": (lambda: saved("GIF"), "gif"),
    "animated GIF": (lambda: animation("GIF", 3, (8, 6)), "gif"),
}
NAMES = ["tram.{own}", "tram.{OWN}", "tram.pdf", "tram.svg", "tram.html", "tram", "tram.php.{own}", ".{own}"]


@pytest.mark.parametrize("kind", ACCEPTED)
@pytest.mark.parametrize("pattern", NAMES)
def test_real_images_are_stored_under_the_extension_of_their_format(client, editor, settings, kind, pattern):
    make, extension = ACCEPTED[kind]
    content = make()
    name = pattern.format(own=extension, OWN=extension.upper())
    client.force_login(editor)

    response = post_to_admin(client, name, content)

    assert response.status_code == 302, image_errors_in_admin(response)
    story = Story.objects.get(slug="pictured")
    stored = Path(story.lead_image.name).name
    assert re.fullmatch(rf"[A-Za-z0-9_-]+\.{extension}", stored), stored
    assert story.lead_image.read() == content
    assert [p.name for p in stored_files(settings.MEDIA_ROOT)] == [stored]


# --- A replaced image goes ------------------------------------------------------------------------------------------


def png(colour="navy") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), colour).save(buffer, format="PNG")
    return SimpleUploadedFile("lead.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def pictured(client, editor, django_capture_on_commit_callbacks):
    """A published story whose lead image was uploaded in the admin."""
    story = StoryFactory(published=True, title="Pictured", slug="pictured")
    client.force_login(editor)
    save(client, story, django_capture_on_commit_callbacks, lead_image=png(), lead_image_alt="A tram")
    assert story.lead_image
    return story


def save(client, story, capture, **fields):
    story.refresh_from_db()
    with capture(execute=True):
        response = client.post(change_url(story), story_form_data(story, **fields))
    assert response.status_code == 302, response.content.decode()[:3000]
    story.refresh_from_db()
    return story


def test_a_replaced_image_is_deleted_once_the_save_commits(
    client, pictured, settings, django_capture_on_commit_callbacks
):
    old = Path(pictured.lead_image.path)
    with django_capture_on_commit_callbacks(execute=False) as pending:
        client.post(change_url(pictured), story_form_data(pictured, lead_image=png("red"), lead_image_alt="A tram"))
    assert old.exists()  # nothing is deleted before the save is committed
    for callback in pending:
        callback()
    pictured.refresh_from_db()
    assert not old.exists()
    # The new image and its renditions (made once the save commits), nothing of the old one.
    new = pictured.lead_image
    expected = [new.name, *renditions.names(new.name, 8, 6)]
    assert sorted(stored_files(settings.MEDIA_ROOT)) == sorted(Path(new.storage.path(name)) for name in expected)


def test_a_cleared_image_is_deleted(client, pictured, settings, django_capture_on_commit_callbacks):
    old = Path(pictured.lead_image.path)
    save(client, pictured, django_capture_on_commit_callbacks, **{"lead_image-clear": "on"})
    assert not pictured.lead_image
    assert not old.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_a_save_that_leaves_the_image_keeps_its_file(client, pictured, django_capture_on_commit_callbacks):
    old = Path(pictured.lead_image.path)
    save(client, pictured, django_capture_on_commit_callbacks, title="Pictured again", lead_image_alt="A tram")
    assert pictured.lead_image.path == str(old)
    assert old.exists()


def test_an_image_another_story_uses_is_kept(client, pictured, django_capture_on_commit_callbacks):
    old = Path(pictured.lead_image.path)
    other = StoryFactory(published=True)
    Story.objects.filter(pk=other.pk).update(lead_image=pictured.lead_image.name)
    save(client, pictured, django_capture_on_commit_callbacks, lead_image=png("red"), lead_image_alt="A tram")
    assert old.exists()


def _restore(client, story, version, capture):
    story.refresh_from_db()
    url = reverse("admin:stories_story_restore", args=[story.pk, version.pk])
    with capture(execute=True):
        response = client.post(url, {"base_version": story.version}, follow=True)
    assert "Restored the version of" in response.content.decode()
    story.refresh_from_db()
    return story


def test_restoring_a_version_whose_image_was_deleted_brings_the_story_back_without_one(
    client, pictured, django_capture_on_commit_callbacks
):
    with_first_image = Version.objects.get_for_object(pictured).first()
    first_image = with_first_image.field_dict["lead_image"].name
    save(client, pictured, django_capture_on_commit_callbacks, lead_image=png("red"), lead_image_alt="A red tram")
    assert not pictured.lead_image.storage.exists(first_image)

    restored = _restore(client, pictured, with_first_image, django_capture_on_commit_callbacks)

    assert not restored.lead_image
    assert restored.lead_image_alt == restored.lead_image_caption == ""
    page = client.get(restored.get_absolute_url()).content.decode()
    assert "lead-images/" not in page  # no broken image, no og:image pointing nowhere
    assert restored.title == "Pictured"


def test_restoring_a_version_with_the_image_still_stored_keeps_it(client, pictured, django_capture_on_commit_callbacks):
    version = Version.objects.get_for_object(pictured).first()
    save(client, pictured, django_capture_on_commit_callbacks, title="Retitled", lead_image_alt="A tram")
    restored = _restore(client, pictured, version, django_capture_on_commit_callbacks)
    assert restored.lead_image.name == version.field_dict["lead_image"].name
    assert restored.lead_image.storage.exists(restored.lead_image.name)
    assert restored.lead_image_alt == "A tram"


def test_restoring_a_version_without_an_image_deletes_the_one_it_replaces(
    client, editor, settings, django_capture_on_commit_callbacks
):
    story = StoryFactory(published=True, title="Plain", slug="plain")
    client.force_login(editor)
    save(client, story, django_capture_on_commit_callbacks)
    without = Version.objects.get_for_object(story).first()
    save(client, story, django_capture_on_commit_callbacks, lead_image=png(), lead_image_alt="A tram")
    assert stored_files(settings.MEDIA_ROOT)

    restored = _restore(client, story, without, django_capture_on_commit_callbacks)

    assert not restored.lead_image
    assert stored_files(settings.MEDIA_ROOT) == []
