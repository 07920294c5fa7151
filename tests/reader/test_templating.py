"""The reader templates' Jinja2 environment (stories.templating): its globals as Jinja2 gives them."""

import jinja2

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
