"""Django's RSS 2.0 and Atom feed generators, writing their documents from a template.

Django's generators write a feed through `SimplerXMLGenerator`, element by element through the SAX layers (a
few hundred elements for thirty stories, half of a feed's time). `QuickRss` and `QuickAtom` keep Django's
generators for everything but the writing: `add_item` and the feed's values are Django's, and the document is
rendered by a reader template (stories/jinja2/stories/feeds/), its text escaped by Jinja2's autoescaping.
tests/reader/test_feed_writing.py checks that it is the document Django writes, as XML reads it.

Unlike Django's writer, the template does not refuse the characters XML 1.0 forbids: stories.feeds checks the
document for them once, and writes it again from cleaned values when it has one.
"""

from django.template import engines
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed


def _render(feedgen, template_name: str) -> str:
    template = engines["jinja2"].env.get_template(template_name)
    return template.render(feed=feedgen.feed, items=feedgen.items, latest_post_date=feedgen.latest_post_date())


class QuickRss(Rss201rev2Feed):
    """RSS 2.0 as Django writes it (`Rss201rev2Feed.write`), from stories/feeds/rss.xml."""

    def write(self, outfile, encoding):
        if any(len(item["enclosures"]) > 1 for item in self.items):
            raise ValueError("An RSS item may have one enclosure at most.")  # as Django's generator refuses
        outfile.write(_render(self, "stories/feeds/rss.xml"))


class QuickAtom(Atom1Feed):
    """Atom 1.0 as Django writes it (`Atom1Feed.write`), from stories/feeds/atom.xml."""

    def write(self, outfile, encoding):
        outfile.write(_render(self, "stories/feeds/atom.xml"))
