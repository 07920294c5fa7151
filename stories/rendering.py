"""Template partials whose HTML is the same on every page that shows them, rendered once per process."""

from django.template.loader import get_template
from django.utils.safestring import mark_safe


class RenderedOnce:
    """The template partial `name`, whose HTML depends only on a small `key` the caller gives.

    Django's form and field templates are the slowest part of some pages (about 1 ms for a
    handful of fields), yet a blank form looks the same on every page. `render(key, context)`
    renders the partial the first time a key is seen and reuses that HTML afterwards, until
    the templates are reloaded (the development server does so when one changes).
    Only for output that depends on nothing but the key: never a reader's input or a token.
    """

    def __init__(self, name: str, keys: int = 16):
        self.name, self.keys = name, keys
        # (the compiled partial the HTML was rendered with, {key: HTML})
        self._rendered = (None, {})

    def render(self, key, context) -> str:
        """The partial's HTML for `key`; `context` is a dict, or a function returning one (called only to render)."""
        template = get_template(self.name)
        rendered_with, by_key = self._rendered
        if rendered_with is not template.template:
            by_key = {}
            self._rendered = (template.template, by_key)
        html = by_key.get(key)
        if html is None:
            html = _rendered(template, context() if callable(context) else context)
            if len(by_key) >= self.keys:
                by_key.clear()
            by_key[key] = html
        return html

    def render_now(self, context: dict) -> str:
        """The partial rendered for this page alone (a bound form with the reader's input and errors)."""
        return _rendered(get_template(self.name), context)


def _rendered(template, context) -> str:
    # A template's output is HTML, escaped where it needed to be: safe to put in a page as it is.
    return mark_safe(template.render(context))  # noqa: S308
