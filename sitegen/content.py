"""One content file: bytes -> (`Article`, sanitised body HTML), or `SourceError`. Pure; no disk access."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from zoneinfo import ZoneInfo

from . import frontmatter, markup
from .errors import SourceError
from .model import Article, article_from
from .text import clean, clean_line
from .topics import Taxonomy

MAX_NESTING = 60  # deeper block nesting (e.g. 10,000 '>' levels) is refused before Markdown sees it


@dataclass(frozen=True)
class Loaded:
    """An article, its rendered body and what was worth warning about."""

    article: Article
    html: str
    warnings: tuple[str, ...]


def decode(data: bytes, rel: str) -> str:
    """UTF-8 (BOM allowed) text of a content file, or a `SourceError` naming the line of the bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError(rel, line, f"not UTF-8 (byte 0x{data[exc.start]:02x}): re-save the file as UTF-8") from None


def _check_nesting(body: str, rel: str, first_line: int) -> None:
    for n, line in enumerate(body.split("\n")):
        stripped = line.lstrip(" >\t-*+")
        depth = len(line) - len(stripped)
        if depth > MAX_NESTING * 2 and line.lstrip(" \t")[:1] in (">", "-", "*", "+"):
            raise SourceError(rel, first_line + n, f"Markdown nested more than {MAX_NESTING} levels deep: "
                              "flatten the quote or list")


def load(data: bytes, rel: str, tz: ZoneInfo, taxonomy: Taxonomy) -> Loaded:
    """Parse, validate and render one article file; topics and summary filled in when missing."""
    text = decode(data, rel)
    meta, body, body_line = frontmatter.split(text, rel)
    body = clean(body)
    _check_nesting(body, rel, body_line)
    warnings: list[str] = []
    try:
        html = markup.to_html(body)
    except RecursionError:
        raise SourceError(rel, body_line, "Markdown too deeply nested to render: flatten it") from None
    plain = markup.html_to_text(html)
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
    if not art.summary:
        paragraphs = [clean_line(p) for p in plain.split("\n") if p.strip()]
        updates["summary"] = markup.summarize(paragraphs) if paragraphs else ""
    if updates:
        art = dataclasses.replace(art, **updates)  # type: ignore[arg-type]
    return Loaded(art, html, tuple(warnings))


def title_and_text(data: bytes, name: str) -> tuple[str, str]:
    """Title and plain text of a raw (.txt) or Markdown (.md) article, for `sitegen topics --explain`."""
    if not name.endswith(".md"):
        from .ingest import parse_bytes

        raw = parse_bytes(data, name)
        return raw.title, "\n".join(raw.paragraphs)
    meta, body, _ = frontmatter.split(decode(data, name), name)
    return clean_line(str(meta.get("title") or "")), markup.html_to_text(markup.to_html(clean(body)))
