"""Stories in the desk: the story form with its highlights and corrections, the list, the workflow buttons,
revisions, previews and the import page.

Status never appears as a form field: the buttons on a story's page post to `StoryAdmin.transition_view`,
which calls `stories.workflow` and turns its refusals into messages. Saving the form is
`workflow.edit_story`.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .. import images, previews, revisions, workflow
from ..dates import format_local
from ..models import Correction, Highlight, Status, Story, display_name
from ..richtext import sanitize_html
from . import importing
from .filters import AuthorFilter, SectionFilter, StatusFilter
from .forms import HighlightFormSet, StoryAdminForm, TransitionForm
from .lists import ArchiveListAdmin


class _FollowsStoryRights:
    """Inline rows are editable exactly when the story is (a writer's story in review is read-only)."""

    def _story_editable(self, request, obj):
        return obj is None or workflow.can_edit(request.user, obj)

    def has_add_permission(self, request, obj=None):
        return self._story_editable(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._story_editable(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._story_editable(request, obj) and super().has_delete_permission(request, obj)


class HighlightInline(_FollowsStoryRights, admin.TabularInline):
    model = Highlight
    formset = HighlightFormSet
    fields = ["text", "position"]
    max_num = workflow.MAX_HIGHLIGHTS
    verbose_name_plural = f"Highlights ({workflow.MIN_HIGHLIGHTS}–{workflow.MAX_HIGHLIGHTS} short sentences)"

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
            kwargs["widget"] = forms.TextInput(
                attrs={"class": "vLargeTextField highlight-text", "maxlength": 200, "aria-label": "Highlight"}
            )
        if db_field.name == "position":
            kwargs["widget"] = forms.NumberInput(
                attrs={"class": "highlight-position", "min": 0, "aria-label": "Position"}
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class CorrectionInline(_FollowsStoryRights, admin.StackedInline):
    model = Correction
    fields = ["kind", "text", "created_at", "created_by"]
    readonly_fields = ["created_at", "created_by"]
    extra = 0
    verbose_name = "correction or update"
    verbose_name_plural = "Corrections and updates (shown to readers under the story)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")


@admin.register(Story)
class StoryAdmin(ArchiveListAdmin):
    form = StoryAdminForm
    inlines = [HighlightInline, CorrectionInline]
    prepopulated_fields = {"slug": ["title"]}
    fieldsets = [
        (None, {"fields": ["title", "slug", "standfirst", "body"]}),
        ("Filing", {"fields": ["section", "tags", "dateline", "authors"]}),
        (
            "Lead image",
            {
                "fields": ["lead_image", "lead_image_alt", "lead_image_caption"],
                "description": "Optional. When there is an image, its alt text is required.",
            },
        ),
        ("Reader opinions", {"fields": ["opinions_closed"], "classes": ["collapse"]}),
    ]
    # Plain, labelled widgets: Django's filter_horizontal and select2 autocomplete
    # fail axe checks (unlabelled search box, aria-label on a plain span).
    list_display = ["title", "status_label", "publication", "section", "byline", "updated_at"]
    list_display_links = ["title"]
    list_filter = [
        StatusFilter,
        ("section", SectionFilter),
        ("authors", AuthorFilter),
        "published_at",
        "created_at",
    ]
    list_select_related = ["section"]
    # The order of story_admin_order_idx. Kept after a column's own sort as its tie-breaks, so the index
    # serves that sort too; the other columns have no index to sort a large archive by.
    ordering = ["-published_at", "-created_at", "-pk"]
    sortable_by = ["publication"]
    search_fields = ["title", "standfirst", "slug", "dateline"]
    search_help_text = "Search headlines, standfirsts, slugs and datelines."
    save_on_top = True

    class Media:
        css = {"all": ["css/admin.css"]}
        js = ["js/admin-workflow.js"]

    # --- Columns and read-only fields ---

    @admin.display(description="status", ordering="status")
    def status_label(self, story):
        """The story's state as a badge (the list's column and the story page's workflow panel)."""
        key, label = ("scheduled", "Scheduled") if story.is_scheduled else (story.status, story.get_status_display())
        return format_html('<span class="status-badge status-{}">{}</span>', key, label)

    @admin.display(description="scheduled / published", ordering="published_at")
    def publication(self, story):
        if story.is_scheduled:
            return f"Scheduled for {format_local(story.published_at)}"
        return format_local(story.published_at) if story.is_live else "—"

    @admin.display(description="byline")
    def byline(self, story):
        return ", ".join(display_name(a) for a in story.authors.all()) or "—"

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        # Read-only readers see the body as readers will, not its HTML source.
        return [
            (name, {**opts, "fields": ["rendered_body" if f == "body" else f for f in opts["fields"]]})
            for name, opts in fieldsets
        ]

    @admin.display(description="body")
    def rendered_body(self, story):
        # The body is sanitised on every save; cleaning again costs little and keeps this safe on its own.
        return mark_safe(f'<div class="story-body-preview">{sanitize_html(story.body)}</div>')  # noqa: S308

    def view_on_site(self, story):
        # Until readers can see it, "view on site" means the preview.
        return story.get_absolute_url() if story.is_live else reverse("stories:preview", args=[story.pk])

    @admin.display(description="last edited")
    def last_edited(self, story):
        if story.pk is None:
            return "—"
        when = format_local(story.updated_at)
        return f"{when} by {display_name(story.last_edited_by)}" if story.last_edited_by else when

    # --- Rights ---

    def get_queryset(self, request):
        # Which stories a person may open is decided here, once: a story outside Story.objects.visible_to
        # is one the admin "does not find" (its change page redirects, our own pages are a 404), so the
        # object permissions need not ask again. The authors prefetch serves Story.is_owned_by.
        qs = workflow.visible_stories(request.user, super().get_queryset(request))
        return qs.select_related("section", "created_by", "last_edited_by").prefetch_related("authors")

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return workflow.can_edit(request.user, obj)

    def get_inlines(self, request, obj):
        if obj is not None and workflow.takes_corrections(obj):
            return self.inlines
        return [inline for inline in self.inlines if inline is not CorrectionInline]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "authors":
            kwargs["queryset"] = workflow.byline_candidates()
            kwargs["widget"] = forms.CheckboxSelectMultiple(attrs={"class": "byline-choices"})
            field = super().formfield_for_manytomany(db_field, request, **kwargs)
            field.label_from_instance = display_name
            return field
        if db_field.name == "tags":
            kwargs["widget"] = forms.SelectMultiple(attrs={"size": 8})
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    # --- Saving: workflow.edit_story, conditional on the version the editor started from ---

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except workflow.TransitionError as exc:  # an edit conflict, or a rule the saved story breaks
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(request.path)

    def save_model(self, request, obj, form, change):
        # Nothing yet: the story's row, its byline, tags and inlines are written together by edit_story, in
        # save_related, so that the workflow sees the whole edit.
        pass

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, Correction) and instance.created_by_id is None:
                instance.created_by = request.user
            instance.save()
        for deleted in formset.deleted_objects:
            deleted.delete()
        formset.save_m2m()
        if formset.model is Highlight:
            _renumber_highlights(form.instance)

    def save_related(self, request, form, formsets, change):
        workflow.edit_story(
            form.instance,
            request.user,
            fields=[name for name in form.fields if name != "base_version"],
            base_version=form.cleaned_data.get("base_version"),
            save_related=lambda story: super(StoryAdmin, self).save_related(request, form, formsets, change),
            comment=self._revision_comment(form, formsets, change),
        )
        images.delete_replaced_lead_image(form)

    @staticmethod
    def _revision_comment(form, formsets, change):
        changed = [form.fields[name].label or name for name in form.changed_data if name != "base_version"]
        changed += [fs.model._meta.verbose_name_plural for fs in formsets if fs.has_changed()]
        if not change:
            comment = "Created."
        elif changed:
            comment = "Changed " + ", ".join(str(c).lower() for c in changed) + "."
        else:
            comment = "Saved with no changes."
        if form.instance.status == Status.PUBLISHED:
            comment += " Live at once (published story)."
        return comment

    # --- Pages ---

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="{}_{}_import".format(*info)),
            path(
                "<path:object_id>/transition/<str:name>/",
                view(self.transition_view),
                name="{}_{}_transition".format(*info),
            ),
            path("<path:object_id>/revisions/", view(self.revisions_view), name="{}_{}_revisions".format(*info)),
            path(
                "<path:object_id>/revisions/compare/",
                view(self.compare_view),
                name="{}_{}_compare".format(*info),
            ),
            path(
                "<path:object_id>/revisions/<int:version_id>/restore/",
                view(self.restore_view),
                name="{}_{}_restore".format(*info),
            ),
            path(
                "<path:object_id>/preview-link/",
                view(self.preview_link_view),
                name="{}_{}_preview_link".format(*info),
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The story the change view already fetched (and checked): the workflow panel needs no second read.
        if change and obj is not None:
            context.update(self._workflow_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changelist_view(self, request, extra_context=None):
        # The import page refuses everyone else.
        import_url = reverse("admin:stories_story_import") if importing.may_use(request.user) else None
        return super().changelist_view(request, {**(extra_context or {}), "import_url": import_url})

    def import_view(self, request):
        """Upload plain-text story documents and see what became of each (stories.admin.importing)."""
        return importing.import_stories(self, request)

    def _workflow_context(self, request, story):
        user = request.user
        actions = []
        for t in workflow.available_transitions(user, story):
            if t.name == "publish":
                actions.append({"name": "publish", "label": "Publish now", "kind": "plain"})
                actions.append({"name": "schedule", "label": "Schedule…", "kind": "schedule"})
            else:
                actions.append({"name": t.name, "label": t.label, "kind": "comment" if t.needs_comment else "plain"})
        for action in actions:
            action["url"] = reverse("admin:stories_story_transition", args=[story.pk, action["name"]])
        return {
            "workflow_actions": actions,
            "story_transitions": story.transitions.select_related("actor"),
            "story_status": self.status_label(story),
            "story_owner": display_name(story.created_by) if story.created_by else "",
            "story_last_edited": self.last_edited(story),
            "preview_url": reverse("stories:preview", args=[story.pk]),
            "can_share_preview": workflow.is_editor(user),
            "preview_link_url": reverse("admin:stories_story_preview_link", args=[story.pk]),
            "revisions_url": reverse("admin:stories_story_revisions", args=[story.pk]),
            "schedule_min": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "time_zone_name": timezone.get_current_timezone_name(),
        }

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
        try:
            if name == "schedule":
                workflow.schedule(story, request.user, at=at, comment=comment)
            else:
                # Each transition is the workflow function of the same name.
                getattr(workflow, name)(story, request.user, comment=comment)
        except PermissionDenied as exc:
            messages.error(request, str(exc) or "You may not do that.")
        except workflow.TransitionError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, TRANSITION_DONE[name].format(story=story, when=format_local(at) if at else ""))
        return HttpResponseRedirect(self._change_url(story))

    def preview_link_view(self, request, object_id):
        """Make a signed, expiring preview link for someone without an account (editors only)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        story = self._story_or_404(request, object_id)
        if not workflow.is_editor(request.user):
            raise PermissionDenied
        url = request.build_absolute_uri(previews.link_for(story))
        hours = round(settings.PREVIEW_LINK_MAX_AGE / 3600)
        messages.success(request, f"Preview link, valid for {hours} hours — anyone with it can read this draft: {url}")
        return HttpResponseRedirect(self._change_url(story))

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
        """A line-by-line difference of two versions (escaped by the template)."""
        story = self._story_or_404(request, object_id)
        versions = self._versions(story)
        try:
            old = versions.get(pk=int(request.GET.get("a", "")))
            new = versions.get(pk=int(request.GET.get("b", "")))
        except (ValueError, ObjectDoesNotExist):
            messages.error(request, "Choose two versions to compare.")
            return HttpResponseRedirect(reverse("admin:stories_story_revisions", args=[story.pk]))
        if old.revision.date_created > new.revision.date_created:
            old, new = new, old
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": story,
            "title": f"Compare versions of “{story}”",
            "old": old,
            "new": new,
            "diffs": revisions.diff_versions(old, new),
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
            "highlights": revisions.version_highlights(version),
            "revisions_url": reverse("admin:stories_story_revisions", args=[story.pk]),
        }
        return TemplateResponse(request, "admin/stories/story/restore.html", context)


# The buttons on a story's page and what each says once done: one per transition of stories.workflow, and
# "schedule", which is publish with a time in the future.
TRANSITION_DONE = {
    "submit_for_review": "“{story}” was submitted for review. The editors have been told.",
    "request_changes": "“{story}” went back to draft; the writer has your comment.",
    "publish": "“{story}” is published and live.",
    "schedule": "“{story}” is scheduled: it goes live on {when} with no further action.",
    "unpublish": "“{story}” was unpublished and is a draft again.",
}


def _renumber_highlights(story):
    """Positions become 1, 2, 3… in the order the editor chose (ties keep their order of entry)."""
    for position, highlight in enumerate(Highlight.objects.filter(story=story).order_by("position", "pk"), start=1):
        if highlight.position != position:
            Highlight.objects.filter(pk=highlight.pk).update(position=position)
