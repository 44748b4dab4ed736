"""Markdown: literal escaping of raw text, the literal fast path (identical to the general renderer),
sanitising, summaries."""

from __future__ import annotations

import html

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen import markup
from sitegen.text import clean, clean_line

PIECES = list("ab 1.#>-+*_`[]()!<>&;:=~|\\^{}\"'x\t\n\u00a0é日\u2028") + [
    "&amp;", "&#39;", "&#x41;", "&copy", "&copy;", "&bogus;", "<b>", "    ", "1.", "2)", "- ", "http://x.y/a_b",
    "<http://x.y>", "  \n", "\n\n", "---", "===", "\\*", "\\#", "&#35;", "![a](b)", "[^1]", "~~~", "```"]
texts = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


def slow(body: str) -> str:
    """The general renderer as markup.to_html runs it (cleaned: character references can make controls)."""
    return clean(markup.sanitize(markup.markdown_renderer().reset().convert(body)).strip())


@settings(max_examples=800, deadline=None)
@given(texts)
def test_escaped_text_renders_literally(text: str) -> None:
    line = clean_line(text)
    if not line:
        return
    escaped = markup.escape_text(line)
    expected = "<p>" + html.escape(line, quote=False).replace("\u00a0", "&nbsp;") + "</p>"
    assert slow(escaped) == expected
    assert markup.literal_html(escaped) == expected   # ingest output always takes the fast path


@settings(max_examples=1500, deadline=None)
@given(texts)
def test_fast_path_is_identical_to_the_general_renderer(body: str) -> None:
    body = clean(body)
    fast = markup.literal_html(body)
    if fast is not None:
        assert fast == slow(body)


def test_fast_path_declines_markdown() -> None:
    for body in ["*em*", "# Heading", "- item", "1. item", "> quote", "a <b>b</b>", "[l](u)", "`c`", "a\nb",
                 "&#1", "a &#12 b", "&#x4g"]:   # a character reference without its ";" is still one
        assert markup.literal_html(body) is None, body


@pytest.mark.parametrize("body, expected", [
    ("<script>alert(1)</script>\n\nok", "<p>ok</p>"),
    ('<img src="x" onerror="alert(1)">', '<p><img src="x"></p>'),
    ("[x](javascript:alert(1))", '<p><a rel="noopener noreferrer nofollow">x</a></p>'),
    ('<iframe src="https://e.example"></iframe>', ""),
    ('<a href="https://e.example" onclick="x()">y</a>', '<p><a href="https://e.example" rel="noopener noreferrer nofollow">y</a></p>'),
    ('<p style="color:red">s</p>', "<p>s</p>"),
])
def test_sanitising(body: str, expected: str) -> None:
    assert markup.to_html(body) == expected


@pytest.mark.parametrize("lead, summary", [
    ("TORONTO, Canada -- A second team of rocketeers has announced the first launch date.",
     "A second team of rocketeers has announced the first launch date."),
    ("WASHINGTON (Reuters) - The U.S. Senate voted 52-48 to pass the bill on Tuesday.",
     "The U.S. Senate voted 52-48 to pass the bill on Tuesday."),
    ("LONDON, March 3 - Britain's economy grew faster than expected in the last quarter.",
     "Britain's economy grew faster than expected in the last quarter."),
    ("In its first two years, the unit recovered 36,000 stolen cards - and more.",
     "In its first two years, the unit recovered 36,000 stolen cards - and more."),
])
def test_summary_drops_the_dateline(lead: str, summary: str) -> None:
    assert markup.summarize([lead]) == summary


def test_summary_length() -> None:
    sentence = "The minister said the plan would cut costs for families across the country this year. "
    summary = markup.summarize([sentence * 10])
    assert 30 <= len(summary.split()) <= 60
    long = markup.summarize(["word " * 200])
    assert len(long.split()) == 60 and long.endswith("\u2026")


def test_sentences_respect_abbreviations() -> None:
    assert markup.sentences("Mr. Smith met John F. Kennedy in the U.S. capital. Then he left.") == [
        "Mr. Smith met John F. Kennedy in the U.S. capital.", "Then he left."]
