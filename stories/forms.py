"""Forms readers and staff fill in outside the story editor."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

# The rules on text live on the model fields; the reader's form applies the same two (and other
# forms, people's names in the user admin for one, import them from here).
from .models import BannedWord, Opinion, reject_control_characters, reject_line_breaks


class PlainTextField(forms.CharField):
    """Multi-line plain text with line endings made uniform before the length is counted.

    Browsers send a textarea's line breaks as CRLF while its `maxlength` counts each as one
    character; normalising first keeps the server's limit the one the reader was shown.
    """

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n")


class HoneypotInput(forms.TextInput):
    """A field people never see; it is rendered empty even after a refused post."""

    def format_value(self, value):
        return None


class OpinionForm(forms.ModelForm):
    """A reader's opinion on a story, from the form at the foot of the story page."""

    author_name = forms.CharField(
        label="Name",
        max_length=Opinion._meta.get_field("author_name").max_length,
        validators=[reject_control_characters, reject_line_breaks],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="Email (optional)",
        required=False,
        help_text="Never shown. A moderator may use it to contact you about your opinion.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    body = PlainTextField(
        label="Your opinion",
        max_length=settings.OPINION_MAX_LENGTH,
        help_text=f"Plain text, up to {settings.OPINION_MAX_LENGTH:,} characters. Links are not clickable.",
        validators=[reject_control_characters],
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    # The honeypot: bots fill in every field they find, people never see this one.
    website = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=HoneypotInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    class Meta:
        model = Opinion
        fields = ["author_name", "email", "body"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("website"):
            raise ValidationError(
                "Your opinion could not be sent. If a form-filling tool filled in this form, "
                "switch it off for this page and send your opinion again.",
                code="honeypot",
            )
        return cleaned


class BannedWordForm(forms.ModelForm):
    """A banned word or phrase, stored in lower case: matching ignores case, so "Spam" and "spam" are one entry."""

    class Meta:
        model = BannedWord
        fields = ["word"]
        help_texts = {"word": "A word or short phrase; matched as a whole word, ignoring case."}

    def clean_word(self):
        word = " ".join(self.cleaned_data["word"].split()).casefold()
        if not word:
            raise ValidationError("Enter a word or phrase.", code="required")
        return word
