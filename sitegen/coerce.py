"""Front matter (dict) -> `Article` through a {field: coercer} table: each value checked and normalised, a
bad one a `SourceError` naming the file and line, an unknown key a warning."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from .errors import SourceError
from .frontmatter import parse_date
from .model import Article
from .slugs import is_slug, slug_or, slugify
from .text import clean_line

MAX_TITLE = 300
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


Coercer = Callable[[Any, "Ctx"], Any]


@dataclass(frozen=True)
class Ctx:
    """What a coercer needs to know: where it is and the site's timezone."""

    path: str
    line: int
    tz: ZoneInfo
    warnings: list[str]

    def fail(self, key: str, message: str) -> SourceError:
        return SourceError(self.path, self.line, f"{key}: {message}")

    def warn(self, key: str, message: str) -> None:
        self.warnings.append(f"{self.path}:{self.line}: {key}: {message}")


def _text(key: str, max_len: int = 300) -> Coercer:
    def coerce(value: Any, ctx: Ctx) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise ctx.fail(key, f"must be text, not {type(value).__name__}: put it in quotes")
        text = clean_line(value)
        if len(text) > max_len:
            ctx.warn(key, f"longer than {max_len} characters; shortened")
            text = text[:max_len].rstrip() + "\u2026"
        return text or None
    return coerce


def _date(key: str) -> Coercer:
    def coerce(value: Any, ctx: Ctx) -> dt.datetime | None:
        if value is None:
            return None
        parsed = parse_date(value)
        if parsed is None:
            raise ctx.fail(key, f"{str(value)[:40]!r} is not a date: write YYYY-MM-DD or "
                                "YYYY-MM-DDTHH:MM:SS+00:00")
        try:
            if not isinstance(parsed, dt.datetime):
                return dt.datetime(parsed.year, parsed.month, parsed.day, tzinfo=ctx.tz)
            if parsed.tzinfo is None:
                return parsed.replace(tzinfo=ctx.tz)
            return parsed.astimezone(ctx.tz)
        except (OverflowError, ValueError):
            raise ctx.fail(key, f"{str(value)[:40]!r} is out of range: write a date between 0001 and 9999") from None
    return coerce


def _slug_list(key: str) -> Coercer:
    def coerce(value: Any, ctx: Ctx) -> tuple[str, ...]:
        if value is None:
            return ()
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
            raise ctx.fail(key, "must be a list of names, e.g. [politics, economy-business]")
        out: list[str] = []
        for item in items:
            slug = slugify(item)
            if slug and slug not in out:
                out.append(slug)
        return tuple(out)
    return coerce


def _bool(key: str) -> Coercer:
    def coerce(value: Any, ctx: Ctx) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            raise ctx.fail(key, f"must be true or false, not {value!r}")
        return value
    return coerce


def _article_id(value: Any, ctx: Ctx) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if not _ID.match(text):
        raise ctx.fail("id", f"{text[:40]!r} is not a valid id: use letters, digits, '.', '_' or '-'")
    return text


def _slug(value: Any, ctx: Ctx) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ctx.fail("slug", "must be text")
    if is_slug(value):   # a clean slug, up to the length ingest's de-duplicating suffixes reach
        return value
    slug = slugify(value)
    if slug != value:
        ctx.warn("slug", f"{value[:60]!r} is not a clean slug; using {slug!r}" if slug else
                 f"{value[:60]!r} has no usable characters; the title's slug is used")
    return slug or None


def _scores(value: Any, ctx: Ctx) -> dict[str, float]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ctx.fail("topic_scores", "must map topic slugs to numbers")
    try:
        return {slugify(str(k)): float(v) for k, v in value.items()}
    except (TypeError, ValueError):
        raise ctx.fail("topic_scores", "scores must be numbers") from None


def _entities(value: Any, ctx: Ctx) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise ctx.fail("entities", "must map people/places/organisations to lists of names")
    kinds = ("people", "places", "organisations")
    unknown = sorted(str(k) for k in value if k not in kinds)
    if unknown:
        ctx.warn("entities", f"{', '.join(unknown)}: not a kind of name (use people, places, organisations); "
                 "left out")
    out: list[tuple[str, str]] = []
    for kind in kinds:
        names = value.get(kind) or []
        if not isinstance(names, list):
            raise ctx.fail("entities", f"{kind}: must be a list of names")
        kept = [n for n in (clean_line(x)[:100] for x in names if isinstance(x, str))
                if any(c.isalpha() for c in n) and slugify(n)]
        if len(kept) < len(names):
            ctx.warn("entities", f"{kind}: a name needs letters; {len(names) - len(kept)} item(s) left out "
                     "(empty, null, numbers or mappings)")
        out.extend((kind, n) for n in kept)
    return tuple(dict.fromkeys(out))   # each name once: listings and stories count an article once per name


def _ignore(value: Any, ctx: Ctx) -> Any:
    return value


COERCERS: dict[str, Coercer] = {
    "title": _text("title", MAX_TITLE), "date": _date("date"), "updated": _date("updated"),
    "id": _article_id, "slug": _slug, "source": _text("source", 100), "via": _text("via", 100),
    "topics": _slug_list("topics"), "topic_scores": _scores, "tags": _slug_list("tags"),
    "summary": _text("summary", 1000), "author": _text("author", 200), "draft": _bool("draft"),
    "entities": _entities, "provenance": _ignore,
}


def article_from(meta: dict[str, Any], path: str, tz: ZoneInfo, words: int = 0,
                 warnings: list[str] | None = None) -> Article:
    """Coerce front matter into an `Article`; raise `SourceError` (line 2: the front matter) on bad fields."""
    warn = warnings if warnings is not None else []
    ctx = Ctx(path=path, line=2, tz=tz, warnings=warn)
    values: dict[str, Any] = {}
    for key, value in meta.items():
        coercer = COERCERS.get(key)
        if coercer is None:
            ctx.warn(key, "unknown front matter key, ignored (known: " + ", ".join(sorted(COERCERS)) + ")")
            continue
        values[key] = coercer(value, ctx)
    if not values.get("title"):
        raise ctx.fail("title", "missing: every article needs a 'title:' line in its front matter")
    if values.get("date") is None:
        raise ctx.fail("date", "missing: every article needs a 'date: YYYY-MM-DD' line in its front matter")
    scores = values.pop("topic_scores", {})
    topics = values.get("topics", ())
    slug = values.pop("slug", None) or slug_or(values["title"], values.get("id") or "", path)
    return Article(path=path, slug=slug, words=words, topics_by_editor=bool(topics) and not scores,
                   topic_scores=tuple(scores.get(t, 1.0) for t in topics),
                   **{k: v for k, v in values.items() if k != "provenance"})
