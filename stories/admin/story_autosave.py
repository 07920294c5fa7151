"""The story form's autosave: what a person typed and has not saved, kept so that nothing is lost.

The page's script (newsroom/static/js/story-autosave.js) posts the form's fields as JSON every few seconds while they
differ from what was saved; opening the form again with an autosave newer than the story offers it back. Each autosave
belongs to one person and is only ever looked up by them: nobody reads or writes another's. A real save of the
story deletes it (StoryAdmin.save_related), and so does "Discard".
"""

import json

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpResponseNotAllowed, JsonResponse
from django.urls import reverse
from django.utils import timezone

from ..dates import format_local, iso
from ..models import StoryAutosave
from ..richtext import sanitize_html

# The most fields (name and value pairs) and the longest field name an autosave keeps: a story form has about fifty.
MAX_FIELDS = 400
MAX_NAME_LENGTH = 100
# Fields the form sends that are not what the person typed: the session's token and which version they started from.
NOT_KEPT = {"csrfmiddlewaretoken", "base_version"}
# The URL parameter of the banner's "Restore": the page fills the form with the autosave before its scripts start.
RESTORE_PARAMETER = "restore-autosave"


class AutosaveRefused(Exception):
    pass


def _fields(payload) -> list[list[str]]:
    """The [name, value] pairs of a posted autosave, checked: strings only, within bounds, the body cleaned."""
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        raise AutosaveRefused('Send {"data": [[name, value], …]}.')
    if not isinstance(payload.get("base_version", 0), int):
        raise AutosaveRefused("base_version is the story's version the page was opened from, a number.")
    pairs = payload["data"]
    if len(pairs) > MAX_FIELDS:
        raise AutosaveRefused(f"At most {MAX_FIELDS} fields.")
    kept = []
    for pair in pairs:
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(part, str) for part in pair)):
            raise AutosaveRefused("Each field is a [name, value] pair of strings.")
        name, value = pair
        if not name or len(name) > MAX_NAME_LENGTH:
            raise AutosaveRefused("A field's name is missing or too long.")
        if name in NOT_KEPT:
            continue
        # The body goes back into the editor when restored: cleaned like every body the desk shows.
        kept.append([name, sanitize_html(value) if name == "body" else value])
    return kept


def autosave_of(user, story):
    """`user`'s autosave of `story` (None: of the new story they were writing), or None."""
    return StoryAutosave.objects.of(user, story).first()


def forget_autosave(user, story):
    """Delete `user`'s autosave of `story` (a story not yet created: of the new story they were writing)."""
    StoryAutosave.objects.of(user, story).delete()


def autosave_context(request, story):
    """What the story form shows of its person's autosave: the banner offering it back, and the data to restore.

    An autosave older than the story's last save is not offered: someone saved the story since.
    """
    context = {"autosave_url": _url(story)}
    autosave = autosave_of(request.user, story)
    if autosave is None or (story is not None and story.updated_at and autosave.saved_at <= story.updated_at):
        return context
    context["autosave"] = {
        "saved_at": format_local(autosave.saved_at),
        "saved_at_iso": iso(autosave.saved_at),
        "restore_url": f"?{RESTORE_PARAMETER}=1",
    }
    if RESTORE_PARAMETER in request.GET:
        context["autosave"]["data"] = autosave.data
    return context


def _url(story):
    if story is None or story.pk is None:
        return reverse("admin:stories_story_add_autosave")
    return reverse("admin:stories_story_autosave", args=[story.pk])


class StoryAutosaveViews:
    """The autosave endpoint of the story form (mixed into StoryAdmin): GET reads, POST writes, DELETE discards
    the requesting person's own autosave of the story."""

    def add_autosave_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return self._autosave(request, None)

    def autosave_view(self, request, object_id):
        story = self._story_or_404(request, object_id)
        if request.method != "GET" and not self.has_change_permission(request, story):
            raise PermissionDenied  # a story this person may only read has nothing of theirs to keep
        return self._autosave(request, story)

    def _autosave(self, request, story):
        if request.method == "GET":
            autosave = autosave_of(request.user, story)
            if autosave is None:
                return JsonResponse({"error": "You have no autosave of this story."}, status=404)
            return JsonResponse(_answer(autosave))
        if request.method == "DELETE":
            forget_autosave(request.user, story)
            return JsonResponse({"deleted": True})
        if request.method != "POST":
            return HttpResponseNotAllowed(["GET", "POST", "DELETE"])
        try:
            payload = json.loads(request.body or b"null")
            data = _fields(payload)
        except (ValueError, AutosaveRefused) as exc:
            return JsonResponse({"error": str(exc) or "Send JSON."}, status=400)
        base = payload.get("base_version")
        if story is not None and base is not None and base != story.version:
            # Saved (or moved) since the page was opened: what that page holds is not a change to the story as it
            # is, and a keep arriving just after a save must not bring back what the save deleted.
            return JsonResponse({"error": "the story was saved since this page was opened"}, status=409)
        return JsonResponse(_answer(_keep(request.user, story, data)))


def _keep(user, story, data):
    now = timezone.now()
    try:
        with transaction.atomic():
            autosave, _ = StoryAutosave.objects.of(user, story).update_or_create(
                user=user, story=story, defaults={"data": data, "saved_at": now}
            )
    except IntegrityError:  # the same person's other tab made it in between: this one replaces it
        StoryAutosave.objects.of(user, story).update(data=data, saved_at=now)
        autosave = autosave_of(user, story)
    return autosave


def _answer(autosave):
    return {
        "data": autosave.data,
        "saved_at": iso(autosave.saved_at),
        "saved_at_display": format_local(autosave.saved_at),
    }
