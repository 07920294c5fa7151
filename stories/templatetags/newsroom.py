"""Template tags of the desk (Django templates): the reader site's own helpers, for the desk's pages."""

from django import template

from stories.models import display_name
from stories.templating import timestamp

register = template.Library()

register.simple_tag(timestamp)  # a `<time>` element, as the reader pages write it
register.filter("display_name", display_name)  # a person as bylines name them
