"""The reader templates' Jinja2 environment (stories.templating): its globals as Jinja2 gives them."""

import zoneinfo
from datetime import UTC, datetime

import jinja2
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from stories.templating import environment


def _environment(**templates):
    return environment(loader=jinja2.DictLoader(templates), autoescape=True)


def test_a_template_sees_the_environments_globals_and_its_own_over_them():
    env = _environment(page="{{ site }} {{ static('css/site.css') }}", other="{{ site }}")
    env.globals["site"] = "Newsroom"  # before any template loads, as `environment` sets them
    assert env.get_template("page", globals={"site": "Override"}).render() == "Override /static/css/site.css"
    assert env.get_template("other").render() == "Newsroom"  # another template's own globals are not its
    assert env.globals["site"] == "Newsroom"


def test_an_imported_macro_sees_a_global_only_the_importing_page_has():
    env = _environment(
        macros="{% macro who() %}{{ site }}{{ edition }}{% endmacro %}",
        page='{% from "macros" import who %}{{ who() }}',
        plain='{% from "macros" import who %}{{ who() }}',
    )
    env.globals["site"] = "Newsroom"
    assert env.get_template("plain").render() == "Newsroom"
    assert env.get_template("page", globals={"edition": ", late edition"}).render() == "Newsroom, late edition"
    assert env.get_template("plain").render() == "Newsroom"


class _Html:
    def __html__(self):
        return "<b>already HTML</b>"


class _Text:
    def __str__(self):
        return "Fish & <chips>"


@given(st.one_of(st.text(), st.integers(), st.floats(allow_nan=False), st.none(), st.booleans()))
def test_a_value_is_written_as_jinja2_escapes_it_elsewhere(value):
    page = "{{ value }}|{% if true %}{{ value }}{% endif %}|{% for v in [value] %}{{ v }}{% endfor %}"
    expected = jinja2.Environment(autoescape=True).from_string(page).render(value=value)
    assert _environment(page=page).get_template("page").render(value=value) == expected


def test_markup_objects_and_undefined_names_are_written_as_jinja2_writes_them():
    page = "{% macro tagged() %}<i>{{ text }}</i>{% endmacro %}{{ html }} {{ text }} {{ marked }} {{ missing }} "
    page += "{{ tagged() }}"
    values = {"html": _Html(), "text": _Text(), "marked": Markup("<em>&amp;</em>")}
    values["lazy"] = SimpleLazyObject(lambda: "a <per-visit> value")  # gives str as its __class__
    page += " {{ lazy }}"
    expected = jinja2.Environment(autoescape=True).from_string(page).render(**values)
    assert _environment(page=page).get_template("page").render(**values) == expected
    assert "&lt;chips&gt;" in expected and "<b>already HTML</b>" in expected


def test_output_values_are_escaped_without_making_markup():
    source = _environment().compile("{{ value }}", raw=True)
    assert "escaped(" in source and "escape(" not in source.replace("escaped(", "")


def test_dates_are_written_in_the_pages_time_zone_and_else_in_the_current_one():
    env = _environment(
        macros="{% macro when(moment) %}{{ moment|iso }}{% endmacro %}",
        page='{% from "macros" import when %}{{ moment|timestamp }} {{ moment|iso }} {{ when(moment) }}',
    )
    moment = datetime(2025, 7, 24, 20, 14, tzinfo=UTC)
    with timezone.override("America/New_York"):
        shown = env.get_template("page").render(moment=moment, page_zone=zoneinfo.ZoneInfo("Asia/Kolkata"))
        unset = env.get_template("page").render(moment=moment)

    # The page's zone (the context processor's), and in a macro without the page's context the current one.
    assert shown == (
        '<time datetime="2025-07-25T01:44:00+05:30">Jul 25, 2025, 1:44 AM</time>'
        " 2025-07-25T01:44:00+05:30 2025-07-24T16:14:00-04:00"
    )
    assert unset.startswith('<time datetime="2025-07-24T16:14:00-04:00">Jul 24, 2025, 4:14 PM</time>')


@given(st.text(alphabet=st.sampled_from("ab <>&'\"\r\n\t\u2028é"), max_size=40))
def test_line_breaks_are_written_as_djangos_filter_writes_them(text):
    from django.template.defaultfilters import linebreaksbr

    env = _environment(page="{{ text|linebreaksbr }}")
    # The same characters escaped, each as Jinja2 escapes it on the rest of the page.
    expected = linebreaksbr(text).replace("&#x27;", "&#39;").replace("&quot;", "&#34;")
    assert env.get_template("page").render(text=text) == expected


def test_line_breaks_of_markup_keep_its_tags_and_of_text_escape_them():
    env = _environment(page="{{ text|linebreaksbr }}")
    assert env.get_template("page").render(text="<b>Bold</b>\r\nnext") == "&lt;b&gt;Bold&lt;/b&gt;<br>next"
    assert env.get_template("page").render(text=Markup("<b>Bold</b>\rnext")) == "<b>Bold</b><br>next"


def test_a_story_card_writes_its_date_in_the_zone_its_page_gives_it():
    from django.template.loader import get_template

    card = {
        "pk": 7,
        "title": "Harbour",
        "url": "/stories/harbour/",
        "published_at": datetime(2025, 7, 24, 20, 14, tzinfo=UTC),
    }
    page = '{% from "stories/_story_card.html" import story_card %}{{ story_card(story, zone=page_zone) }}'
    env = get_template("stories/story_list.html", using="jinja2").template.environment
    with timezone.override("America/New_York"):
        given = env.from_string(page).render(story=card, page_zone=zoneinfo.ZoneInfo("Asia/Kolkata"))
        current = env.from_string(page).render(story=card, page_zone=None)

    assert '<time datetime="2025-07-25T01:44:00+05:30">' in given
    assert '<time datetime="2025-07-24T16:14:00-04:00">' in current
