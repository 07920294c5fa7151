"""The live desk of a story: a fast form to post the next update, the updates posted so far, newest first, and
editing or deleting one (editors). Every write is the workflow's (post_update, edit_update, delete_update).

The page stays open through a whole event: posting returns to it with an empty form and a message, so the next
update can be typed at once.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse

from .. import limits, revisions, workflow
from ..models import ONE_LINE_VALIDATORS, TEXT_VALIDATORS, LiveUpdate, display_name
from ..widgets import RichTextWidget


class LiveUpdateForm(forms.Form):
    body = forms.CharField(
        label="Update",
        widget=RichTextWidget(attrs={"rows": 5}),
        validators=TEXT_VALIDATORS,
        help_text="What happened. Links, emphasis, quotes and lists are kept; anything else is removed.",
    )
    headline = forms.CharField(
        label="Headline (optional)",
        required=False,
        max_length=limits.HEADLINE_MAX_LENGTH,
        validators=ONE_LINE_VALIDATORS,
        widget=forms.TextInput(attrs={"class": "vLargeTextField", "autocomplete": "off"}),
    )
    pinned = forms.BooleanField(
        label="Key event (shown first, marked “Key event”)",
        required=False,
    )

    def clean_headline(self):
        return self.cleaned_data["headline"].strip()


def _urls(story, update=None):
    urls = {
        "live": reverse("admin:stories_story_live", args=[story.pk]),
        "change": reverse("admin:stories_story_change", args=[story.pk]),
    }
    if update is not None:
        urls["edit"] = reverse("admin:stories_story_live_edit", args=[story.pk, update.pk])
        urls["delete"] = reverse("admin:stories_story_live_delete", args=[story.pk, update.pk])
    return urls


def _context(model_admin, request, story, title, **extra):
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "original": story,
        "title": title,
        **extra,
    }


def live_desk(model_admin, request, story):
    """The story's live desk: post the next update (POST), or see the form and the updates so far (GET)."""
    user = request.user
    if not (workflow.may_post_update(user, story) or workflow.may_run_live(user, story)):
        raise PermissionDenied
    form = LiveUpdateForm()
    if request.method == "POST":
        form = LiveUpdateForm(request.POST)
        if form.is_valid():
            try:
                workflow.post_update(story, user, **form.cleaned_data)
            except PermissionDenied as exc:
                messages.error(request, str(exc) or "You may not do that.")
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, "Update posted: readers see it now.")
                return HttpResponseRedirect(_urls(story)["live"])
    updates = list(LiveUpdate.objects.filter(story=story).newest_first().select_related("author"))
    can_change = workflow.may_change_update(user)
    context = _context(
        model_admin,
        request,
        story,
        f"Live coverage of “{story}”",
        form=form,
        media=model_admin.media + form.media,
        running=story.is_covered_live and story.is_live,
        can_post=workflow.may_post_update(user, story),
        can_change=can_change,
        updates=[
            {
                "update": update,
                "author": display_name(update.author) if update.author else "",
                "urls": _urls(story, update),
            }
            for update in updates
        ],
        urls=_urls(story),
        reader_url=story.get_absolute_url() if story.is_live else None,
    )
    return TemplateResponse(request, "admin/stories/story/live.html", context)


def _update_or_404(story, update_id):
    return get_object_or_404(LiveUpdate.objects.select_related("author"), story=story, pk=update_id)


def edit_update(model_admin, request, story, update_id):
    """Edit one posted update (editors); its earlier versions are listed under the form."""
    if not workflow.may_change_update(request.user):
        raise PermissionDenied
    update = _update_or_404(story, update_id)
    initial = {"body": update.body, "headline": update.headline, "pinned": update.pinned}
    form = LiveUpdateForm(initial=initial)
    if request.method == "POST":
        form = LiveUpdateForm(request.POST, initial=initial)
        if form.is_valid():
            try:
                workflow.edit_update(update, request.user, **form.cleaned_data)
            except PermissionDenied as exc:
                messages.error(request, str(exc) or "You may not do that.")
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, "Update changed: readers see the new text now.")
                return HttpResponseRedirect(_urls(story)["live"])
    context = _context(
        model_admin,
        request,
        story,
        "Edit an update",
        form=form,
        media=model_admin.media + form.media,
        update=update,
        versions=revisions.update_versions(update.pk),
        urls=_urls(story, update),
    )
    return TemplateResponse(request, "admin/stories/story/live_update.html", context)


def delete_update(model_admin, request, story, update_id):
    """Delete one posted update (editors, a POST from the live desk); its versions keep its last text."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not workflow.may_change_update(request.user):
        raise PermissionDenied
    try:
        update = _update_or_404(story, update_id)
    except Http404:
        messages.info(request, "That update was already deleted.")
        return HttpResponseRedirect(_urls(story)["live"])
    workflow.delete_update(update, request.user)
    messages.success(request, "Update deleted: readers no longer see it. Its text is kept in its history.")
    return HttpResponseRedirect(_urls(story)["live"])
