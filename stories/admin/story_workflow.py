"""The story page's workflow panel and the moves it posts: transitions, preview and partner links, live coverage.

Each view calls `stories.workflow` and turns its refusals into messages; none decides a rule itself.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from .. import previews, workflow
from ..dates import format_local
from ..models import Status, display_name
from . import live
from .forms import TransitionForm
from .story_history import PENDING_DONE


class StoryWorkflowViews:
    """The workflow panel's context and the views its buttons post to (mixed into StoryAdmin)."""

    def _workflow_context(self, request, story):
        user = request.user
        actions = self._schedule_actions(user, story)
        for t in workflow.available_transitions(user, story):
            if t.name == "publish":
                if story.is_embargoed:
                    until = format_local(story.embargo_until)
                    confirm = f"Publish this story? It stays hidden from readers until its embargo ends ({until})."
                else:
                    confirm = "Publish this story now? Readers will see it at once."
                actions.append({"name": "publish", "label": "Publish now", "kind": "plain", "confirm": confirm})
                actions.append({"name": "schedule", "label": "Schedule…", "kind": "schedule"})
            else:
                actions.append({"name": t.name, "label": t.label, "kind": "comment" if t.needs_comment else "plain"})
        if workflow.may_lift_embargo(user, story):
            actions.append({"name": "lift_embargo", "label": "Lift embargo", "kind": "comment"})
        if workflow.may_run_live(user, story) and story.is_live:
            if story.is_covered_live:
                confirm = "End live coverage? Its updates stay on the page; readers' pages stop asking for new ones."
                actions.append({"name": "end_live", "label": "End live coverage", "kind": "plain", "confirm": confirm})
            else:
                confirm = "Start live coverage? Readers' pages will show the updates the desk posts as they come."
                actions.append(
                    {"name": "start_live", "label": "Start live coverage", "kind": "plain", "confirm": confirm}
                )
        for action in actions:
            action["prompt"] = COMMENT_PROMPTS.get(action["name"], "")
            action["url"] = reverse("admin:stories_story_transition", args=[story.pk, action["name"]])
        transitions = list(story.transitions.select_related("actor"))
        return {
            "workflow_actions": actions,
            # A refused reschedule: its dialog opens again with the error next to the time (see transition_view).
            "reschedule_error": _pop_field_error(request, story),
            "change_request": _change_request(story, transitions),
            "pending_revisions": self._pending_revisions(user, story),
            "edits_held": workflow.edit_is_held(user, story),
            "story_transitions": transitions,
            "story_status": self.status_label(story),
            "story_owner": display_name(story.created_by) if story.created_by else "",
            "story_last_edited": self.last_edited(story),
            "preview_url": reverse("stories:preview", args=[story.pk]),
            "can_share_preview": workflow.may_share_preview(user, story),
            "preview_link_url": reverse("admin:stories_story_preview_link", args=[story.pk]),
            # An embargoed story may be shared with named partners ahead of its time (stories.previews).
            "partner_link_url": (
                reverse("admin:stories_story_partner_link", args=[story.pk])
                if workflow.may_share_with_partner(user, story)
                else None
            ),
            "partner_name_max_length": previews.PARTNER_NAME_MAX_LENGTH,
            "revisions_url": reverse("admin:stories_story_revisions", args=[story.pk]),
            # The live desk, for a story whose coverage runs (or ran: its updates can still be corrected).
            "live_url": (
                reverse("admin:stories_story_live", args=[story.pk])
                if story.has_live_coverage
                and (workflow.may_post_update(user, story) or workflow.may_change_update(user))
                else None
            ),
            "schedule_min": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "reschedule_value": (
                timezone.localtime(story.published_at).strftime("%Y-%m-%dT%H:%M") if story.is_scheduled else ""
            ),
            "time_zone_name": timezone.get_current_timezone_name(),
        }

    def _schedule_actions(self, user, story):
        """What an editor may do with a scheduled story: publish it now (not under embargo), move its time, or
        cancel its schedule (stories.workflow.scheduling)."""
        if not workflow.may_change_schedule(user, story):
            return []
        when = format_local(story.published_at)
        actions = []
        if workflow.may_publish_now(user, story):
            confirm = f"Publish this story now instead of {when}? Readers will see it at once."
            actions.append({"name": "publish_now", "label": "Publish now", "kind": "plain", "confirm": confirm})
        actions.append({"name": "reschedule", "label": "Reschedule…", "kind": "reschedule"})
        actions.append({"name": "cancel_schedule", "label": "Cancel schedule", "kind": "comment", "optional": True})
        return actions

    def _pending_revisions(self, user, story):
        """The story's revisions waiting for a decision, each with its links and what this person may do: one query
        whatever their number."""
        found = story.pending_revisions.open().select_related("proposed_by", "decided_by").order_by("created_at", "pk")
        decides = workflow.may_decide_revision(user)
        return [
            {
                "revision": revision,
                "proposer": display_name(revision.proposed_by) if revision.proposed_by else "System",
                "changed": ", ".join(workflow.PART_LABELS[name] for name in workflow.changed_parts(revision)),
                "compare_url": reverse("admin:stories_story_pending_compare", args=[story.pk, revision.pk]),
                "can_decide": decides,
                "can_discard": workflow.may_discard_revision(user, revision),
                "urls": {
                    decision: reverse("admin:stories_story_pending_decision", args=[story.pk, revision.pk, decision])
                    for decision in PENDING_DONE
                },
            }
            for revision in found
        ]

    def _story_or_404(self, request, object_id):
        # get_object reads through get_queryset: a story this person may not see is not found.
        story = self.get_object(request, unquote(object_id))
        if story is None or not self.has_view_permission(request, story):
            raise Http404("No such story.")
        return story

    def _change_url(self, story):
        return reverse("admin:stories_story_change", args=[story.pk])

    def transition_view(self, request, object_id, name):
        """Run one workflow transition from a button on the story page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if name not in TRANSITION_DONE:
            raise Http404("No such transition.")
        story = self._story_or_404(request, object_id)
        form = TransitionForm(request.POST)
        form.is_valid()
        comment = form.cleaned_data.get("comment", "")
        at = form.cleaned_data.get("at")
        was = story.published_at
        try:
            if name in ("schedule", "reschedule"):
                getattr(workflow, name)(story, request.user, at=at, comment=comment)
            else:
                # Each transition is the workflow function of the same name.
                getattr(workflow, name)(story, request.user, comment=comment)
        except PermissionDenied as exc:
            messages.error(request, str(exc) or "You may not do that.")
        except workflow.TransitionError as exc:
            if name == "reschedule" and exc.code != "wrong_state":
                # Next to the time it is about, in the dialog that opens again with what was typed. (A story no
                # longer scheduled has no such dialog: the message says what became of it.)
                request.session[FIELD_ERROR_KEY] = {
                    "story": story.pk,
                    "message": " ".join(exc.messages),
                    "at": request.POST.get("at", "")[:40],
                }
            else:
                messages.error(request, " ".join(exc.messages))
        else:
            # Published before its embargo ends: it waits for the embargo, and the message says until when.
            held = name in ("publish", "schedule") and story.embargo_until == story.published_at
            done, when = ("held_by_embargo", story.published_at) if held else (name, at)
            if name in ("reschedule", "publish_now"):
                when = story.published_at
            messages.success(
                request,
                TRANSITION_DONE[done].format(
                    story=story, when=format_local(when) if when else "", was=format_local(was) if was else ""
                ),
            )
        return HttpResponseRedirect(self._change_url(story))

    def preview_link_view(self, request, object_id):
        """Make a signed, expiring preview link for someone without an account (editors only)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        story = self._story_or_404(request, object_id)
        if not workflow.may_share_preview(request.user, story):
            raise PermissionDenied
        url = request.build_absolute_uri(previews.link_for(story))
        hours = round(settings.PREVIEW_LINK_MAX_AGE / 3600)
        messages.success(request, f"Preview link, valid for {hours} hours — anyone with it can read this draft: {url}")
        return HttpResponseRedirect(self._change_url(story))

    def partner_link_view(self, request, object_id):
        """Make a signed link for a named partner to read an embargoed story before its time (editors only)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        story = self._story_or_404(request, object_id)
        if not workflow.is_editor(request.user):
            raise PermissionDenied
        partner = " ".join(request.POST.get("partner", "").split())
        if not workflow.may_share_with_partner(request.user, story):
            messages.error(request, "Only a story under embargo can be shared with a partner.")
        elif not partner:
            messages.error(request, "Give the partner's name: the page they open names them.")
        elif len(partner) > previews.PARTNER_NAME_MAX_LENGTH:
            messages.error(request, f"Shorten the partner's name to {previews.PARTNER_NAME_MAX_LENGTH} characters.")
        else:
            url = request.build_absolute_uri(previews.partner_link_for(story, partner))
            until = format_local(story.embargo_until + previews.PARTNER_LINK_GRACE)
            messages.success(
                request,
                f"Partner link for {partner}, valid until {until} — it shows the story marked as embargoed until "
                f"{format_local(story.embargo_until)}: {url}",
            )
        return HttpResponseRedirect(self._change_url(story))

    # --- Live coverage (stories.admin.live) ---

    def live_view(self, request, object_id):
        """The live desk: post the next update, see and manage those posted."""
        return live.live_desk(self, request, self._story_or_404(request, object_id))

    def live_update_view(self, request, object_id, update_id):
        """Edit one update (editors)."""
        return live.edit_update(self, request, self._story_or_404(request, object_id), update_id)

    def live_delete_view(self, request, object_id, update_id):
        """Delete one update (editors)."""
        return live.delete_update(self, request, self._story_or_404(request, object_id), update_id)


# The buttons on a story's page and what each says once done: one per transition of stories.workflow, and
# "schedule", which is publish with a time in the future.
TRANSITION_DONE = {
    "submit_for_review": "“{story}” was submitted for review. The editors have been told.",
    "request_changes": "“{story}” went back to draft; the writer has your comment.",
    "publish": "“{story}” is published and live.",
    "schedule": "“{story}” is scheduled: it goes live on {when} with no further action.",
    "unpublish": "“{story}” was unpublished and is a draft again.",
    "withdraw": "“{story}” was withdrawn from review and is a draft again.",
    "kill": "“{story}” was killed: it is gone from the site and its address shows your notice.",
    "reinstate": "“{story}” was reinstated as a draft. It is not public until it is published again.",
    "lift_embargo": "The embargo on “{story}” was lifted.",
    "start_live": "Live coverage of “{story}” started: post updates from the live desk.",
    "end_live": "Live coverage of “{story}” ended. Its updates stay on the page.",
    "reschedule": "“{story}” was rescheduled: it goes live on {when} (instead of {was}) with no further action.",
    "publish_now": "“{story}” is published and live since {when}, instead of on {was}.",
    "cancel_schedule": "The schedule of “{story}” was cancelled: it no longer goes live on {was}. It is back in "
    "review, for an editor to publish or schedule again.",
    "held_by_embargo": "“{story}” is published but held by its embargo: it goes live on {when} with no further action.",
}

# What each move that needs a comment asks for, above its box.
COMMENT_PROMPTS = {
    "request_changes": "What should the writer change? (emailed to them)",
    "unpublish": "Reason for unpublishing (kept in the history)",
    "kill": "Public notice shown at the story's address (“This story has been removed: …”)",
    "reinstate": "Reason for reinstating (kept in the history)",
    "lift_embargo": "Reason for lifting the embargo early (kept in the history)",
    "cancel_schedule": "Why is the schedule cancelled? (optional, kept in the history) The story goes back to review.",
}

# Where a refused reschedule leaves its error for the story page to show next to the time field.
FIELD_ERROR_KEY = "newsroom:reschedule-error"


def _pop_field_error(request, story):
    """The error of this person's last refused reschedule of `story`, once (None when there is none)."""
    if FIELD_ERROR_KEY not in request.session:
        return None
    error = request.session.pop(FIELD_ERROR_KEY)
    return error if error.get("story") == story.pk else None


def _change_request(story, transitions):
    """The editor's latest request for changes to a draft, while it is the story's last move: the row of the
    history (who, when, the comment in full), or None."""
    if story.status != Status.DRAFT or not transitions:
        return None
    last = transitions[-1]
    sent_back = workflow.TRANSITIONS["request_changes"]
    if (last.from_status, last.to_status) == (sent_back.source, sent_back.target) and last.comment:
        return last
    return None
