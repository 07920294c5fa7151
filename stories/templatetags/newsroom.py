"""Template tags of the reader site and the desk."""

from django import template
from django.urls import get_script_prefix, get_urlconf
from django.utils.html import format_html

from stories.dates import format_datetime, local
from stories.models import display_name
from stories.rendering import RenderedOnce

register = template.Library()


@register.simple_tag
def timestamp(value):
    """A `<time>` element: the date as people read it, and in ISO 8601 for machines. Nothing without a date."""
    if value is None:
        return ""
    when = local(value)
    return format_html('<time datetime="{}">{}</time>', when.isoformat(), format_datetime(when))


register.filter("display_name", display_name)  # a person as bylines name them


_SECTIONS_NAV = RenderedOnce("base.html#sections-nav")


@register.simple_tag(takes_context=True)
def sections_nav(context):
    """The sections' navigation, the page's own section marked. Rendered once per process for each
    list of sections and each place in it (0.6 ms a page otherwise, a twelfth of an uncached one).
    """
    sections = tuple((s.slug, s.name) for s in context.get("nav_sections") or ())
    current = context.get("current_section")
    current_slug = current.slug if current else None
    match = getattr(context.get("request"), "resolver_match", None)
    is_home = match is not None and match.url_name == "home"
    key = (sections, current_slug, is_home, get_urlconf(), get_script_prefix())
    return _SECTIONS_NAV.render(key, {"sections": sections, "current_slug": current_slug, "is_home": is_home})
