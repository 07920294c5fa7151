"""Form widgets for the editorial back office."""

from django import forms
from django.utils.html import format_html, format_html_join
from django_prose_editor.widgets import ProseEditorWidget
from js_asset import InlineStyle, Media

from .richtext import EDITOR_EXTENSIONS


class RichTextWidget(ProseEditorWidget):
    """The story body's editor: django-prose-editor (ProseMirror), offering exactly the markup the cleaner keeps.

    Its extensions are `stories.richtext.EDITOR_EXTENSIONS`; pasted text (from a word processor too) keeps only
    what they know. newsroom/static/js/story-editor.js names the editing area and counts the words under it;
    css/story-editor.css sets it in the reader's type. Without JavaScript the textarea stays and takes HTML as it
    is; whatever arrives is cleaned by `stories.richtext.sanitize_html` when the story is saved.
    """

    def __init__(self, attrs=None):
        super().__init__(
            attrs={"rows": 18, "data-richtext": "", **(attrs or {})},
            config={"extensions": EDITOR_EXTENSIONS},
            preset="configurable",
        )

    @property
    def media(self):
        # story-editor.js first: it listens for the editor's "ready" event before the preset starts the editor;
        # our styles last, over the editor's own (in place of its admin overrides, which set the admin's type).
        script = forms.Media(js=[forms.Script("js/story-editor.js", type="module")])
        styles = Media(
            css={
                "all": [
                    "css/admin.css",
                    "css/story-editor.css",
                    # Tiptap adds a <style data-tiptap-style> of its base rules unless the page has one: the
                    # Content-Security-Policy refuses a style element without the page's nonce, so the page brings
                    # an empty one (with the nonce, as all the media) and story-editor.css holds those rules.
                    InlineStyle("", **{"data-tiptap-style": ""}),
                ]
            }
        )
        return script + super().media + styles


class TagsInput(forms.TextInput):
    """Tags as people type them, "Transport, City hall", with the existing tags offered as they type.

    A <datalist> holds every tag's name; newsroom/static/js/tag-suggestions.js offers them for the name being typed
    after the last comma. Without JavaScript the browser still offers them for the first name.
    `suggestions` is called when the field is drawn: a list of names.
    """

    def __init__(self, attrs=None, suggestions=None):
        super().__init__(attrs={"class": "vTextField", "autocomplete": "off", "data-tag-input": "", **(attrs or {})})
        self.suggestions = suggestions or (lambda: [])

    class Media:
        js = [forms.Script("js/tag-suggestions.js", defer=True)]

    def render(self, name, value, attrs=None, renderer=None):
        attrs = {**(attrs or {})}
        listing = f"{attrs.get('id') or 'id_' + name}-suggestions"
        attrs["list"] = listing
        field = super().render(name, value, attrs, renderer)
        options = format_html_join("", '<option value="{}"></option>', ((tag,) for tag in self.suggestions()))
        return format_html('{}<datalist id="{}">{}</datalist>', field, listing, options)
