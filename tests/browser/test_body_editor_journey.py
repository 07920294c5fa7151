"""Writing a story's body in the desk's editor, in Chromium at a desktop's and a phone's width: a writer makes a
subheading, bold text, a list, a quote and a link (through the editor's link dialog), pastes a passage from a
word processor, watches the word count, saves; an editor publishes; the reader's page holds exactly the clean
markup, in the same type the writer saw."""

import pytest
from playwright.sync_api import expect

from stories.models import Story
from tests.browser.journey_helpers import Camera, CspWatch, log_in, serious_accessibility_violations, staff
from tests.factories import StoryFactory

SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
HEADLINE = "Night bus routes redrawn across the city"
HIGHLIGHTS = ["Four routes change from Monday.", "The N4 now runs through Eastgate."]

# What Word puts on the clipboard: its namespaces, a style sheet, conditional comments, MsoNormal paragraphs,
# spans with inline styles, <o:p> and <font>.
WORD_HTML = """<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word">
<head><meta name=Generator content="Microsoft Word 15">
<style>p.MsoNormal{margin:0cm;font-size:11.0pt;font-family:"Calibri",sans-serif;}</style></head>
<body lang=EN-GB style='tab-interval:36.0pt'><!--StartFragment-->
<p class=MsoNormal><span style='font-size:12.0pt;font-family:"Times New Roman",serif;color:#1F3864'>The depot
opens in <b style='mso-bidi-font-weight:normal'>March</b>, said the operator.<o:p></o:p></span></p>
<!--[if !supportLists]--><p class=MsoNormal style='margin-bottom:12.0pt'><font face="Arial" color="red">Drivers
start training next week.</font><o:p></o:p></p>
<!--EndFragment--></body></html>"""

# What the writer made, as the site stores and serves it.
CLEAN_BODY = (
    "<h2>What changes</h2>"
    "<p>The night network changes on <strong>Monday</strong>.</p>"
    "<ul><li><p>N4 through Eastgate</p></li><li><p>N7 to the airport</p></li></ul>"
    "<blockquote><p>We listened to the night workers.</p></blockquote>"
    '<p>Details are on the <a href="https://transit.example/night" rel="noopener noreferrer">operator’s site</a>.</p>'
    "<p>The depot opens in <strong>March</strong>, said the operator.</p>"
    "<p>Drivers start training next week.</p>"
)
WORDS = "40 words"

# The type a reader gets, compared between the desk's editor and the story page.
TYPE = """el => {
  const style = getComputedStyle(el);
  return [style.fontFamily, style.fontSize, style.lineHeight, style.fontStyle,
          style.borderLeftStyle, style.borderLeftWidth].join(" | ");
}"""


def _fits(page, width):
    """Nothing sticks out sideways at this width."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def _paste_html(page, html):
    """Paste `html` where the cursor is, as a browser hands a copied selection to the page."""
    page.evaluate(
        """html => {
          const data = new DataTransfer();
          data.setData("text/html", html);
          data.setData("text/plain", html.replace(/<[^>]*>/g, ""));
          const event = new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true});
          document.activeElement.dispatchEvent(event);
        }""",
        html,
    )


def _select_back(page, characters):
    for _ in range(characters):
        page.keyboard.press("Shift+ArrowLeft")


@pytest.fixture
def sized(page, request):
    width, height = SIZES[request.param]
    page.set_viewport_size({"width": width, "height": height})
    return request.param, width


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("sized", list(SIZES), indirect=True)
def test_a_writer_formats_the_body_and_readers_get_exactly_the_clean_markup(
    live_server, page, browser, axe_source, sized
):
    size, width = sized
    base = live_server.url
    staff()
    csp = CspWatch()
    csp.watch(page.context)
    shoot = Camera(f"body-editor-{size}")

    log_in(page, base, "wendy")
    page.goto(base + "/admin/stories/story/add/")
    page.locator("#id_title").fill(HEADLINE)
    for row, text in enumerate(HIGHLIGHTS):
        page.locator(f"#id_highlights-{row}-text").fill(text)
    body = page.get_by_role("textbox", name="Body")
    word_count = page.locator(".word-count")
    expect(word_count).to_have_text("0 words")

    # A subheading, from the block menu.
    body.click()
    page.keyboard.type("What changes")
    page.get_by_role("button", name="heading 2").click()
    expect(body.locator("h2")).to_have_text("What changes")
    body.press("End")
    body.press("Enter")

    # Bold text, from its button.
    page.keyboard.type("The night network changes on ")
    page.get_by_role("button", name="bold", exact=True).click()
    page.keyboard.type("Monday")
    expect(page.get_by_role("button", name="bold", exact=True)).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="bold", exact=True).click()
    page.keyboard.type(".")
    expect(body.locator("strong")).to_have_text("Monday")
    expect(page.get_by_role("button", name="bold", exact=True)).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("Enter")

    # A list, and a quote.
    page.get_by_role("button", name="unordered list").click()
    page.keyboard.type("N4 through Eastgate")
    page.keyboard.press("Enter")
    page.keyboard.type("N7 to the airport")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # an empty item ends the list
    expect(body.locator("ul li")).to_have_count(2)
    page.keyboard.type("We listened to the night workers.")
    page.get_by_role("button", name="blockquote", exact=True).click()
    expect(body.locator("blockquote")).to_have_text("We listened to the night workers.")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # an empty paragraph ends the quote

    # A link, through the editor's dialog: its field is labelled and it works from the keyboard.
    page.keyboard.type("Details are on the operator’s site.")
    page.keyboard.press("ArrowLeft")
    _select_back(page, len("operator’s site"))
    page.get_by_role("button", name="insert link").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")  # changed their mind
    expect(dialog).to_be_hidden()
    expect(body).to_be_focused()
    page.keyboard.press("Control+k")  # and back, from the keyboard
    expect(dialog).to_be_visible()
    address = dialog.get_by_label("URL")
    expect(address).to_be_focused()
    address.fill("https://transit.example/night")
    shoot(page, "link-dialog")
    assert serious_accessibility_violations(page, axe_source) == []
    address.press("Enter")
    expect(dialog).to_be_hidden()
    expect(body.locator("a")).to_have_text("operator’s site")
    expect(body.locator("a")).to_have_attribute("href", "https://transit.example/night")

    # A passage pasted from a word processor keeps its words and its bold, nothing else.
    # The writer is back in the text, the linked words still selected.
    expect(body).to_be_focused()
    expect(page.get_by_role("button", name="remove link")).to_be_visible()
    # ProseMirror does not trust Chromium's selection for a moment after the text gets its focus back, and a key
    # pressed within it would act on the selection before; no person is that quick.
    page.wait_for_timeout(400)
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    _paste_html(page, WORD_HTML)
    expect(body).to_contain_text("Drivers start training next week.")
    assert body.locator("span, font, [style], [class*=Mso]").count() == 0
    expect(word_count).to_have_text(WORDS)
    shoot(page, "body-written")
    _fits(page, width)
    assert serious_accessibility_violations(page, axe_source) == []

    # The type the writer sees is the reader's.
    in_editor = {
        "paragraph": body.locator("p").first.evaluate(TYPE),
        "subheading": body.locator("h2").evaluate(TYPE),
        "quote": body.locator("blockquote").evaluate(TYPE),
    }

    page.get_by_role("button", name="Save and continue editing").first.click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    story = Story.objects.get(title=HEADLINE)
    assert story.body == CLEAN_BODY
    # Opened again, the editor shows what was saved and counts it the same.
    expect(page.get_by_role("textbox", name="Body").locator("a")).to_have_text("operator’s site")
    expect(page.locator(".word-count")).to_have_text(WORDS)
    page.get_by_role("button", name="Submit for review", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was submitted for review")

    # An editor publishes it; the reader's page carries exactly the clean markup, in the type the writer saw.
    page.context.clear_cookies()
    log_in(page, base, "eddie")
    page.goto(f"{base}/admin/stories/story/{story.pk}/change/")
    page.once("dialog", lambda question: question.accept())
    page.get_by_role("button", name="Publish now").click()
    expect(page.locator(".messagelist")).to_contain_text("is published and live.")
    reader = csp.watch(browser.new_context(viewport={"width": width, "height": SIZES[size][1]})).new_page()
    reader.goto(base + Story.objects.get(pk=story.pk).get_absolute_url())
    text = reader.locator(".story-body .body")
    assert text.inner_html() == CLEAN_BODY
    assert {
        "paragraph": text.locator("p").first.evaluate(TYPE),
        "subheading": text.locator("h2").evaluate(TYPE),
        "quote": text.locator("blockquote").evaluate(TYPE),
    } == in_editor
    _fits(reader, width)
    assert serious_accessibility_violations(reader, axe_source) == []
    shoot(reader, "reader-page")
    assert csp.violations == [], "\n".join(csp.violations)


# Every kind of markup the site keeps, as the editor writes it; <b> and <i> (older bodies, imports) it reads as
# bold and italic.
EVERY_KIND = (
    "<h2>Sub</h2><h3>Minor</h3><h4>Least</h4>"
    "<p>One<br>two <b>bold</b> <i>italic</i> <u>underlined</u> <s>struck</s> "
    '<a href="mailto:desk@example.com" title="The desk">a link</a></p>'
    "<ul><li><p>Bullet</p></li></ul><ol><li><p>Number</p></li></ol>"
    "<blockquote><p>A quote.</p></blockquote>"
    "<figure><blockquote><p>We will build it.</p></blockquote><figcaption><cite>Ana Ruiz</cite>, mayor</figcaption>"
    "</figure>"
    "<p>End.</p>"
)


@pytest.mark.django_db(transaction=True)
def test_the_editor_keeps_every_kind_of_markup_the_site_allows_and_quotes_a_source(live_server, page, axe_source):
    base = live_server.url
    people = staff()
    story = StoryFactory(title=HEADLINE, body=EVERY_KIND, created_by=people["wendy"])
    story.authors.set([people["wendy"]])
    csp = CspWatch()
    csp.watch(page.context)
    shoot = Camera("body-editor-every-kind")

    log_in(page, base, "wendy")
    page.goto(f"{base}/admin/stories/story/{story.pk}/change/")
    body = page.get_by_role("textbox", name="Body")
    expect(body.locator("figure figcaption cite")).to_have_text("Ana Ruiz")
    expect(body.locator("strong")).to_have_text("bold")

    # A quote with its source: the words, the button, then who said them on the line under the quote.
    body.locator("p").last.click()
    page.wait_for_timeout(400)  # ProseMirror takes keys a moment after the text gets its focus
    page.keyboard.press("Control+End")  # after "End.", the body's last words
    page.keyboard.press("Enter")
    page.keyboard.type("Nobody expected the vote.")
    expect(body.locator(":scope > *").last).to_have_text("Nobody expected the vote.")
    page.get_by_role("button", name="Quote with its source").click()
    expect(body.locator("figure")).to_have_count(2)
    expect(body.locator("figure").last.locator("blockquote")).to_have_text("Nobody expected the vote.")
    page.wait_for_timeout(400)  # the editing area takes keys again a moment after the menu gives it the focus back
    page.keyboard.type("Tom Berg")
    page.keyboard.press("Shift+Home")
    page.get_by_role("button", name="Source (who said it").click()
    page.wait_for_timeout(400)
    page.keyboard.press("End")
    page.keyboard.type(", councillor")
    expect(body.locator("figure").last.locator("figcaption")).to_have_text("Tom Berg, councillor")
    shoot(page, "quote-with-source")
    assert serious_accessibility_violations(page, axe_source) == []

    page.get_by_role("button", name="Save and continue editing").first.click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert Story.objects.get(pk=story.pk).body == (
        EVERY_KIND.replace("<b>bold</b>", "<strong>bold</strong>")
        .replace("<i>italic</i>", "<em>italic</em>")
        .replace('title="The desk">', 'title="The desk" rel="noopener noreferrer">')
        + "<figure><blockquote><p>Nobody expected the vote.</p></blockquote>"
        "<figcaption><cite>Tom Berg</cite>, councillor</figcaption></figure>"
    )
    assert csp.violations == [], "\n".join(csp.violations)
