"""Building the desk's POST data the way its change forms send it: a story's, a person's."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from stories.models import Profile, Status


def change_url(story):
    return reverse("admin:stories_story_change", args=[story.pk])


def transition_url(story, name):
    return reverse("admin:stories_story_transition", args=[story.pk, name])


def png_upload(name="lead.png", size=(4, 3)):
    """A small, valid PNG as the browser uploads it."""
    buffer = io.BytesIO()
    Image.new("RGB", size, "navy").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def story_form_data(story=None, highlights=None, base_version=None, corrections=(), **fields):
    """The fields of the story form; `highlights` replaces the story's (list of texts)."""
    data = {
        "title": story.title if story else "Council approves tram line",
        "slug": story.slug if story else "council-approves-tram-line",
        "standfirst": story.standfirst if story else "",
        "body": story.body if story else "<p>The council voted 31 to 12.</p>",
        "section": story.section_id or "" if story else "",
        "dateline": story.dateline if story else "",
        "lead_image_alt": story.lead_image_alt if story else "",
        "lead_image_caption": story.lead_image_caption if story else "",
        "lead_image_focus_x": story.lead_image_focus_x if story else 50,
        "lead_image_focus_y": story.lead_image_focus_y if story else 50,
        "authors": [a.pk for a in story.authors.all()] if story else [],
        "tags": ", ".join(t.name for t in story.tags.all()) if story else "",
        "_save": "Save",
    }
    if story is not None:
        data["base_version"] = story.version if base_version is None else base_version
    existing = list(story.highlights.all()) if story else []
    if highlights is None:
        highlights = [h.text for h in existing]
    rows = max(len(highlights), len(existing))
    data.update(
        {
            "highlights-TOTAL_FORMS": rows,
            "highlights-INITIAL_FORMS": len(existing),
            "highlights-MIN_NUM_FORMS": 0,
            "highlights-MAX_NUM_FORMS": 5,
        }
    )
    for i in range(rows):
        if i < len(existing):
            data[f"highlights-{i}-id"] = existing[i].pk
            data[f"highlights-{i}-story"] = story.pk
        if i < len(highlights):
            data[f"highlights-{i}-text"] = highlights[i]
            data[f"highlights-{i}-position"] = i + 1
        else:
            data[f"highlights-{i}-DELETE"] = "on"
            data[f"highlights-{i}-text"] = existing[i].text
            data[f"highlights-{i}-position"] = i + 1
    if story is not None and story.status == Status.PUBLISHED:
        current = list(story.corrections.all())
        data.update(
            {
                "corrections-TOTAL_FORMS": len(current) + len(corrections),
                "corrections-INITIAL_FORMS": len(current),
                "corrections-MIN_NUM_FORMS": 0,
                "corrections-MAX_NUM_FORMS": 1000,
            }
        )
        for i, c in enumerate(current):
            data.update({f"corrections-{i}-id": c.pk, f"corrections-{i}-story": story.pk})
            data.update({f"corrections-{i}-kind": c.kind, f"corrections-{i}-text": c.text})
        for j, (kind, text) in enumerate(corrections, start=len(current)):
            data.update({f"corrections-{j}-kind": kind, f"corrections-{j}-text": text})
    data.update(fields)
    return data


def person_change_url(person):
    return f"/admin/auth/user/{person.pk}/change/"


def person_form_data(person, **changes):
    """The user admin's change form as the browser sends it, with `changes`."""
    joined = timezone.localtime(person.date_joined)
    profile = Profile.objects.filter(user=person).first()
    data = {
        "username": person.username,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "public_slug": profile.slug if profile else "",
        "email": person.email,
        "is_active": "on",
        "is_staff": "on" if person.is_staff else "",
        "groups": [g.pk for g in person.groups.all()],
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
        "_save": "Save",
        **changes,
    }
    return {name: value for name, value in data.items() if value != ""} | {
        name: value for name, value in changes.items() if value == ""
    }
