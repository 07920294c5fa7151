"""A story's history in the desk: its saved versions (compare, restore) and the changes held for review."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse

from .. import revisions, workflow
from ..dates import format_local
from ..models import PendingRevision, display_name
from .forms import TransitionForm


class StoryHistoryViews:
    """Revisions and held changes of a story (mixed into StoryAdmin)."""

    # --- Revisions ---

    def _versions(self, story):
        return revisions.versions_of(story)

    def revisions_view(self, request, object_id):
        """Every saved version of the story, newest first, to compare or restore."""
        story = self._story_or_404(request, object_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": story,
            "title": f"Revisions of “{story}”",
            "versions": self._versions(story),
            "can_restore": workflow.can_edit(request.user, story),
            "compare_url": reverse("admin:stories_story_compare", args=[story.pk]),
        }
        return TemplateResponse(request, "admin/stories/story/revisions.html", context)

    def compare_view(self, request, object_id):
        """Two versions compared word by word, as an editor reads them (every text escaped by the template)."""
        story = self._story_or_404(request, object_id)
        try:
            keys = [int(request.GET.get("a", "")), int(request.GET.get("b", ""))]
        except ValueError:
            keys = []
        # Both in one query, and only among this story's versions.
        chosen = {v.pk: v for v in self._versions(story).filter(pk__in=keys)} if keys else {}
        if len(keys) != 2 or any(key not in chosen for key in keys):
            messages.error(request, "Choose two versions to compare.")
            return HttpResponseRedirect(reverse("admin:stories_story_revisions", args=[story.pk]))
        old, new = sorted((chosen[key] for key in keys), key=lambda v: (v.revision.date_created, v.pk))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": story,
            "title": f"Compare versions of “{story}”",
            "old": old,
            "new": new,
            "old_by": _saved_by(old),
            "new_by": _saved_by(new),
            "comparison": revisions.compare_versions(old, new),
            "revisions_url": reverse("admin:stories_story_revisions", args=[story.pk]),
        }
        return TemplateResponse(request, "admin/stories/story/compare.html", context)

    def restore_view(self, request, object_id, version_id):
        """Bring back an old version's content (never its status), refusing if the story changed meanwhile."""
        story = self._story_or_404(request, object_id)
        if not workflow.can_edit(request.user, story):
            raise PermissionDenied
        version = get_object_or_404(self._versions(story), pk=version_id)
        if request.method == "POST":
            try:
                base = int(request.POST.get("base_version", ""))
            except ValueError:
                base = None
            try:
                workflow.restore_revision(story, version, request.user, base)
            except workflow.TransitionError as exc:  # an edit conflict among them
                messages.error(request, " ".join(exc.messages))
            else:
                when = format_local(version.revision.date_created)
                messages.success(request, f"Restored the version of {when}. The story's status did not change.")
                return HttpResponseRedirect(self._change_url(story))
            return HttpResponseRedirect(reverse("admin:stories_story_revisions", args=[story.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": story,
            "title": f"Restore a version of “{story}”?",
            "version": version,
            "saved_by": _saved_by(version),
            "highlights": revisions.version_highlights(version),
            "revisions_url": reverse("admin:stories_story_revisions", args=[story.pk]),
        }
        return TemplateResponse(request, "admin/stories/story/restore.html", context)

    # --- Changes held for review ---

    def _pending_or_404(self, story, revision_id):
        return get_object_or_404(
            PendingRevision.objects.filter(story=story).select_related("proposed_by"), pk=revision_id
        )

    def pending_compare_view(self, request, object_id, revision_id):
        """Changes held for review against the live story, compared as two versions are."""
        story = self._story_or_404(request, object_id)
        revision = self._pending_or_404(story, revision_id)
        live = workflow.live_content(story)
        overwritten = workflow.overwritten_parts(revision, live) if revision.is_open else []
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": story,
            "title": f"Changes held for review of “{story}”",
            "revision": revision,
            "proposer": display_name(revision.proposed_by) if revision.proposed_by else "System",
            "overwritten": ", ".join(workflow.PART_LABELS[name] for name in overwritten),
            "comparison": revisions.compare_contents(
                live, live["highlights"], revision.content, revision.content["highlights"]
            ),
            "change_url": self._change_url(story),
        }
        return TemplateResponse(request, "admin/stories/story/pending_compare.html", context)

    def pending_decision_view(self, request, object_id, revision_id, decision):
        """Publish (now or at a time) or discard changes held for review, from the story page's workflow panel."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if decision not in PENDING_DONE:
            raise Http404("No such decision.")
        story = self._story_or_404(request, object_id)
        revision = self._pending_or_404(story, revision_id)
        form = TransitionForm(request.POST)
        form.is_valid()
        comment, at = form.cleaned_data.get("comment", ""), form.cleaned_data.get("at")
        try:
            if decision == "publish":
                workflow.publish_revision(story, revision, request.user)
            elif decision == "schedule":
                workflow.schedule_revision(story, revision, request.user, at)
            else:
                workflow.discard_revision(story, revision, request.user, comment)
        except PermissionDenied as exc:
            messages.error(request, str(exc) or "You may not do that.")
        except workflow.TransitionError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            when = format_local(at) if at else ""
            messages.success(request, PENDING_DONE[decision].format(story=story, when=when))
        return HttpResponseRedirect(self._change_url(story))


def _saved_by(version) -> str:
    """Who kept a version, as the desk names people."""
    return display_name(version.revision.user) if version.revision.user else "System"


# What each decision on changes held for review says once made.

PENDING_DONE = {
    "publish": "The held changes to “{story}” are published: readers see them now.",
    "schedule": "The held changes to “{story}” are scheduled: they replace the live text on {when}.",
    "discard": "The held changes to “{story}” were discarded. The live story did not change.",
}
