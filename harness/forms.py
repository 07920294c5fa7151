"""Read a rendered form's fields and their current values, the way a browser would submit it untouched."""

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"attrs": a, "fields": {}}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        fields = self._form["fields"]
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    fields[name] = a.get("value", "on")
                return
            fields[name] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ""
        elif tag == "select" and name:
            # A browser sends nothing for a multiple select with no choice, and the first option otherwise.
            self._select = name
            self._multiple = "multiple" in a
            self._first_option = True
        elif tag == "option" and self._select:
            if "selected" in a:
                fields[self._select] = a.get("value", "")
            elif self._first_option and not self._multiple:
                fields.setdefault(self._select, a.get("value", ""))
            self._first_option = False

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form["fields"][self._textarea] += data


def read_forms(html: str) -> list[dict]:
    """Every <form> in `html` as {"attrs": {...}, "fields": {name: value}}."""
    reader = _FormReader()
    reader.feed(html)
    reader.close()
    return reader.forms


def find_form(html: str, has_field: str) -> dict | None:
    """The first form with a field named `has_field`, or None."""
    return next((f for f in read_forms(html) if has_field in f["fields"]), None)
