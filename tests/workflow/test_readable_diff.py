"""The revision compare reads the text, not the markup: blocks matched to blocks, then word by word."""

import pytest

from stories.textdiff import Block, body_rows, items_rows, names_rows, text_blocks, text_rows

VOTE = "<p>The council voted 31 to 12 in favour of the eastern extension on Tuesday night.</p>"


def _marked(rows, op):
    return [text for row in rows for kind, text in row["segments"] if kind == op]


def test_the_body_reads_as_blocks_of_text_with_links_by_their_text():
    body = (
        "<h2>What <em>changes</em></h2><p>Read the <a href='https://example.org/r.pdf'>council report</a>.<br>"
        "Fares&nbsp;rise &amp; fall.</p><ul><li>Route N4</li><li>Route <strong>N9</strong></li></ul>"
        "<blockquote><p>We waited two years.</p></blockquote><figure><figcaption>The Eastgate stop</figcaption>"
        "</figure>"
    )
    assert text_blocks(body) == [
        Block("Subheading", "What changes"),
        Block(
            "Paragraph",
            "Read the council report. Fares rise & fall.",
            (("council report", "https://example.org/r.pdf"),),
        ),
        Block("List item", "Route N4"),
        Block("List item", "Route N9"),
        Block("Quote", "We waited two years."),
        Block("Caption", "The Eastgate stop"),
    ]


def test_one_digit_changed_marks_only_that_word():
    rows = body_rows(VOTE, VOTE.replace("12", "13"))
    assert [row["state"] for row in rows] == ["changed"]
    assert _marked(rows, "del") == ["12"]
    assert _marked(rows, "ins") == ["13"]
    assert rows[0]["segments"][0] == ("same", "The council voted 31 to")


def test_a_paragraph_added_is_marked_whole_and_the_others_stay_unmarked():
    added = "<p>Construction is expected to begin next spring.</p>"
    rows = body_rows(VOTE, VOTE + added)
    assert [(row["state"], row["kind"]) for row in rows] == [("same", "Paragraph"), ("added", "Paragraph")]
    assert _marked(rows, "ins") == ["Construction is expected to begin next spring."]
    assert _marked(rows, "del") == []


def test_a_paragraph_removed_between_others():
    first, second, third = "<p>One two three.</p>", "<p>Four five six.</p>", "<p>Seven eight nine.</p>"
    rows = body_rows(first + second + third, first + third)
    assert [row["state"] for row in rows] == ["same", "removed", "same"]
    assert _marked(rows, "del") == ["Four five six."]


def test_a_subheading_changed_is_marked_as_a_subheading():
    rows = body_rows("<h2>What changes on Monday</h2>" + VOTE, "<h2>What changes on Tuesday</h2>" + VOTE)
    assert [(row["state"], row["kind"]) for row in rows] == [("changed", "Subheading"), ("same", "Paragraph")]
    assert (_marked(rows, "del"), _marked(rows, "ins")) == (["Monday"], ["Tuesday"])


def test_a_paragraph_made_a_subheading_says_so_without_marking_its_words():
    rows = body_rows("<p>What changes</p>", "<h2>What changes</h2>")
    assert rows[0]["state"] == "changed"
    assert (rows[0]["old_kind"], rows[0]["kind"]) == ("Paragraph", "Subheading")
    assert _marked(rows, "del") == _marked(rows, "ins") == []


def test_a_links_text_changed_marks_the_words_and_no_address():
    before = '<p>Read the <a href="https://example.org/report">council report</a> here.</p>'
    after = '<p>Read the <a href="https://example.org/report">full report</a> here.</p>'
    rows = body_rows(before, after)
    assert (_marked(rows, "del"), _marked(rows, "ins")) == (["council"], ["full"])
    assert rows[0]["notes"] == []


def test_a_links_address_changed_is_said_though_no_word_changed():
    before = '<p>Read the <a href="https://example.org/report">council report</a> here.</p>'
    after = '<p>Read the <a href="https://evil.example/report">council report</a> here.</p>'
    rows = body_rows(before, after)
    assert _marked(rows, "del") == _marked(rows, "ins") == []
    assert rows[0]["notes"] == [
        "Link “council report” now goes to https://evil.example/report (was https://example.org/report)"
    ]


def test_links_added_and_removed_say_where_they_went():
    before = '<p>See <a href="https://example.org/a">the map</a> and the timetable.</p>'
    after = '<p>See the map and <a href="https://example.org/t">the timetable</a>.</p>'
    rows = body_rows(before, after)
    assert rows[0]["notes"] == [
        "Link “the timetable” goes to https://example.org/t",
        "Link “the map” to https://example.org/a removed",
    ]
    rows = body_rows("", '<p>New: <a href="https://example.org/n">the notice</a>.</p>')
    assert rows[0]["notes"] == ["Link “the notice” goes to https://example.org/n"]


def test_the_same_text_in_other_markup_is_no_difference():
    assert body_rows("<p>The <b>vote</b> was close.</p>", "<p>The <strong>vote</strong>\n was close.</p>") == []


def test_long_unchanged_stretches_are_left_out_around_the_change():
    paragraphs = [f"<p>Paragraph {n} says nothing new at all.</p>" for n in range(10)]
    changed = list(paragraphs)
    changed[5] = "<p>Paragraph 5 says something new at all.</p>"
    rows = body_rows("".join(paragraphs), "".join(changed))
    assert [row["state"] for row in rows] == ["gap", "same", "changed", "same", "gap"]
    assert [row.get("label") for row in rows if row["state"] == "gap"] == [
        "4 unchanged paragraphs",
        "3 unchanged paragraphs",
    ]
    long = " ".join(f"word{n}" for n in range(100))
    rows = body_rows(f"<p>{long} old</p>", f"<p>{long} new</p>")
    segments = rows[0]["segments"]
    assert segments[0] == ("gap", "…")
    assert segments[1][0] == "same" and len(segments[1][1].split()) == 10
    assert segments[2:] == [("del", "old"), ("ins", "new")]


@pytest.mark.parametrize(
    ("old", "new", "removed", "added"),
    [
        ("Council approves tram line", "Council approves the tram line", [], ["the"]),
        ("Tram line: 31 to 12", "Tram line: 31 to 13", ["12"], ["13"]),
        ("", "Eastgate", [], ["Eastgate"]),
    ],
)
def test_one_line_fields_compare_word_by_word(old, new, removed, added):
    rows = text_rows(old, new)
    assert (_marked(rows, "del"), _marked(rows, "ins")) == (removed, added)


def test_unchanged_fields_have_no_rows():
    assert text_rows("Same  headline", "Same headline") == []
    assert items_rows(["One."], ["One."]) == []
    assert names_rows(["Transport"], ["Transport"]) == []


def test_highlights_and_names_compare_item_by_item():
    rows = items_rows(["Four routes change.", "The N4 runs late."], ["Five routes change.", "The N4 runs late."])
    assert [row["state"] for row in rows] == ["changed", "same"]
    assert (_marked(rows, "del"), _marked(rows, "ins")) == (["Four"], ["Five"])
    rows = names_rows(["City hall", "Transport"], ["Town hall", "Transport"])
    assert rows[0]["segments"] == [("del", "City hall"), ("ins", "Town hall"), ("same", "Transport")]
