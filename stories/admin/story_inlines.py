"""The rows a story's form holds besides its own fields: its highlights (1–5, in the order readers see them) and
the notices of a published story."""

from django import forms
from django.contrib import admin

from .. import workflow
from ..models import Correction, Highlight
from .forms import HighlightForm, HighlightFormSet, highlight_order


class _FollowsStoryRights:
    """Inline rows are editable exactly when the story is (a writer's story in review is read-only)."""

    # Whether the rows are part of what a writer's held changes to their live story propose (the highlights are).
    held = False

    def _story_editable(self, request, obj):
        if obj is None or workflow.can_edit(request.user, obj):
            return True
        return self.held and workflow.edit_is_held(request.user, obj)

    def has_add_permission(self, request, obj=None):
        return self._story_editable(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._story_editable(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._story_editable(request, obj) and super().has_delete_permission(request, obj)


class HighlightInline(_FollowsStoryRights, admin.TabularInline):
    """The highlights as a numbered list under the headline: each row a sentence, reordered by dragging its handle
    or with its move buttons (newsroom/static/js/highlights.js writes the hidden positions); without script, the rows
    save in the order shown, new ones after the others."""

    model = Highlight
    held = True
    form = HighlightForm
    formset = HighlightFormSet
    fields = ["text", "position"]
    max_num = workflow.MAX_HIGHLIGHTS
    verbose_name_plural = "Highlights"
    template = "admin/stories/story/highlights_inline.html"

    def get_formset(self, request, obj=None, **kwargs):
        # InlineModelAdmin passes no validate_max of its own: without it max_num only limits the rows shown,
        # and a hand-made request could save a sixth highlight.
        return super().get_formset(request, obj, validate_max=True, **kwargs)

    def get_extra(self, request, obj=None, **kwargs):
        # One empty row for another highlight; the formset never shows more rows than max_num, so a story
        # that has five gets none, with no query to count them.
        return 3 if obj is None else 1

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "text":
            # Labelled in the template ("Highlight 2"), which numbers the rows as readers will see them.
            kwargs["widget"] = forms.TextInput(attrs={"class": "vLargeTextField highlight-text", "maxlength": 200})
        if db_field.name == "position":
            kwargs["widget"] = forms.HiddenInput(attrs={"class": "highlight-position"})
            kwargs["required"] = False
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class CorrectionInline(_FollowsStoryRights, admin.StackedInline):
    model = Correction
    fields = ["kind", "text", "created_at", "created_by"]
    readonly_fields = ["created_at", "created_by"]
    extra = 0
    verbose_name = "notice"
    verbose_name_plural = (
        "Corrections and updates (notices shown to readers under the story and on the corrections page; "
        "adding one shows readers “Updated”)"
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")


def renumber_highlights(formset):
    """Positions become 1, 2, 3… in the order the form gave the highlights (highlight_order)."""
    for position, form in enumerate(highlight_order(formset), start=1):
        highlight = form.instance
        if highlight.pk is not None and highlight.position != position:
            Highlight.objects.filter(pk=highlight.pk).update(position=position)
            highlight.position = position
