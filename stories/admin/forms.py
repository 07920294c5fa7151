"""The story form of the desk, its highlights, and the form behind the workflow buttons."""

from django import forms

from .. import images, workflow
from ..models import Story
from ..widgets import RichTextWidget


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
            # Locks the row for the rest of the admin's transaction, in which edit_story saves: nobody can
            # save or move the story in between. The person's right is checked by edit_story.
            # The state as locked, not as read when the request began, becomes the instance's: the highlights
            # formset and edit_story's rights check judge the save by it.
            workflow.lock_for_edit(self.instance, None, cleaned.get("base_version"))
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
