"""Form widgets for the editorial back office."""

from django import forms


class RichTextWidget(forms.Textarea):
    """A textarea that static/js/richtext-editor.js turns into a small toolbar editor.

    Without JavaScript it stays a plain textarea of HTML, so the form always works;
    whatever arrives is cleaned by `stories.richtext.sanitize_html` when the story is saved.
    """

    def __init__(self, attrs=None):
        super().__init__(attrs={"rows": 18, "data-richtext": "", **(attrs or {})})

    class Media:
        css = {"all": ["css/admin.css"]}
        js = ["js/richtext-editor.js"]
