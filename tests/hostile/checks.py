"""What must never reach a reader, checked with real parsers: public/ -> problems (active HTML in pages and in
the feed fields readers render as HTML, feeds that do not parse, XML-invalid characters, files outside public/).

Imported as `hostile.checks` by tests/hostile/test_hostile.py, tests/test_properties.py and
tests/test_reliability.py (tests/ is on sys.path; this folder is a namespace package, no __init__).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import feedparser
from lxml import etree

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
ACTIVE_TAGS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "style", "base", "form"}
URL_ATTRS = {"href", "src", "action", "formaction", "data", "poster", "background", "xlink:href", "cite",
             "srcset", "longdesc", "dynsrc", "lowsrc"}
# XML 1.0 forbids these; a feed or page holding one is broken for strict parsers.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _local(url: str | None) -> bool:
    return url is None or (url.startswith("/") and not url.startswith("//"))


def _theme_own(tag: str, attrs: dict[str, str | None]) -> bool:
    """The theme's own search page: a script file of the site and a form that stays on the site. Content
    can produce neither (the sanitiser's allow-list has no <script> or <form>)."""
    if tag == "script":   # exactly the theme's search script, never inline
        return attrs.get("type") == "module" and (attrs.get("src") or "").endswith("/static/search.js") \
            and _local(attrs.get("src"))
    return tag == "form" and attrs.get("role") == "search" and _local(attrs.get("action"))


class _Active(HTMLParser):
    """Collect every element, attribute or URL that could run script in a browser or a feed reader."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ACTIVE_TAGS and not _theme_own(tag, dict(attrs)):
            self.found.append(f"<{tag}>")
        if tag == "meta" and any(n == "http-equiv" and (v or "").lower() == "refresh" for n, v in attrs):
            self.found.append("<meta http-equiv=refresh>")
        for name, value in attrs:
            # Browsers ignore whitespace and control characters inside a scheme ("jav\tascript:").
            squashed = re.sub(r"[\s\x00-\x1f]", "", value or "").lower()
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            elif name == "style" and ("javascript:" in squashed or "expression(" in squashed or "url(" in squashed):
                self.found.append(f"<{tag} style={value!r}>")
            elif name in URL_ATTRS and squashed.startswith(("javascript:", "vbscript:", "livescript:")) or name in URL_ATTRS and squashed.startswith("data:") and tag not in ("link", "img"):
                self.found.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag


def active_content(html: str) -> list[str]:
    """Everything in an HTML document or fragment that could run script (empty when safe)."""
    parser = _Active()
    parser.feed(html)
    parser.close()
    return parser.found


def html_fields(path: Path) -> Iterator[tuple[str, str]]:
    """(field, HTML) for every field of a feed file that readers render as HTML, after XML/JSON decoding."""
    data = path.read_bytes()
    if path.suffix == ".json":
        for item in json.loads(data).get("items", []):
            if "content_html" in item:
                yield "item/content_html", item["content_html"]
        return
    root = etree.fromstring(data)
    for el in root.iter("description", CONTENT, f"{ATOM}content", f"{ATOM}summary", f"{ATOM}title",
                        f"{ATOM}subtitle", f"{ATOM}rights"):
        kind = el.get("type", "text")
        field = f"{etree.QName(el.getparent()).localname}/{etree.QName(el).localname}"     # channel/description, item/encoded, ...
        if el.tag in ("description", CONTENT) or kind == "html":
            yield field, el.text or ""
        elif kind == "xhtml":
            yield field, "".join(etree.tostring(child, encoding="unicode") for child in el)


def feed_files(public: Path) -> list[Path]:
    """Every RSS, Atom and JSON feed of a built site."""
    return sorted(p for p in public.rglob("*") if p.name in ("feed.xml", "atom.xml", "feed.json"))


def feed_problems(path: Path, skip: tuple[str, ...] = ()) -> list[str]:
    """Why a feed file would break or endanger a reader (empty when it is fine); `skip` names fields
    (e.g. "channel/description") left to a test of their own."""
    data = path.read_bytes()
    problems: list[str] = []
    try:
        if path.suffix == ".json":
            json.loads(data)
        else:
            etree.fromstring(data)                 # strict XML: any invalid character raises
            parsed = feedparser.parse(data)
            if parsed.bozo:
                problems.append(f"feedparser bozo: {parsed.bozo_exception}")
    except (ValueError, etree.XMLSyntaxError) as exc:
        return [f"does not parse: {exc}"]
    for field, html in html_fields(path):
        if field in skip:
            continue
        problems += [f"{field}: {found}" for found in active_content(html)]
    return problems


def outside(public: Path) -> list[str]:
    """Files or folders under `public` that are symlinks or resolve outside it."""
    root = public.resolve()
    bad = []
    for folder, dirs, files in os.walk(public):
        for name in dirs + files:
            path = Path(folder, name)
            if path.is_symlink() or not path.resolve().is_relative_to(root):
                bad.append(str(path))
    return bad


def site_problems(public: Path, skip: tuple[str, ...] = ()) -> list[str]:
    """Every problem of a built site: `relative path: problem` (`skip`: feed fields, see `feed_problems`)."""
    problems = [f"{p}: outside the output folder" for p in outside(public)]
    for path in sorted(public.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(public).as_posix()
        if path.suffix in (".html", ".xml", ".json", ".opml", ".txt"):
            text = path.read_bytes().decode("utf-8")
            problems += [f"{rel}: XML-invalid character {m.group()!r}" for m in XML_INVALID.finditer(text)]
        if path.suffix == ".html":
            problems += [f"{rel}: {found}" for found in active_content(path.read_text(encoding="utf-8"))]
        elif path.name in ("feed.xml", "atom.xml", "feed.json"):
            problems += [f"{rel}: {p}" for p in feed_problems(path, skip)]
        elif path.suffix in (".xml", ".opml"):
            try:
                etree.fromstring(path.read_bytes())
            except etree.XMLSyntaxError as exc:
                problems.append(f"{rel}: does not parse: {exc}")
    return problems


def snapshot(public: Path) -> dict[str, bytes]:
    """Every file of a folder (hidden ones too) by relative path -> bytes."""
    return {p.relative_to(public).as_posix(): p.read_bytes() for p in sorted(public.rglob("*")) if p.is_file()}
