"""The reader site's Jinja2 environment: every helper a reader template may use, in one place.

Reader pages render on Django's `Jinja2` backend (autoescape on): the same page takes about half the time
of Django's template engine. The desk keeps Django's templates. What Django's tags did for the reader
templates is here: addresses (`url`) and static files (`static`), both remembered (stories.links), dates
(`timestamp`), the query string of a pager (`querystring`), line breaks in plain text (`linebreaksbr`) and the
page's language. The per-visit
values (the CSP nonce, the opinion form's time token) come in the context, made through
`pagecache.visits.per_visit` so that a page served from the cache gets values of its own visit.
"""

import re
from collections.abc import Iterable

import jinja2
from django.http import QueryDict
from django.utils import timezone
from django.utils.feedgenerator import get_tag_uri, rfc2822_date, rfc3339_date
from django.utils.translation import get_language
from jinja2.compiler import CodeGenerator

# markupsafe's escaping in C, which its `escape` calls before making a Markup of the result (see `escaped`).
from markupsafe import Markup, _escape_inner

from .dates import format_datetime, iso, local
from .links import reader_url, static_url
from .metadata import og_locale, social_image


def timestamp(value, zone=None) -> str:
    """A `<time>` element: the date as people read it, and in ISO 8601 for machines. Nothing without a date."""
    if value is None:
        return ""
    when = local(value, zone)
    # Both texts are made of digits, the month's English abbreviation, and ",:+- TAPM": nothing to escape.
    # To the second, as `iso`: "Publish now" times carry microseconds, which HTML's datetime refuses.
    return Markup(f'<time datetime="{when.isoformat(timespec="seconds")}">{format_datetime(when)}</time>')  # noqa: S704


def page_zone(request) -> dict:
    """The reader templates' context processor of the time zone a page's dates are shown in, read once a page
    (`stories.dates.local`): Django's context-local takes 3 µs a read, and a story page shows a dozen dates."""
    return {"page_zone": timezone.get_current_timezone()}


# The reader templates' `timestamp` and `iso` filters: in the zone given, else the page's, else the current one (in a
# macro imported without the page's context).
@jinja2.pass_context
def _page_timestamp(context, value, zone=None) -> str:
    return timestamp(value, zone or context.get("page_zone"))


@jinja2.pass_context
def _page_iso(context, value, zone=None) -> str:
    return iso(value, zone or context.get("page_zone"))


@jinja2.pass_context
def querystring(context, **changes) -> str:
    """The page's own query string with `changes` (None removes a parameter), from "?": Django's `{% querystring %}`."""
    params = QueryDict(mutable=True)
    params.update(context["request"].GET)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        elif isinstance(value, Iterable) and not isinstance(value, str):
            params.setlist(key, [v for v in value if v is not None])
        else:
            params[key] = value
    return "?" + (params.urlencode() if params else "")


def escaped(value) -> str:
    """`value` as HTML text, as markupsafe's `escape` writes it, but as a plain string.

    Every `{{ value }}` of a page went through `escape`, which wraps its result in a `Markup` made in Python: half a
    microsecond each, for a hundred values a story page, where the escaping itself (markupsafe's, in C) takes 0.07.
    What a page's output pieces are does not matter once they are joined into the page.
    """
    if type(value) is str:  # not `value.__class__`, which a lazy object (a per-visit value) gives as its value's
        return _escape_inner(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return _escape_inner(str(value))


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def linebreaksbr(value) -> Markup:
    """Plain text as HTML, each of its line breaks a `<br>`: Django's filter of that name, without its lazy-text
    wrappers (three calls through them for each opinion of a story page). Markup stays as it is."""
    return Markup(_LINE_BREAK.sub("<br>", escaped(value)))  # noqa: S704 (escaped, then only <br> added)


class ReaderCodeGenerator(CodeGenerator):
    """Jinja2's compiler, writing each escaped output value with `escaped` instead of `escape`."""

    def visit_Template(self, node, frame=None):
        self.writeline(f"from {__name__} import escaped")
        super().visit_Template(node, frame)

    def _output_child_pre(self, node, frame, finalize):
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile and finalize.src is None:
            self.write("escaped(")
        else:
            super()._output_child_pre(node, frame, finalize)


class ReaderEnvironment(jinja2.Environment):
    """Jinja2's environment, reading a dict's keys first: the pages' rows are dicts (stories.reading).

    Jinja2 looks `row.title` up as an attribute first, and only after that fails as a key: a raised and caught
    AttributeError for each of the few hundred values a list page shows.
    """

    code_generator_class = ReaderCodeGenerator

    def getattr(self, obj, attribute):
        if type(obj) is dict and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)

    def make_globals(self, d):
        """A template's globals over the environment's, as a plain dict made when the template loads.

        Jinja2 makes a `ChainMap` of the two, read in Python: each render copied it into the page's context, and each
        `{% from … import %}` took the difference of its keys and the page's, key by key (40-50 µs of a story page).
        The environment's globals are all set when it is made (`environment`), before any template loads.
        """
        return {**self.globals, **(d or {})}


def environment(**options) -> jinja2.Environment:
    """The environment of the reader templates (TEMPLATES' Jinja2 backend names it)."""
    # The same page with DEBUG on and off: an undefined name is empty, never printed as itself.
    # Autoescape comes on with the options: Django's Jinja2 backend sets it unless told otherwise.
    env = ReaderEnvironment(**{**options, "undefined": jinja2.Undefined, "keep_trailing_newline": True})
    env.globals.update(
        url=reader_url,
        static=static_url,
        querystring=querystring,
        language=get_language,
        og_locale=og_locale,
        social_image=social_image,
        tag_uri=get_tag_uri,
    )
    env.filters.update(
        timestamp=_page_timestamp, iso=_page_iso, linebreaksbr=linebreaksbr, rfc2822=rfc2822_date, rfc3339=rfc3339_date
    )
    return env
