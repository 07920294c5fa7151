"""The editorial back office: stories, their highlights, corrections, revisions and workflow buttons.

Status never appears as a form field: the buttons on a story's page post to
`StoryAdmin.transition_view`, which calls `stories/workflow.py` and turns its
refusals into messages.
"""

import contextlib
import difflib
import json
import re

import reversion
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connections, transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Q, Subquery
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import dateformat, timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.timesince import timesince
from reversion.models import Version

import pagecache

from . import admin_people, images, opinions, workflow  # noqa: F401 - admin_people registers the user admin
from .forms import BannedWordForm
from .models import (
    BannedWord,
    Correction,
    Highlight,
    ModerationPolicy,
    Opinion,
    OpinionStatus,
    Section,
    Status,
    Story,
    StoryTransition,
    Tag,
    display_name,
)
from .richtext import sanitize_html
from .widgets import RichTextWidget

EDIT_CONFLICT_MESSAGE = (
    "Someone else saved this story while you were editing. Nothing was overwritten and your changes were not "
    "saved: copy what you need, reload the story to see the newer version, then make your changes again."
)

# Content a revision brings back. Status, publication time, ownership and the slug (a published address) never
# come from an old revision: restoring is an edit, not a transition.
RESTORABLE_FIELDS = [
    "title",
    "standfirst",
    "body",
    "section_id",
    "dateline",
    "lead_image",
    "lead_image_alt",
    "lead_image_caption",
    "opinions_closed",
]

# How the desk writes a moment (as the admin templates' date filter does): "Mar 5, 2025, 3:07 PM".
DATETIME_FORMAT = "M j, Y, g:i A"


def format_when(value) -> str:
    """A date and time in the site's time zone, in the desk's format."""
    return dateformat.format(timezone.localtime(value), DATETIME_FORMAT)


if not reversion.is_registered(Highlight):
    reversion.register(Highlight)
if not reversion.is_registered(Story):
    reversion.register(Story, follow=["highlights"])


class EditConflict(Exception):
    """The story changed in the database after the editor opened it."""


# --- Forms --------------------------------------------------------------------


class StoryAdminForm(forms.ModelForm):
    # The version the editor started from; a save based on an older one is refused (optimistic locking).
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Story
        fields = [
            "title",
            "slug",
            "standfirst",
            "body",
            "section",
            "tags",
            "dateline",
            "authors",
            "lead_image",
            "lead_image_alt",
            "lead_image_caption",
            "opinions_closed",
        ]
        # Says why an upload is refused, and names it for its real format (the model's validator insists).
        field_classes = {"lead_image": images.LeadImageFormField}
        widgets = {
            "title": forms.TextInput(attrs={"class": "vTextField story-wide"}),
            "slug": forms.TextInput(attrs={"class": "vTextField story-wide"}),
            "standfirst": forms.Textarea(attrs={"rows": 2, "class": "story-wide"}),
            "body": RichTextWidget,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "lead_image" in self.fields:
            # The admin's file widget puts its "Change:" text between label and input; name the input itself.
            self.fields["lead_image"].widget.attrs["aria-label"] = "Lead image"
        if self.instance.pk:
            self.fields["base_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("lead_image") and not (cleaned.get("lead_image_alt") or "").strip():
            self.add_error("lead_image_alt", "Describe the image for readers who cannot see it.")
        if self.instance.pk and "base_version" in self.fields:
            # Lock the row for the rest of the admin's transaction: nobody can save or move the story in
            # between this check and our conditional UPDATE. Every transition moves the version on, so a
            # page opened before one (or a save that lost the race to one) is refused here.
            current = (
                Story.objects.select_for_update().filter(pk=self.instance.pk).values_list("version", "status").first()
            )
            if current is None or cleaned.get("base_version") != current[0]:
                raise ValidationError(EDIT_CONFLICT_MESSAGE, code="edit_conflict")
            # The state as locked, not as read when the request began: the highlights formset and
            # save_model's rights check judge the save by it.
            self.instance.status = current[1]
        return cleaned


class HighlightFormSet(forms.BaseInlineFormSet):
    # What the upper bound (the inline's max_num, validated: see HighlightInline.get_formset) says.
    default_error_messages = {"too_many_forms": "A story has at most %(num)d highlights."}

    def add_fields(self, form, index):
        super().add_fields(form, index)
        # A tabular inline shows column headings, not labels: name each control for screen readers.
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["aria-label"] = "Delete this highlight"

    def clean(self):
        super().clean()
        # The story's state as the form found it under the row lock (StoryAdminForm.clean runs first).
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        workflow.check_highlight_count(len(kept), self.instance.status)  # a TransitionError is a ValidationError


class TransitionForm(forms.Form):
    comment = forms.CharField(required=False, max_length=2000)
    at = forms.DateTimeField(required=False, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"])


# --- Inlines ------------------------------------------------------------------


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


# --- Long lists -----------------------------------------------------------------
# The story list and the opinion queue run over the whole archive (a million stories, more opinions): as they
# open, each of their queries reads a bounded number of index entries, whatever the archive's size.

# Up to this many rows a list is counted exactly; past it, nobody needs the figure to the unit.
EXACT_COUNT_LIMIT = 10_000


def planner_estimate(queryset):
    """How many rows PostgreSQL's planner expects the queryset to return (from its statistics), or None."""
    if connections[queryset.db].vendor != "postgresql":
        return None
    plan = json.loads(queryset.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


def capped_counts(querysets, limit):
    """How many rows each queryset holds, counting no further than limit + 1, in one query.

    A count stops after limit + 1 index entries, so its cost does not grow with the table.
    """
    db = querysets[0].db
    selects, params = [], []
    for i, queryset in enumerate(querysets):
        sql, sql_params = queryset.order_by().values("pk")[: limit + 1].query.get_compiler(db).as_sql()
        # Django compiled the subquery; its values travel as parameters.
        selects.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted_{i})")  # noqa: S608
        params.extend(sql_params)
    with connections[db].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), params)
        return list(cursor.fetchone())


def shown_count(count, limit):
    """A capped count as a moderator reads it: "3", "9,999", "10,000+"."""
    return f"{limit:,}+" if count > limit else f"{count:,}"


class ArchivePaginator(Paginator):
    """Counts a list exactly up to EXACT_COUNT_LIMIT rows; past that, takes PostgreSQL's estimate.

    An exact COUNT(*) reads every matching row (the whole archive, on the unfiltered list) on every request,
    only to number the pages. `estimated` tells the template to say "about".
    """

    estimated = False

    @cached_property
    def count(self):
        queryset = self.object_list
        counted = queryset.order_by()[: EXACT_COUNT_LIMIT + 1].count()
        if counted <= EXACT_COUNT_LIMIT:
            return counted
        estimate = planner_estimate(queryset)
        if estimate is None:
            return queryset.count()
        self.estimated = True
        return max(estimate, counted)


class IndexedSortChangeList(ChangeList):
    """Sorts only by the columns the list offers to sort (sortable_by), even for a hand-made ?o= address: the
    others have no index, and sorting the archive by them reads and sorts every row."""

    def get_ordering_field(self, field_name):
        if self.sortable_by is not None and field_name not in self.sortable_by:
            return None
        return super().get_ordering_field(field_name)


class ArchiveListAdmin(admin.ModelAdmin):
    """A changelist over the whole archive: counted cheaply (ArchivePaginator), sorted only by indexed columns
    (IndexedSortChangeList; list them in `sortable_by`)."""

    list_per_page = 50
    paginator = ArchivePaginator
    show_full_result_count = False

    def get_changelist(self, request, **kwargs):
        return IndexedSortChangeList


# --- Changelist filters -------------------------------------------------------


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("draft", "Draft"), ("review", "In review"), ("scheduled", "Scheduled"), ("live", "Published (live)")]

    def queryset(self, request, queryset):
        match self.value():
            case "draft":
                return queryset.drafts()
            case "review":
                return queryset.in_review()
            case "scheduled":
                return queryset.scheduled()
            case "live":
                return queryset.published()
        return queryset


class SectionFilter(admin.RelatedOnlyFieldListFilter):
    """Sections holding at least one of the stories listed: one index probe per section, no DISTINCT over the
    whole archive."""

    def field_choices(self, field, request, model_admin):
        stories = model_admin.get_queryset(request).filter(section=OuterRef("pk"))
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(include_blank=False, limit_choices_to=Q(Exists(stories)), ordering=ordering)


class AuthorFilter(admin.RelatedOnlyFieldListFilter):
    """The people on the byline of at least one of the stories listed, by name."""

    def field_choices(self, field, request, model_admin):
        # One lookup per person: the first of their stories found. PostgreSQL turns an IN or EXISTS into a
        # join of every story with its byline (the whole archive); a LIMIT 1 subquery it runs per person.
        stories = model_admin.get_queryset(request).order_by().filter(**{self.field_path: OuterRef("pk")})
        users = (
            field.related_model._default_manager.alias(first_story=Subquery(stories.values("pk")[:1]))
            .filter(first_story__isnull=False)
            .order_by("first_name", "last_name")
        )
        return [(u.pk, display_name(u)) for u in users]


# --- Stories ------------------------------------------------------------------


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
            return f"Scheduled for {format_when(story.published_at)}"
        return format_when(story.published_at) if story.is_live else "—"

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
        when = format_when(story.updated_at)
        return f"{when} by {display_name(story.last_edited_by)}" if story.last_edited_by else when

    # --- Rights ---

    def get_queryset(self, request):
        # Which stories a person may open is decided here, once: a story outside Story.objects.visible_to
        # is one the admin "does not find" (its change page redirects, our own pages are a 404), so the
        # object permissions need not ask again. The authors prefetch serves Story.is_owned_by.
        qs = super().get_queryset(request).visible_to(request.user)
        return qs.select_related("section", "created_by", "last_edited_by").prefetch_related("authors")

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return workflow.can_edit(request.user, obj)

    def get_inlines(self, request, obj):
        # Corrections and updates are notes under a published story; other stories have none to add.
        if obj is not None and obj.status == Status.PUBLISHED:
            return self.inlines
        return [inline for inline in self.inlines if inline is not CorrectionInline]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "authors":
            # The byline offers the people who may write stories (active staff, superusers too), by name.
            kwargs["queryset"] = (
                get_user_model()
                .objects.with_perm("stories.add_story", backend=workflow.PERMISSION_BACKEND)
                .filter(is_staff=True)
                .order_by("first_name", "last_name", "username")
            )
            kwargs["widget"] = forms.CheckboxSelectMultiple(attrs={"class": "byline-choices"})
            field = super().formfield_for_manytomany(db_field, request, **kwargs)
            field.label_from_instance = display_name
            return field
        if db_field.name == "tags":
            kwargs["widget"] = forms.SelectMultiple(attrs={"size": 8})
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    # --- Saving: conditional on the version the editor started from ---

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            with reversion.create_revision(manage_manually=True):
                reversion.set_user(request.user)
                return super().changeform_view(request, object_id, form_url, extra_context)
        except EditConflict:
            messages.error(request, EDIT_CONFLICT_MESSAGE)
            return HttpResponseRedirect(request.path)

    def save_model(self, request, obj, form, change):
        obj.last_edited_by = request.user
        if not change:
            obj.created_by = request.user
            obj.save()
            return
        # The right to edit, on the state the form locked (a writer's story may have left draft since the
        # request began); the row stays locked until the save commits.
        if not workflow.can_edit(request.user, obj):
            raise PermissionDenied
        obj.body = sanitize_html(obj.body)
        names = {*form.fields, "updated_at", "last_edited_by"}
        fields = [f for f in Story._meta.concrete_fields if f.name in names and not f.primary_key]
        # pre_save stores uploaded files and stamps updated_at, as Model.save would.
        values = {f.attname: f.pre_save(obj, False) for f in fields}
        base = form.cleaned_data.get("base_version")
        updated = Story.objects.filter(pk=obj.pk, version=base).update(**values, version=F("version") + 1)
        if updated != 1:
            raise EditConflict
        obj.version = base + 1
        images.delete_replaced_lead_image(form)

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
        super().save_related(request, form, formsets, change)
        story = form.instance
        if not story.authors.exists():
            story.authors.add(story.created_by or request.user)
        changed = [form.fields[name].label or name for name in form.changed_data if name != "base_version"]
        changed += [fs.model._meta.verbose_name_plural for fs in formsets if fs.has_changed()]
        if not change:
            comment = "Created."
        elif changed:
            comment = "Changed " + ", ".join(str(c).lower() for c in changed) + "."
        else:
            comment = "Saved with no changes."
        if story.status == Status.PUBLISHED:
            comment += " Live at once (published story)."
            # One purge for the whole save: the story's fields, highlights, byline and corrections.
            pagecache.purge_public_pages_on_commit()
        reversion.set_comment(comment)
        reversion.add_to_revision(story)

    def delete_model(self, request, obj):
        # A deleted story must leave the public pages as an unpublished one does.
        super().delete_model(request, obj)
        pagecache.purge_public_pages_on_commit()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        pagecache.purge_public_pages_on_commit()

    # --- Pages ---

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
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
        import_url = None
        if workflow.may_import(request.user, publish=True):  # the import page refuses everyone else
            with contextlib.suppress(NoReverseMatch):
                import_url = reverse("admin-import-stories")
        return super().changelist_view(request, {**(extra_context or {}), "import_url": import_url})

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
        at = None
        try:
            if name == "schedule":
                at = _schedule_time(form)
                workflow.publish(story, request.user, at=at, comment=comment)
            else:
                # Each transition is the workflow function of the same name.
                getattr(workflow, name)(story, request.user, comment=comment)
        except PermissionDenied as exc:
            messages.error(request, str(exc) or "You may not do that.")
        except workflow.TransitionError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, TRANSITION_DONE[name].format(story=story, when=format_when(at) if at else ""))
        return HttpResponseRedirect(self._change_url(story))

    def preview_link_view(self, request, object_id):
        """Make a signed, expiring preview link for someone without an account (editors only)."""
        from .views import preview_link_for

        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        story = self._story_or_404(request, object_id)
        if not workflow.is_editor(request.user):
            raise PermissionDenied
        url = request.build_absolute_uri(preview_link_for(story))
        hours = round(settings.PREVIEW_LINK_MAX_AGE / 3600)
        messages.success(request, f"Preview link, valid for {hours} hours — anyone with it can read this draft: {url}")
        return HttpResponseRedirect(self._change_url(story))

    # --- Revisions ---

    def _versions(self, story):
        return Version.objects.get_for_object(story).select_related("revision__user")

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
        except (ValueError, Version.DoesNotExist):
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
            "diffs": _diff_versions(old, new),
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
                _restore(story, version, request.user, base)
            except EditConflict:
                messages.error(request, EDIT_CONFLICT_MESSAGE)
            except workflow.TransitionError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                when = format_when(version.revision.date_created)
                messages.success(request, f"Restored the version of {when}. The story's status did not change.")
                return HttpResponseRedirect(self._change_url(story))
            return HttpResponseRedirect(reverse("admin:stories_story_revisions", args=[story.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": story,
            "title": f"Restore a version of “{story}”?",
            "version": version,
            "highlights": _version_highlights(version),
            "revisions_url": reverse("admin:stories_story_revisions", args=[story.pk]),
        }
        return TemplateResponse(request, "admin/stories/story/restore.html", context)


# The buttons on a story's page and what each says once done: one per transition of stories/workflow.py, and
# "schedule", which is publish with a time in the future.
TRANSITION_DONE = {
    "submit_for_review": "“{story}” was submitted for review. The editors have been told.",
    "request_changes": "“{story}” went back to draft; the writer has your comment.",
    "publish": "“{story}” is published and live.",
    "schedule": "“{story}” is scheduled: it goes live on {when} with no further action.",
    "unpublish": "“{story}” was unpublished and is a draft again.",
}


def _schedule_time(form):
    """The future time a "Schedule…" form asks for, or a TransitionError saying what is wrong with it."""
    at = form.cleaned_data.get("at")
    if "at" in form.errors or at is None:
        raise workflow.TransitionError("Pick a date and time to schedule the story.", code="no_time")
    if at <= timezone.now():
        raise workflow.TransitionError("Pick a time in the future, or use “Publish now”.", code="past_schedule")
    return at


def _renumber_highlights(story):
    """Positions become 1, 2, 3… in the order the editor chose (ties keep their order of entry)."""
    for position, highlight in enumerate(Highlight.objects.filter(story=story).order_by("position", "pk"), start=1):
        if highlight.position != position:
            Highlight.objects.filter(pk=highlight.pk).update(position=position)


def _version_highlights(version):
    rows = [v.field_dict for v in version.revision.version_set.all() if v._model is Highlight]
    return [row["text"] for row in sorted(rows, key=lambda r: (r.get("position", 0), r.get("id", 0)))]


def _restore(story, version, user, base_version):
    data = version.field_dict
    highlights = _version_highlights(version)
    with transaction.atomic(), reversion.create_revision(manage_manually=True):
        locked = Story.objects.select_for_update().get(pk=story.pk)
        if base_version is None or locked.version != base_version:
            raise EditConflict
        # Rights on the locked row (the page checked them on the story as it was when the request began).
        if not workflow.can_edit(user, locked):
            raise PermissionDenied
        if workflow.needs_highlights(locked.status):
            workflow.check_highlight_count(len(highlights))
        values = {name: data[name] for name in RESTORABLE_FIELDS if name in data}
        # A revision keeps its image's name, not the file: one deleted since is left out rather than shown broken.
        values = images.drop_missing_lead_image(values, Story.lead_image.field.storage)
        if "section_id" in values and not Section.objects.filter(pk=values["section_id"]).exists():
            values["section_id"] = None
        values["body"] = sanitize_html(values.get("body", ""))
        updated = Story.objects.filter(pk=story.pk, version=base_version).update(
            **values, version=F("version") + 1, last_edited_by=user, updated_at=timezone.now()
        )
        if updated != 1:
            raise EditConflict
        images.delete_if_unused_on_commit(locked.lead_image)  # the image this restore replaced, if it did
        User = Story.authors.field.related_model
        locked.authors.set(User.objects.filter(pk__in=data.get("authors", [])))
        locked.tags.set(Tag.objects.filter(pk__in=data.get("tags", [])))
        Highlight.objects.filter(story=locked).delete()
        Highlight.objects.bulk_create(
            [Highlight(story=locked, text=text, position=i) for i, text in enumerate(highlights, start=1)]
        )
        locked.refresh_from_db()
        reversion.set_user(user)
        reversion.set_comment(f"Restored the version of {format_when(version.revision.date_created)}.")
        reversion.add_to_revision(locked)
        if locked.status == Status.PUBLISHED:
            pagecache.purge_public_pages_on_commit()
    return locked


def _lines(value):
    """Text split into comparable lines; block-level tags start a new line so body diffs read by paragraph."""
    text = str(value or "")
    text = re.sub(r"(</(?:p|h[2-4]|li|blockquote|figcaption)>)", r"\1\n", text)
    return [line for line in text.splitlines() if line.strip()]


def _diff_versions(old, new):
    """Per field, the changed lines as (kind, text) pairs: kind is "add", "del" or "same"."""
    a, b = old.field_dict, new.field_dict
    sections = {s.pk: s.name for s in Section.objects.filter(pk__in=[a.get("section_id"), b.get("section_id")])}
    fields = [
        ("Headline", a.get("title"), b.get("title")),
        ("Standfirst", a.get("standfirst"), b.get("standfirst")),
        ("Highlights", "\n".join(_version_highlights(old)), "\n".join(_version_highlights(new))),
        ("Body", a.get("body"), b.get("body")),
        ("Section", sections.get(a.get("section_id"), ""), sections.get(b.get("section_id"), "")),
        ("Dateline", a.get("dateline"), b.get("dateline")),
        ("Lead image", a.get("lead_image"), b.get("lead_image")),
        ("Alt text", a.get("lead_image_alt"), b.get("lead_image_alt")),
        ("Caption and credit", a.get("lead_image_caption"), b.get("lead_image_caption")),
    ]
    out = []
    for label, before, after in fields:
        before_lines, after_lines = _lines(before), _lines(after)
        rows = []
        for line in difflib.ndiff(before_lines, after_lines):
            tag, text = line[:2], line[2:]
            if tag == "+ ":
                rows.append(("add", text))
            elif tag == "- ":
                rows.append(("del", text))
            elif tag == "  ":
                rows.append(("same", text))
        out.append(
            {
                "label": label,
                "changed": before_lines != after_lines,
                "rows": rows,
            }
        )
    return out


# --- Sections, tags and the audit trail ---------------------------------------


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


def of_visible_stories(request, queryset):
    """The rows of `queryset` (audit rows, opinions…) that belong to stories the person may open.

    The rule of Story.objects.visible_to (workflow.stories_seen_by): whoever may not open a story learns
    nothing of it through its rows either — not in a list, a search, a filter's choices or counts, the date
    hierarchy, nor a row's own page (which, not found, redirects like one that does not exist).
    """
    if workflow.stories_seen_by(request.user) == "all":
        return queryset  # no subquery over the whole archive for the desk
    return queryset.filter(story__in=Story.objects.visible_to(request.user).values("pk"))


@admin.register(StoryTransition)
class StoryTransitionAdmin(admin.ModelAdmin):
    """The audit trail, read-only: rows are written by stories/workflow.py and never edited.

    Each person sees the moves of the stories they may open, no others (of_visible_stories).
    """

    list_display = ["created_at", "story", "from_status", "to_status", "actor", "comment"]
    list_filter = ["to_status", "from_status", "created_at"]
    list_select_related = ["story", "actor"]
    search_fields = ["story__title", "comment"]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        # Lists, search, filters, facets, the date hierarchy and each row's pages all read through here.
        return of_visible_stories(request, super().get_queryset(request))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Opinions moderation --------------------------------------------------------
# The queue moderators work through. Every decision, from a bulk action or a row's
# button, goes through workflow.moderate (the single door that records who and when);
# opinions themselves are never edited, only judged.


class OpinionStatusFilter(admin.SimpleListFilter):
    """Status with a count for each; with no status chosen the queue shows what is pending."""

    title = "status"
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        # Each count walks opinion_queue_idx and stops past EXACT_COUNT_LIMIT: "Approved (10,000+)". Only opinions
        # on stories the person may open count (OpinionAdmin.get_queryset).
        queue = model_admin.get_queryset(request)
        counts = capped_counts([queue.filter(status=v) for v in OpinionStatus.values], EXACT_COUNT_LIMIT)
        return [
            (value, f"{label} ({shown_count(n, EXACT_COUNT_LIMIT)})")
            for (value, label), n in zip(OpinionStatus.choices, counts, strict=True)
        ]

    def value(self):
        return super().value() or OpinionStatus.PENDING

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }
        yield {
            "selected": self.value() == self.ALL,
            "query_string": changelist.get_query_string({self.parameter_name: self.ALL}),
            "display": "All",
        }

    def queryset(self, request, queryset):
        if self.value() == self.ALL:
            return queryset
        return queryset.filter(status=self.value())


class OpinionStoryFilter(admin.RelatedFieldListFilter):
    """The stories whose opinions have waited longest for a moderator, each with how many wait on it.

    Not every story with an opinion (on a large archive, most of them): the first few in the queue's own
    order, found among the oldest pending opinions (opinion_queue_idx), and the story already chosen, if any.
    Any other story is a search away, or one click on the "(all)" link beside it in the queue.
    """

    title_text = "story with pending opinions"
    shown = 20
    # Oldest pending opinions read to find them: at least `shown` stories unless a few stories hold them all.
    read = 200

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = self.title_text

    def field_choices(self, field, request, model_admin):
        # Only stories the person may open, like the queue itself (OpinionAdmin.get_queryset).
        oldest = model_admin.get_queryset(request).pending().order_by("created_at").values("story_id")[: self.read]
        stories = Story.objects.visible_to(request.user)
        choices = self._waiting(stories.filter(pk__in=oldest), self.shown)
        listed = {str(pk) for pk, _ in choices}
        ids = [v for v in self.lookup_val or [] if v.isascii() and v.isdigit() and len(v) <= 19]  # a bigint's digits
        chosen = {str(int(v)) for v in ids} - listed
        if chosen:
            # One exact lookup each: Django answers an out-of-range id with no row rather than an error.
            choices += self._waiting(stories.filter(Q.create([("pk", v) for v in chosen], connector=Q.OR)))
        return choices

    @staticmethod
    def _waiting(stories, limit=None):
        """(pk, "Headline (pending count)") of the stories, the one waiting longest first."""
        pending = Q(opinions__status=OpinionStatus.PENDING)
        rows = (
            stories.annotate(
                waiting=Count("opinions", filter=pending), since=Min("opinions__created_at", filter=pending)
            )
            .order_by(F("since").asc(nulls_last=True), "pk")
            .values_list("pk", "title", "waiting")[:limit]
        )
        return [(pk, f"{title} ({waiting})" if waiting else title) for pk, title, waiting in rows]


# Bulk actions in the queue, and the same decisions on an opinion's own page.
_BOTH = [admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM]


@admin.register(Opinion)
class OpinionAdmin(ArchiveListAdmin):
    list_display = ["story_link", "author", "excerpt", "age", "flag_list"]
    list_display_links = ["author"]
    list_filter = [OpinionStatusFilter, ("story", OpinionStoryFilter), ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["story"]
    # Oldest first: the queue is worked through in the order readers wrote (opinion_queue_idx: status, then
    # time). Only the age column sorts: the others have no index to sort a large queue by.
    ordering = ["created_at", "pk"]
    sortable_by = ["age"]
    search_fields = ["author_name", "body", "email", "story__title"]
    search_help_text = "Search names, opinion text, email addresses and headlines."
    # The status filter counts on its own, in one query; facets would count every filter again.
    show_facets = admin.ShowFacets.NEVER
    actions = ["approve_selected", "reject_selected", "spam_selected"]
    fields = [
        "story_link",
        "author_name",
        "email",
        "body_text",
        "status",
        "flag_list",
        "created_at",
        "moderated_by",
        "moderated_at",
    ]
    readonly_fields = fields

    class Media:
        css = {"all": ["css/admin-opinions.css"]}

    # --- Rights: view to see the queue, moderate_opinion to decide; nobody edits a reader's words ---

    def get_queryset(self, request):
        # Opinions on stories the person may open, no others: the queue, its search, filters and counts, and
        # each opinion's page and decision read through here.
        return of_visible_stories(request, super().get_queryset(request))

    def has_moderate_permission(self, request):
        return workflow.may_moderate(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        # Deleting loses the record of a decision; spam and rejection keep it.
        actions.pop("delete_selected", None)
        return actions

    def get_list_display(self, request):
        if not self.has_moderate_permission(request):
            return self.list_display
        return [*self.list_display, self._quick_actions_column(request)]

    # --- Columns ---

    @admin.display(description="story", ordering="story__title")
    def story_link(self, opinion):
        return format_html(
            '<a href="{}">{}</a> <a class="opinion-story-filter" href="?story__id__exact={}&amp;status=all" '
            'title="Every opinion on this story">(all)</a>',
            reverse("admin:stories_story_change", args=[opinion.story_id]),
            opinion.story.title,
            opinion.story_id,
        )

    @admin.display(description="author", ordering="author_name")
    def author(self, opinion):
        if opinion.email:
            return format_html('{}<br><span class="opinion-email">{}</span>', opinion.author_name, opinion.email)
        return opinion.author_name

    @admin.display(description="opinion")
    def excerpt(self, opinion):
        return format_html('<span class="opinion-excerpt">{}</span>', Truncator(opinion.body).chars(300))

    @admin.display(description="text")
    def body_text(self, opinion):
        return format_html('<div class="opinion-fulltext">{}</div>', opinion.body)

    @admin.display(description="age", ordering="created_at")
    def age(self, opinion):
        when = timezone.localtime(opinion.created_at)
        return format_html(
            '<time datetime="{}" title="{}">{}</time>',
            when.isoformat(),
            format_when(when),
            timesince(opinion.created_at, depth=1),
        )

    @admin.display(description="flags")
    def flag_list(self, opinion):
        flags = [opinions.FLAG_LABELS.get(flag, flag) for flag in opinion.flags or []]
        if not flags:
            return "—"
        return format_html_join(" ", '<span class="opinion-flag">{}</span>', ((flag,) for flag in flags))

    def _quick_actions_column(self, request):
        # The buttons submit the changelist's own form (it carries the CSRF token) to the
        # moderate view; a form of their own would be a form nested in a form.
        back = request.GET.urlencode()

        @admin.display(description="decide")
        def quick_actions(opinion):
            url = reverse("admin:stories_opinion_moderate", args=[opinion.pk])
            if back:
                url += "?" + urlencode({"_changelist_filters": back})
            return format_html_join(
                "",
                '<button type="submit" class="button opinion-decide opinion-decide-{}" formaction="{}" '
                'formmethod="post" name="decision" value="{}" aria-label="{} the opinion by {}">{}</button>',
                (
                    (decision, url, decision, label, opinion.author_name, label)
                    for decision, label in workflow.MODERATION_DECISIONS.items()
                    if decision != opinion.status
                ),
            )

        return quick_actions

    # --- Page titles and counts ---

    def changelist_view(self, request, extra_context=None):
        status = request.GET.get(OpinionStatusFilter.parameter_name) or OpinionStatus.PENDING
        if status == OpinionStatus.PENDING:
            title = "Opinions waiting for a moderator"
        elif status in OpinionStatus.values:
            title = f"{OpinionStatus(status).label} opinions"
        else:
            title = "All opinions"
        return super().changelist_view(request, {**(extra_context or {}), "title": title})

    # --- Decisions ---

    def get_urls(self):
        return [
            path(
                "<path:object_id>/moderate/",
                self.admin_site.admin_view(self.moderate_view),
                name="stories_opinion_moderate",
            ),
            *super().get_urls(),
        ]

    def moderate_view(self, request, object_id):
        """One decision from a row's button (or the opinion's page), then back to the queue."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        opinion = self.get_object(request, unquote(object_id))
        if opinion is None:
            raise Http404("No such opinion.")
        self._decide(request, [opinion], request.POST.get("decision", ""))
        url = reverse("admin:stories_opinion_changelist")
        back = request.GET.get("_changelist_filters", "")
        return HttpResponseRedirect(f"{url}?{back}" if back else url)

    @admin.action(
        description="Approve", description_plural="Approve selected opinions", permissions=["moderate"], location=_BOTH
    )
    def approve_selected(self, request, queryset):
        self._decide(request, queryset, OpinionStatus.APPROVED)

    @admin.action(
        description="Reject", description_plural="Reject selected opinions", permissions=["moderate"], location=_BOTH
    )
    def reject_selected(self, request, queryset):
        self._decide(request, queryset, OpinionStatus.REJECTED)

    @admin.action(
        description="Mark as spam",
        description_plural="Mark selected opinions as spam",
        permissions=["moderate"],
        location=_BOTH,
    )
    def spam_selected(self, request, queryset):
        self._decide(request, queryset, OpinionStatus.SPAM)

    def _decide(self, request, selected, decision):
        done = 0
        try:
            for opinion in selected:
                workflow.moderate(opinion, request.user, decision)
                done += 1
        except PermissionDenied as exc:
            messages.error(request, str(exc) or "You may not moderate opinions.")
            return
        except workflow.TransitionError as exc:
            messages.error(request, " ".join(exc.messages))
            return
        verb = {
            OpinionStatus.APPROVED: "approved: now shown on the story",
            OpinionStatus.REJECTED: "rejected",
            OpinionStatus.SPAM: "marked as spam",
        }[decision]
        noun = "opinion" if done == 1 else "opinions"
        messages.success(request, f"{done} {noun} {verb}.")


@admin.register(ModerationPolicy)
class ModerationPolicyAdmin(admin.ModelAdmin):
    """The site's one policy row: its list page opens the row itself."""

    list_display = ["__str__", "link_limit", "banned_word_action", "close_after_days"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not ModerationPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        policy = ModerationPolicy.objects.order_by("pk").first()
        if policy is not None and self.has_view_or_change_permission(request, policy):
            return HttpResponseRedirect(reverse("admin:stories_moderationpolicy_change", args=[policy.pk]))
        if policy is None and self.has_add_permission(request):
            return HttpResponseRedirect(reverse("admin:stories_moderationpolicy_add"))
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The closing delay decides whether story pages show the form.
        pagecache.purge_public_pages_on_commit()


@admin.register(BannedWord)
class BannedWordAdmin(admin.ModelAdmin):
    form = BannedWordForm
    list_display = ["word"]
    search_fields = ["word"]
