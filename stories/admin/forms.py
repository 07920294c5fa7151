"""The story form of the desk, its highlights, and the form behind the workflow buttons."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import get_text_list

from .. import images, workflow
from ..models import ONE_LINE_VALIDATORS, TEXT_VALIDATORS, Status, Story, Tag, tag_key, tag_slug
from ..widgets import RichTextWidget, TagsInput

# The story form's fields a pending revision holds (workflow.REVISION_PARTS, with the section as the form has it).
HELD_FIELDS = [name.removesuffix("_id") for name in workflow.REVISION_PARTS if name != "highlights"]

# Fields of the story form that are not the story's: how the save is made, not what it writes.
NOT_STORY_FIELDS = {"base_version", "change_kind", "hold_for_review", "revision_comment"}


# The lead image's focal point, in percent (stories.renditions): the centre unless the desk moves it.
FOCUS_FIELDS = ("lead_image_focus_x", "lead_image_focus_y")


def _centre_if_empty(value):
    return Story._meta.get_field("lead_image_focus_x").default if value is None else value


class ChangeKind(models.TextChoices):
    MINOR = "minor", "Minor change (typo, style): readers are not told"
    SUBSTANTIVE = "substantive", "Substantive change: readers see “Updated”"


class TagsField(forms.Field):
    """A story's tags typed as names separated by commas; an existing tag is reused whatever its case and spacing.

    A name no tag has becomes a new tag when the person may add tags (`may_create`: stories.add_tag); otherwise
    it is an error naming it. Cleaned, the field is a list of tags, the new ones not yet saved: `save_new_tags`
    stores them with the story (StoryAdminForm._save_m2m), so a form refused for another reason creates none.
    """

    widget = TagsInput
    MAX_LENGTH = Tag._meta.get_field("name").max_length

    def __init__(self, *, may_create=False, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "Tags")
        kwargs.setdefault(
            "help_text",
            "Separate tags with commas. Start typing to find existing tags"
            + ("; a new name becomes a new tag." if may_create else "."),
        )
        super().__init__(**kwargs)
        self.may_create = may_create
        self.widget.suggestions = lambda: list(Tag.objects.values_list("name", flat=True))

    @staticmethod
    def names(value) -> list[str]:
        """The names typed, tidied (spacing), each once (case and spacing aside), in the order typed."""
        names = {}
        for part in (value or "").split(","):
            name = " ".join(part.split())
            if name:
                names.setdefault(tag_key(name), name)
        return list(names.values())

    def prepare_value(self, value):
        if isinstance(value, str) or value is None:
            return value or ""
        tags = [item for item in value if isinstance(item, Tag)]
        if len(tags) < len(value):  # primary keys (the add page's ?tags=1,2)
            tags += Tag.objects.filter(pk__in=[item for item in value if not isinstance(item, Tag)])
        return ", ".join(tag.name for tag in tags)

    def to_python(self, value):
        return self.names(value)

    def validate(self, names):
        super().validate(names)
        errors = []
        for name in names:
            if len(name) > self.MAX_LENGTH:
                errors.append(f"“{name[:20]}…” is too long for a tag: at most {self.MAX_LENGTH} characters.")
            elif not tag_slug(name):
                errors.append(f"“{name}” needs a letter or a digit to make the tag's address.")
            for validator in ONE_LINE_VALIDATORS:
                try:
                    validator(name)
                except ValidationError as exc:
                    errors += exc.messages
        if errors:
            raise ValidationError(errors)

    def clean(self, value):
        names = super().clean(value)
        existing = Tag.objects.named(names)
        unknown = [name for name in names if tag_key(name) not in existing]
        if unknown and not self.may_create:
            quoted = get_text_list([f"“{name}”" for name in unknown], "or")
            raise ValidationError(
                f"There is no tag {quoted}. Choose existing tags; an editor can add new ones.", code="unknown_tag"
            )
        tags = []
        for name in names:
            tag = existing.get(tag_key(name)) or Tag(name=name, slug=tag_slug(name))
            if all(tag.slug != chosen.slug for chosen in tags):  # two new names making one address: one tag
                tags.append(tag)
        return tags

    def has_changed(self, initial, data):
        before = {tag_key(name) for name in self.names(self.prepare_value(initial))}
        return before != {tag_key(name) for name in self.names(data)}


def save_new_tags(tags: list[Tag]) -> list[Tag]:
    """`tags` with the new ones stored (one made meanwhile by someone else, at the same address, is reused)."""
    return [tag if tag.pk else Tag.objects.get_or_create(slug=tag.slug, defaults={"name": tag.name})[0] for tag in tags]


class StoryAdminForm(forms.ModelForm):
    # The version the editor started from; a save based on an older one is refused (optimistic locking).
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Whether readers are told a live story changed (workflow.edit_story's `substantive`). Only a live story's
    # form has it (StoryAdmin.get_fieldsets); left out, a save is minor.
    change_kind = forms.ChoiceField(
        label="This change",
        choices=ChangeKind.choices,
        initial=ChangeKind.MINOR,
        required=False,
        widget=forms.RadioSelect,
        help_text="A substantive change moves the story's “Updated” time, its date in search results and feeds. "
        "Adding a correction or update below does too.",
    )

    # An editor's choice on a published story: hold this save as a pending revision (workflow.edit_is_held). A
    # writer's save of their own published story is always held; they see no choice (StoryAdmin.get_fieldsets).
    hold_for_review = forms.BooleanField(
        label="Hold these changes for review instead of publishing them now",
        required=False,
        initial=False,
        help_text="Readers keep the live text until an editor publishes the changes from the workflow panel.",
    )
    revision_comment = forms.CharField(
        label="Note for the reviewing editor",
        required=False,
        max_length=2000,
        validators=TEXT_VALIDATORS,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept with the held changes and shown to whoever reviews them.",
    )

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
            "lead_image_focus_x",
            "lead_image_focus_y",
            "opinions_closed",
            "embargo_until",
            "expires_at",
        ]
        # Says why an upload is refused, and names it for its real format (the model's validator insists).
        field_classes = {"lead_image": images.LeadImageFormField}
        widgets = {
            "title": forms.TextInput(attrs={"class": "vTextField story-wide"}),
            "slug": forms.TextInput(attrs={"class": "vTextField story-wide"}),
            "standfirst": forms.Textarea(attrs={"rows": 2, "class": "story-wide"}),
            "body": RichTextWidget,
            # The focal point picker (newsroom/static/js/focal-point.js) sets these when the preview is clicked.
            "lead_image_focus_x": forms.NumberInput(attrs={"min": 0, "max": 100, "class": "focal-input"}),
            "lead_image_focus_y": forms.NumberInput(attrs={"min": 0, "max": 100, "class": "focal-input"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "lead_image" in self.fields:
            # The admin's file widget puts its "Change:" text between label and input; name the input itself.
            self.fields["lead_image"].widget.attrs["aria-label"] = "Lead image"
        for name in FOCUS_FIELDS:
            if name in self.fields:
                self.fields[name].required = False  # left empty: the centre, as before there was a focal point
        if self.instance.pk:
            self.fields["base_version"].initial = self.instance.version
        if not (self.instance.pk and self.instance.is_live):
            self.fields.pop("change_kind", None)  # nothing readers saw: nothing to tell them
        if not (self.instance.pk and self.instance.status == Status.PUBLISHED):
            self.fields.pop("hold_for_review", None)  # only a published story's changes wait for review
            self.fields.pop("revision_comment", None)

    def _save_m2m(self):
        # New tags typed into the form are stored with the story, in its transaction (TagsField).
        if isinstance(self.fields.get("tags"), TagsField) and "tags" in self.cleaned_data:
            self.cleaned_data["tags"] = save_new_tags(self.cleaned_data["tags"])
        super()._save_m2m()

    def clean_lead_image_focus_x(self):
        return _centre_if_empty(self.cleaned_data.get("lead_image_focus_x"))

    def clean_lead_image_focus_y(self):
        return _centre_if_empty(self.cleaned_data.get("lead_image_focus_y"))

    @property
    def is_substantive(self) -> bool:
        """Whether the editor called this save of a live story substantive (minor when not asked)."""
        return self.cleaned_data.get("change_kind") == ChangeKind.SUBSTANTIVE

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("lead_image") and not (cleaned.get("lead_image_alt") or "").strip():
            self.add_error("lead_image_alt", "Describe the image for readers who cannot see it.")
        if self.instance.pk and "base_version" in self.fields:
            # Locks the row for the rest of the admin's transaction, in which edit_story saves: nobody can
            # save or move the story in between. The person's right is checked by edit_story.
            # The state as locked, not as read when the request began, becomes the instance's: the highlights
            # formset and edit_story's rights check judge the save by it.
            locked = workflow.lock_for_edit(self.instance, None, cleaned.get("base_version"))
            if "embargo_until" in cleaned:
                try:
                    workflow.check_embargo(
                        locked.status, locked.published_at, locked.embargo_until, cleaned["embargo_until"]
                    )
                except workflow.TransitionError as exc:
                    self.add_error("embargo_until", exc)
        if cleaned.get("hold_for_review"):
            unheld = [
                str(self.fields[name].label or name).lower()
                for name in self.changed_data
                if name not in HELD_FIELDS and name not in NOT_STORY_FIELDS
            ]
            if unheld:
                self.add_error(
                    "hold_for_review",
                    f"Only the text waits for review: save the change to {', '.join(unheld)} without holding it.",
                )
        expires, embargo = cleaned.get("expires_at"), cleaned.get("embargo_until")
        if expires and embargo and expires <= embargo:
            self.add_error("expires_at", "The story would expire before its embargo ends: choose a later time.")
        return cleaned


# Where a highlight without a position goes: after the others (a row added on a page without script).
UNPLACED = 1_000


class HighlightForm(forms.ModelForm):
    def clean_position(self):
        # The position is hidden and written by the page's script: left empty, the row keeps its place in the form.
        return self.cleaned_data.get("position") or 0


def highlight_order(formset) -> list:
    """The highlight forms a save keeps, in the order it gives them: by position (the page's script numbers every
    row), rows without one after the others, ties in the order of the form."""
    kept = [form for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
    return sorted(kept, key=lambda form: form.cleaned_data.get("position") or UNPLACED)


class HighlightFormSet(forms.BaseInlineFormSet):
    # What the upper bound (the inline's max_num, validated: see HighlightInline.get_formset) says.
    default_error_messages = {"too_many_forms": "A story has at most %(num)d highlights."}
    # What a story needs to leave draft (the page's count says when there are fewer).
    min_highlights = workflow.MIN_HIGHLIGHTS

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
