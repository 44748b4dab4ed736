"""Text <-> Markdown <-> safe HTML: literal-text escaping, rendering + sanitising, lead summaries."""

from __future__ import annotations

import functools
import html
import re
from typing import Any

import nh3

from .text import clean

WORDS_PER_MINUTE = 230

_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "div", "dl", "dt", "em",
    "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark",
    "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot",
    "th", "thead", "time", "tr", "u", "ul",
}
_ALLOWED_ATTRS = {
    "a": {"href", "title", "class", "id"}, "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"}, "code": {"class"}, "div": {"class"}, "li": {"id"}, "sup": {"id", "class"},
    "ol": {"start"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan", "scope"}, "time": {"datetime"},
    "q": {"cite"}, "blockquote": {"cite"},
}


@functools.lru_cache(maxsize=1)
def markdown_renderer() -> Any:
    """The python-markdown renderer, made on first use: bodies ingest wrote take the literal fast path
    below, so a rebuild that reads only those never imports Markdown (its modules and patterns: 40 ms)."""
    import markdown
    from markdown.extensions.fenced_code import FencedCodeExtension
    from markdown.extensions.footnotes import FootnoteExtension
    from markdown.extensions.sane_lists import SaneListExtension
    from markdown.extensions.tables import TableExtension

    # Instances, not names: naming an extension makes Markdown scan every installed package's entry points
    # (about 60 ms per process).
    extensions = [TableExtension(), FencedCodeExtension(), FootnoteExtension(), SaneListExtension()]
    return markdown.Markdown(extensions=extensions, output_format="html")

# --- text -> Markdown that renders literally -------------------------------------------------------------
_INLINE = re.compile(r"([\\`*_\[\]])")
_ENTITY = re.compile(r"&(?=#|[A-Za-z0-9]+;)")
_BLOCK_START = re.compile(r"^(#|>|[-+*](?=\s|$)|\d+[.)](?=\s|$)|=+\s*$|-[-*_ ]*$|~~~|:)")
_LIST_NUM = re.compile(r"^(\d+)([.)])")


def escape_text(text: str) -> str:
    """Escape one paragraph of plain text so that Markdown renders it exactly, as one paragraph."""
    text = _INLINE.sub(r"\\\1", text)
    text = _ENTITY.sub("&amp;", text).replace("<", "&lt;")
    text = text.replace("!\\[", "\\!\\[")
    m = _BLOCK_START.match(text)
    if m:
        num = _LIST_NUM.match(text)
        if num:
            text = num.group(1) + "\\" + num.group(2) + text[num.end():]
        elif text[0] in "#>-+":
            text = "\\" + text
        else:
            text = "&#" + str(ord(text[0])) + ";" + text[1:]
    return text


def paragraphs_to_markdown(paragraphs: list[str] | tuple[str, ...]) -> str:
    """Join plain-text paragraphs into a literal Markdown body, one blank line apart."""
    return "\n\n".join(escape_text(p) for p in paragraphs) + "\n"


# --- Markdown -> safe HTML --------------------------------------------------------------------------------
def sanitize(html_text: str) -> str:
    """Keep an allow-list of tags and attributes; drop scripts, handlers, styles and unsafe URL schemes."""
    return nh3.clean(html_text, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRS,
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow",
                     strip_comments=True)


def to_html(body: str) -> str:
    """Render a Markdown body to sanitised HTML (the literal-paragraph fast path when it applies)."""
    fast = literal_html(body)
    # Character references such as &#x1b; come out of the sanitiser as raw control characters: clean again.
    return fast if fast is not None else clean(sanitize(markdown_renderer().reset().convert(body)).strip())


# --- fast path: bodies that are only literal paragraphs (what ingest writes) ------------------------------
# A paragraph qualifies when it is one line with no Markdown syntax left once escapes and entities are
# read; the result is byte-identical to python-markdown + nh3 (tests/test_markup.py checks it under
# hypothesis). Anything else takes the general path.
_UNSAFE = re.compile(r"[`*_\[\]<\t\r\x0b\x0c\x1c-\x1f\x85\u2028\u2029]|!\[|  $")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>])")
_ENTITY_REF = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_BARE_NUMERIC = re.compile(r"&#(?:[0-9]++|[xX][0-9a-fA-F]++)(?!;)")
_PLAIN_START = re.compile(r"^(?:\\[#>+\-]|&#[0-9]+;|~(?!~~)|\+(?!\s|$)|-(?!\s|$)(?![-\s]*$)|[^\s#>+\-*~0-9]"
                          r"|[0-9]+(?![.)](?:\s|$)))")


def _literal_paragraph(par: str) -> str | None:
    if "\n" in par or not par or not _PLAIN_START.match(par):
        return None
    rest = _ESCAPE.sub("x", par)          # escapes are plain text; is what is left plain too?
    if _UNSAFE.search(rest) or "\\" in rest:
        return None
    plain = _ESCAPE.sub(lambda m: m.group(1), par)
    if "&" in plain:
        if _BARE_NUMERIC.search(plain):   # "&#1": HTML reads a character even without the ";"
            return None
        plain = _ENTITY_REF.sub(lambda m: html.unescape(m.group(0)), plain)
        if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in plain):
            return None
    return (plain.replace("&", "&amp;").replace("\u00a0", "&nbsp;").replace("<", "&lt;")
            .replace(">", "&gt;"))


def literal_html(body: str) -> str | None:
    """HTML for a body made only of literal paragraphs, or None when the general renderer is needed."""
    out = []
    for par in body.strip("\n").split("\n\n"):
        text = _literal_paragraph(par)
        if text is None:
            return None
        out.append(f"<p>{text}</p>")
    return "\n".join(out) if out else None


_TAG = re.compile(r"<[^>]*>")


def html_to_text(html_text: str) -> str:
    """Return the visible text of an HTML fragment, paragraphs separated by newlines."""
    text = re.sub(r"</(p|li|h[1-6]|blockquote|pre|tr|div)>", "\n", html_text)
    return html.unescape(_TAG.sub("", text))


def reading_minutes(word_count: int) -> int:
    """Minutes to read `word_count` words, at least one."""
    return max(1, round(word_count / WORDS_PER_MINUTE))


# --- summaries --------------------------------------------------------------------------------------------
_DATELINE = re.compile(
    r"^(?:"
    r"[A-Z][A-Z.'\u2019-]{2,}(?:[ ,]+[A-Z][A-Za-z.'\u2019-]*){0,4},?"      # TORONTO, Canada / NEW YORK
    r"(?:\s+[A-Z][a-z]{2,8}\.?\s+\d{1,2})?\s*(?:\([^)]{1,40}\))?"            # , March 3  (Reuters)
    r"|[A-Z][A-Za-z.&]+(?: [A-Z][A-Za-z.&]+)?"                              # Reuters - / Sports Network -
    r")\s*(?:--|\u2014|\u2013|-)\s+(?=[\"\u201c'A-Z0-9])"
)
_ABBREV = {
    "mr", "mrs", "ms", "dr", "st", "jr", "sr", "inc", "co", "corp", "ltd", "plc", "gov", "sen", "rep", "gen",
    "col", "lt", "sgt", "capt", "prof", "no", "vs", "etc", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec", "mt", "ft", "u.s", "u.k", "u.n", "e.g", "i.e", "a.m", "p.m", "approx",
}
_SENTENCE_END = re.compile(r"[.!?][\"\u201d\u2019')\]]*\s+(?=[\"\u201c\u2018(\[]?[A-Z0-9])")


def strip_dateline(text: str) -> str:
    """Remove a leading dateline such as `LONDON, March 3 (Reuters) - ` from a lead paragraph."""
    m = _DATELINE.match(text)
    return text[m.end():] if m and len(text) - m.end() > 20 else text


def sentences(text: str) -> list[str]:
    """Split plain text into sentences, not breaking after common abbreviations or initials."""
    out: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        before = text[start:m.start() + 1].rstrip(".!?").split()
        last = before[-1].lower().strip("\"'(\u201c") if before else ""
        if text[m.start()] == "." and (last in _ABBREV or (len(last) == 1 and last.isalpha())):
            continue
        out.append(text[start:m.end()].strip())
        start = m.end()
    if text[start:].strip():
        out.append(text[start:].strip())
    return out


def summarize(paragraphs: list[str] | tuple[str, ...], min_words: int = 30, max_words: int = 60,
              max_chars: int = 400) -> str:
    """Return the lead (first sentences, dateline removed), about `min_words`..`max_words` words and at
    most `max_chars` characters (text without spaces, such as Chinese or Japanese, counts by characters)."""
    text = _lead(paragraphs, min_words, max_words)
    if len(text) > max_chars:
        cut = text[:max_chars]
        space = cut.rfind(" ")
        text = (cut[:space] if space > max_chars // 2 else cut).rstrip(",;:- ") + "\u2026"
    return text


def _lead(paragraphs: list[str] | tuple[str, ...], min_words: int, max_words: int) -> str:
    picked: list[str] = []
    count = 0
    for i, para in enumerate(paragraphs):
        para = strip_dateline(para) if i == 0 else para
        for sentence in sentences(para):
            n = len(sentence.split())
            if picked and count + n > max_words:
                return " ".join(picked)
            picked.append(sentence)
            count += n
            if count >= min_words:
                break
        if count >= min_words or i >= 2:
            break
    text = " ".join(picked)
    if count > max_words:
        words = text.split()[:max_words]
        text = " ".join(words).rstrip(",;:-") + "\u2026"
    return text
