"""One content file: bytes -> (`Article`, sanitised body HTML), or `SourceError`. Pure; no disk access."""

from __future__ import annotations

import hashlib
import re
from typing import NamedTuple
from zoneinfo import ZoneInfo

from . import cluster, frontmatter, markup
from .coerce import article_from
from .errors import SourceError
from .model import Article
from .relations import keywords
from .text import clean, clean_line
from .topics import Taxonomy

MAX_NESTING = 60  # deeper block nesting (e.g. 10,000 '>' levels) is refused before Markdown sees it


class Loaded(NamedTuple):
    """An article (with its digest) and what was worth warning about while reading it."""

    article: Article
    warnings: tuple[str, ...]


def decode(data: bytes, rel: str) -> str:
    """UTF-8 (BOM allowed) text of a content file, or a `SourceError` naming the line of the bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError(rel, line, f"not UTF-8 (byte 0x{data[exc.start]:02x}): re-save the file as UTF-8") from None


MAX_OPEN_BRACKETS = 60   # python-markdown's link parser is quadratic in unmatched '['
_LIST_ITEM = re.compile(r"^[ \t>]*(?:[-*+]|\d+[.)])(?:\s|$)")


def _check_nesting(body: str, rel: str, first_line: int) -> None:
    """Refuse the shapes that make python-markdown take minutes or recurse out of stack, before rendering."""
    open_brackets = 0
    for n, line in enumerate(body.split("\n")):
        stripped = line.lstrip(" >\t-*+")
        depth = len(line) - len(stripped)
        if depth > MAX_NESTING * 2 and (line.lstrip(" \t")[:1] in (">", "-", "*", "+") or _LIST_ITEM.match(line)):
            raise SourceError(rel, first_line + n, f"Markdown nested more than {MAX_NESTING} levels deep: "
                              "flatten the quote or list")
        open_brackets = 0 if not line.strip() else open_brackets + line.count("[") - line.count("]")
        if open_brackets > MAX_OPEN_BRACKETS:
            raise SourceError(rel, first_line + n, f"'[' nested or left open more than {MAX_OPEN_BRACKETS} "
                              "times in one paragraph: escape them as \\[ or close the links")


def _body(data: bytes, rel: str) -> tuple[dict, str, int]:
    meta, body, body_line = frontmatter.split(decode(data, rel), rel)
    body = clean(body)
    _check_nesting(body, rel, body_line)
    return meta, body, body_line


def _render(body: str, rel: str, body_line: int) -> str:
    try:
        return markup.to_html(body)
    except RecursionError:
        raise SourceError(rel, body_line, "Markdown too deeply nested to render: flatten it") from None


def body_html(data: bytes, rel: str) -> str:
    """The sanitised HTML of an article file's body (for its page and full-text feeds)."""
    _, body, body_line = _body(data, rel)
    return _render(body, rel, body_line)


def source_hash(data: bytes) -> str:
    """Digest of a content file's bytes."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def load(data: bytes, rel: str, tz: ZoneInfo, taxonomy: Taxonomy) -> Loaded:
    """Parse and validate one article file; topics and summary filled in when missing. The body is rendered
    to count its words (and to read it when topics or summary must be derived), then dropped."""
    return load_rendered(data, rel, tz, taxonomy)[0]


def load_rendered(data: bytes, rel: str, tz: ZoneInfo, taxonomy: Taxonomy) -> tuple[Loaded, str]:
    """`load`, and the body's sanitised HTML (what `body_html` gives) for a build to keep."""
    meta, body, body_line = _body(data, rel)
    warnings: list[str] = []
    rendered = _render(body, rel, body_line)
    plain = markup.html_to_text(rendered)
    art = article_from(meta, rel, tz, words=len(plain.split()), warnings=warnings)
    updates: dict[str, object] = {}
    if not art.topics:
        ranked = taxonomy.classify(art.title, plain)
        updates["topics"] = tuple(t for t, _ in ranked)
        updates["topic_scores"] = tuple(s for _, s in ranked)
    else:
        unknown = [t for t in art.topics if taxonomy.get(t) is None]
        if unknown:
            warnings.append(f"{rel}:2: topics: {', '.join(unknown)} not in the site's taxonomy; "
                            "kept as given (see 'sitegen topics --list')")
    if not art.entities and "entities" not in meta:
        from .entities import extract as extract_entities  # its hundreds of patterns load only if needed

        found = extract_entities(art.title, [p for p in plain.split("\n") if p.strip()])
        updates["entities"] = tuple((kind, name) for kind in ("people", "places", "organisations")
                                    for name in found.get(kind, []))
    if not art.summary:
        paragraphs = [clean_line(p) for p in plain.split("\n") if p.strip()]
        updates["summary"] = markup.summarize(paragraphs) if paragraphs else ""
    updates["signature"] = cluster.signature(art.title, plain)
    updates["source_hash"] = source_hash(data)
    art = art.replace(**updates)
    art = art.replace(keywords=keywords(art)).with_digest()
    return Loaded(art, tuple(warnings)), rendered


def title_and_text(data: bytes, name: str) -> tuple[str, str]:
    """Title and plain text of a raw (.txt) or Markdown (.md) article, for `sitegen topics --explain`."""
    if not name.endswith(".md"):
        from .ingest import parse_bytes

        raw = parse_bytes(data, name)
        return raw.title, "\n".join(raw.paragraphs)
    meta, body, _ = frontmatter.split(decode(data, name), name)
    return clean_line(str(meta.get("title") or "")), markup.html_to_text(markup.to_html(clean(body)))
