"""Stories in the desk: the story form with its highlights and corrections, the list and the import page.

The workflow panel and the views its buttons post to are in story_workflow.py, the revisions and held changes in
story_history.py; StoryAdmin mixes both in.

Status never appears as a form field: the buttons on a story's page post to `StoryAdmin.transition_view`,
which calls `stories.workflow` and turns its refusals into messages. Saving the form is
`workflow.edit_story`.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .. import images, workflow
from ..dates import format_local
from ..models import Correction, Highlight, Status, Story, display_name
from ..richtext import sanitize_html
from . import importing
from .filters import AuthorFilter, SectionFilter, StatusFilter
from .forms import HELD_FIELDS, NOT_STORY_FIELDS, StoryAdminForm, TagsField, highlight_order
from .lists import ArchiveListAdmin
from .story_autosave import StoryAutosaveViews, autosave_context, forget_autosave
from .story_history import StoryHistoryViews
from .story_inlines import CorrectionInline, HighlightInline, renumber_highlights
from .story_workflow import StoryWorkflowViews


@admin.register(Story)
class StoryAdmin(StoryWorkflowViews, StoryHistoryViews, StoryAutosaveViews, ArchiveListAdmin):
    form = StoryAdminForm
    inlines = [HighlightInline, CorrectionInline]
    prepopulated_fields = {"slug": ["title"]}
    # In the order of the story as readers see it: the headline and standfirst, then (change_form.html puts the
    # highlights after the first fieldset) the body, then where it is filed.
    fieldsets = [
        (None, {"fields": ["title", "standfirst"], "classes": ["story-headline"]}),
        ("Story", {"fields": ["body"], "classes": ["story-body"]}),
        ("Filing", {"fields": ["section", "tags", "authors", "dateline", "slug"]}),
        (
            "Lead image",
            {
                "fields": [
                    "lead_image",
                    "lead_image_alt",
                    "lead_image_caption",
                    "lead_image_preview",
                    ("lead_image_focus_x", "lead_image_focus_y"),
                ],
                "description": "Optional. When there is an image, its alt text is required. Its focal point "
                "(click the preview, or give it in percent) stays inside every crop: the front page, the "
                "story cards and social cards.",
            },
        ),
        (
            "Embargo and expiry",
            {
                "fields": ["embargo_until", "expires_at"],
                "classes": ["collapse"],
                "description": "Times in the newsroom's time zone. Both are kept by the clock: nothing to run.",
            },
        ),
        ("Reader opinions", {"fields": ["opinions_closed"], "classes": ["collapse"]}),
    ]
    # Plain, labelled widgets: Django's filter_horizontal and select2 autocomplete
    # fail axe checks (unlabelled search box, aria-label on a plain span).
    # Three columns, each wrapping, so that the list needs no sideways scrolling at 1280 px with the admin's
    # sidebar and the filters open, and stacks on a phone (admin.css).
    list_display = ["title", "publication", "filing"]
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
        # The highlights' and the autosave's scripts come with the form itself (change_form.html): they run as
        # soon as it is parsed, so a restored autosave fills it before the body's editor starts and reads it.
        js = ["js/admin-workflow.js", "js/focal-point.js"]

    readonly_fields = ["lead_image_preview"]

    # --- Columns and read-only fields ---

    @admin.display(description="focal point")
    def lead_image_preview(self, story):
        """The stored lead image with its focal point marked; clicking it moves the point (focal-point.js)."""
        if not story.lead_image:
            return "Save the story with an image to see it here."
        return format_html(
            '<span class="focal-preview" data-focus-x="{}" data-focus-y="{}">'
            '<img src="{}" alt="{}" width="{}" height="{}"><span class="focal-marker" hidden></span></span>'
            '<span class="help">Click the subject of the picture to keep it inside every crop; the numbers '
            "below say where it is, in percent.</span>",
            story.lead_image_focus_x,
            story.lead_image_focus_y,
            story.lead_image.url,
            f"Focal point of: {story.lead_image_alt}",
            story.lead_image_width or "",
            story.lead_image_height or "",
        )

    @admin.display(description="status", ordering="status")
    def status_label(self, story):
        """The story's state as a badge (the list's column and the story page's workflow panel)."""
        if story.is_embargoed:
            key, label = "embargoed", f"Embargoed until {format_local(story.embargo_until)}"
        elif story.is_scheduled:
            key, label = "scheduled", "Scheduled"
        elif story.is_expired:
            key, label = "expired", "Expired"
        else:
            key, label = story.status, story.get_status_display()
        return format_html('<span class="status-badge status-{}">{}</span>', key, label)

    @admin.display(description="status and time", ordering="published_at")
    def publication(self, story):
        """The list's status column: the badge, and under it when the story went or goes live."""
        if story.is_scheduled:
            when = f"Scheduled for {format_local(story.published_at)}"
        elif story.is_live:
            when = f"Published {format_local(story.published_at)}"
        else:
            return self.status_label(story)
        return format_html('{}<span class="story-list-meta">{}</span>', self.status_label(story), when)

    @admin.display(description="section, byline, last edited")
    def filing(self, story):
        """The list's third column: what a story is filed under, by whom, and when it last changed."""
        parts = [story.section.name if story.section else "No section", self.byline(story)]
        return format_html(
            '{}<span class="story-list-meta">edited {}</span>', " · ".join(parts), format_local(story.updated_at)
        )

    @admin.display(description="byline")
    def byline(self, story):
        # In the order of the people's accounts, as the site shows a byline (the prefetch has no order of its own).
        people = sorted(story.authors.all(), key=lambda person: person.pk)
        return ", ".join(display_name(person) for person in people) or "—"

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        if self.has_change_permission(request, obj):
            telling = ["change_kind"] if obj.is_live else []  # readers saw it: say whether they are told it changed
            if not workflow.can_edit(request.user, obj):
                # A writer's own live story: what they save waits for an editor, and only its text can.
                description = (
                    "This story is published: your changes wait for an editor's review, and readers keep the "
                    "live text until an editor publishes them."
                )
                return [
                    *_read_only_as_shown(fieldsets, READ_ONLY_PEOPLE_AND_IMAGE),
                    ("Changes for review", {"fields": [*telling, "revision_comment"], "description": description}),
                ]
            if workflow.edit_is_held(request.user, obj, asked=True):
                telling += ["hold_for_review", "revision_comment"]
            if telling:
                fieldsets = [*fieldsets, ("Telling readers", {"fields": telling})]
            return fieldsets
        # Read-only readers see the body as readers will, not its HTML source; people by name, the image itself.
        return _read_only_as_shown(fieldsets, {"body": "rendered_body", **READ_ONLY_PEOPLE_AND_IMAGE})

    @admin.display(description="body")
    def rendered_body(self, story):
        # The body is sanitised on every save; cleaning again costs little and keeps this safe on its own.
        return mark_safe(f'<div class="story-body-preview">{sanitize_html(story.body)}</div>')  # noqa: S308

    @admin.display(description="lead image")
    def lead_image_thumbnail(self, story):
        if not story.lead_image:
            return "—"
        return format_html(
            '<img class="lead-image-thumbnail" src="{}" alt="{}">', story.lead_image.url, story.lead_image_alt
        )

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
        # A writer may change their own live story's text too: the save is held for an editor's review.
        return workflow.can_edit(request.user, obj) or workflow.edit_is_held(request.user, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not workflow.can_edit(request.user, obj) and workflow.edit_is_held(request.user, obj):
            # Only the text waits for review: the rest of a writer's live story stays as the desk left it.
            shown = flatten_fieldsets(self.get_fieldsets(request, obj))
            return [name for name in shown if name not in HELD_FIELDS and name not in NOT_STORY_FIELDS]
        return super().get_readonly_fields(request, obj)

    def get_prepopulated_fields(self, request, obj=None):
        if "slug" in self.get_readonly_fields(request, obj):
            return {}
        return super().get_prepopulated_fields(request, obj)

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
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "tags":
            # Typed, not picked from a list; and without the admin's "add another" popup (TagsField adds them).
            return TagsField(may_create=request.user.has_perm("stories.add_tag"))
        return super().formfield_for_dbfield(db_field, request, **kwargs)

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
            renumber_highlights(formset)

    def save_related(self, request, form, formsets, change):
        story = form.instance
        forget_autosave(request.user, story)  # saved (or held for review): nothing of it is unsaved any more
        if change and workflow.edit_is_held(request.user, story, form.cleaned_data.get("hold_for_review")):
            # Nothing of the story is written: its changes wait for an editor (the workflow panel lists them).
            story.held_revision = workflow.propose_revision(
                story,
                request.user,
                _held_changes(form, formsets),
                comment=form.cleaned_data.get("revision_comment", ""),
                substantive=_tells_readers(form, formsets),
            )
            return
        workflow.edit_story(
            form.instance,
            request.user,
            fields=[name for name in form.fields if name not in FORM_ONLY_FIELDS],
            base_version=form.cleaned_data.get("base_version"),
            save_related=lambda story: super(StoryAdmin, self).save_related(request, form, formsets, change),
            comment=self._revision_comment(form, formsets, change),
            substantive=_tells_readers(form, formsets),
        )
        images.delete_replaced_lead_image(form)
        images.make_renditions_of_new_lead_image(form)

    def construct_change_message(self, request, form, formsets, add=False):
        if getattr(form.instance, "held_revision", None) is not None:
            return "Changes held for review; the live story did not change."  # nothing of the formsets was saved
        return super().construct_change_message(request, form, formsets, add)

    def response_add(self, request, obj, post_url_continue=None):
        if SAVE_AND_SUBMIT in request.POST:
            return self._submit_after_save(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        revision = getattr(obj, "held_revision", None)
        if revision is None and SAVE_AND_SUBMIT in request.POST:
            return self._submit_after_save(request, obj)
        if revision is None:
            return super().response_change(request, obj)
        messages.success(
            request,
            f"Your changes to “{revision.base['title']}” are held for review. Readers keep the live text until an "
            "editor publishes them.",
        )
        return HttpResponseRedirect(self._change_url(obj))

    def _submit_after_save(self, request, story):
        """Save and submit for review: the save is made, then the move, which may still be refused (the
        highlights rule): the save is kept, and the message says why the story was not submitted."""
        try:
            workflow.submit_for_review(story, request.user)
        except PermissionDenied as exc:
            messages.warning(request, f"“{story}” was saved, but not submitted for review: {exc}")
        except workflow.TransitionError as exc:
            reason = " ".join(exc.messages)
            messages.warning(request, f"“{story}” was saved, but not submitted for review: {reason}")
        else:
            messages.success(request, f"“{story}” was saved and submitted for review. The editors have been told.")
        return HttpResponseRedirect(self._change_url(story))

    @staticmethod
    def _revision_comment(form, formsets, change):
        changed = [form.fields[name].label or name for name in form.changed_data if name not in FORM_ONLY_FIELDS]
        changed += [fs.model._meta.verbose_name_plural for fs in formsets if fs.has_changed()]
        if not change:
            comment = "Created."
        elif changed:
            comment = "Changed " + ", ".join(str(c).lower() for c in changed) + "."
        else:
            comment = "Saved with no changes."
        if form.instance.status == Status.PUBLISHED:
            comment += " Live at once (published story)."
        if "change_kind" in form.fields:
            comment += " Readers told: “Updated”." if _tells_readers(form, formsets) else " Minor: readers not told."
        return comment

    # --- Pages ---

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="{}_{}_import".format(*info)),
            path("add/autosave/", view(self.add_autosave_view), name="{}_{}_add_autosave".format(*info)),
            path("<path:object_id>/autosave/", view(self.autosave_view), name="{}_{}_autosave".format(*info)),
            path(
                "import/<str:result_id>/",
                view(self.import_status_view),
                name="{}_{}_import_status".format(*info),
            ),
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
                "<path:object_id>/pending/<int:revision_id>/compare/",
                view(self.pending_compare_view),
                name="{}_{}_pending_compare".format(*info),
            ),
            path(
                "<path:object_id>/pending/<int:revision_id>/<str:decision>/",
                view(self.pending_decision_view),
                name="{}_{}_pending_decision".format(*info),
            ),
            path("<path:object_id>/live/", view(self.live_view), name="{}_{}_live".format(*info)),
            path(
                "<path:object_id>/live/<int:update_id>/",
                view(self.live_update_view),
                name="{}_{}_live_edit".format(*info),
            ),
            path(
                "<path:object_id>/live/<int:update_id>/delete/",
                view(self.live_delete_view),
                name="{}_{}_live_delete".format(*info),
            ),
            path(
                "<path:object_id>/preview-link/",
                view(self.preview_link_view),
                name="{}_{}_preview_link".format(*info),
            ),
            path(
                "<path:object_id>/partner-link/",
                view(self.partner_link_view),
                name="{}_{}_partner_link".format(*info),
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The story the change view already fetched (and checked): the workflow panel needs no second read.
        if change and obj is not None:
            context.update(self._workflow_context(request, obj))
        # The person's own unsaved changes, offered back (stories.admin.story_autosave).
        if not context.get("is_popup") and (add or self.has_change_permission(request, obj)):
            context.update(autosave_context(request, obj if change else None))
        # The save row's "Save and submit for review" (newsroom/templates/admin/stories/story/submit_line.html).
        context["save_and_submit"] = not context.get("is_popup") and workflow.may_save_and_submit(
            request.user, obj if obj is not None else Story()
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changelist_view(self, request, extra_context=None):
        # The import page refuses everyone else.
        import_url = reverse("admin:stories_story_import") if importing.may_use(request.user) else None
        return super().changelist_view(request, {**(extra_context or {}), "import_url": import_url})

    def import_view(self, request):
        """Upload plain-text story documents and see what became of each (stories.admin.importing)."""
        return importing.import_stories(self, request)

    def import_status_view(self, request, result_id):
        """A batch imported by the background worker, as it goes (stories.admin.importing)."""
        return importing.import_status(self, request, result_id)


FORM_ONLY_FIELDS = NOT_STORY_FIELDS

# The name of the save row's "Save and submit for review" button.
SAVE_AND_SUBMIT = "_submit_for_review"

# What a person who may not change them sees of the byline and the lead image: people's names (StoryAdmin.byline),
# not their usernames; the image, not its file's path.
READ_ONLY_PEOPLE_AND_IMAGE = {"authors": "byline", "lead_image": "lead_image_thumbnail"}


def _read_only_as_shown(fieldsets, shown: dict[str, str]):
    """`fieldsets` with each field named in `shown` replaced by the read-only display that shows it."""
    return [(name, {**opts, "fields": [shown.get(f, f) for f in opts["fields"]]}) for name, opts in fieldsets]


def _tells_readers(form, formsets) -> bool:
    """Whether this save tells readers the story changed: the editor called it substantive, or it adds a notice."""
    new_notices = (
        notice.instance
        for formset in formsets
        if formset.model is Correction
        for notice in formset.forms
        if notice.has_changed() and not notice.cleaned_data.get("DELETE")
    )
    return form.is_substantive or workflow.adds_notice(new_notices)


def _held_changes(form, formsets) -> dict:
    """What a save held for review proposes: the story's text as the form has it, its highlights in the chosen
    order, and (refused by the workflow, which says so) anything else the save changed."""
    data = {name: form.cleaned_data[name] for name in HELD_FIELDS if name in form.cleaned_data}
    data.update(
        {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name not in data and name not in FORM_ONLY_FIELDS
        }
    )
    for formset in formsets:
        if formset.model is Highlight:
            data["highlights"] = [form.cleaned_data["text"] for form in highlight_order(formset)]
        elif formset.has_changed():
            data["notices" if formset.model is Correction else formset.model._meta.model_name] = "changed"
    return data
