"""site.yaml -> `Config` (frozen): every problem collected and reported at once, unknown keys rejected."""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError, SourceError
from .frontmatter import load_yaml

CONFIG_NAME = "site.yaml"
FEED_KINDS = ("site", "topics", "sources", "editions", "entities")
# A feed per person, place and organisation is for following a name: headlines and summaries, the latest 20.
# (Full text there would multiply the site's bytes: one article names many.) An item of the daily editions
# feed is a whole day's edition: the last two weeks of them (50 days of 137 articles weighed 6 MB a format,
# fetched again by every subscriber's poll).
_FEED_DEFAULTS: dict[str, dict[str, Any]] = {"entities": {"limit": 20, "content": "summary"},
                                             "editions": {"limit": 14}}


def _default_feeds() -> dict[str, FeedConfig]:
    return {k: FeedConfig(**_FEED_DEFAULTS.get(k, {})) for k in FEED_KINDS}
FEED_FORMATS = ("rss", "atom", "json")


@dataclass(frozen=True)
class FeedConfig:
    """Settings of one family of feeds (the site's, per topic, per source, the daily editions)."""

    enabled: bool = True
    limit: int = 50
    content: str = "full"  # "full" article text or "summary"


@dataclass(frozen=True)
class Config:
    """The site's settings; paths are absolute once loaded."""

    root: Path
    title: str = "News digest"
    description: str = "The day's news, grouped by date and topic."
    base_url: str = "http://localhost:8000/"
    language: str = "en"
    timezone: str = "UTC"
    author: str = ""
    content_dir: Path = Path("content")
    output_dir: Path = Path("public")
    cache_dir: Path = Path(".sitegen/cache")
    theme: str = "default"
    page_size: int = 20
    home_editions: int = 7
    top_stories: int = 3
    entity_min_articles: int = 2
    max_article_bytes: int = 2_000_000
    feed_formats: tuple[str, ...] = FEED_FORMATS
    feeds: dict[str, FeedConfig] = field(default_factory=_default_feeds)
    topics: dict[str, dict[str, str]] = field(default_factory=dict)
    topics_replace: bool = False
    search: bool = True

    @property
    def tz(self) -> ZoneInfo:
        """The site's timezone, in which days are cut."""
        return ZoneInfo(self.timezone)

    @property
    def articles_dir(self) -> Path:
        """Where ingest writes article files."""
        return self.content_dir / "articles"

    @property
    def state_dir(self) -> Path:
        """The site's private working folder (reports, lock, cache by default)."""
        return self.root / ".sitegen"


Check = Callable[[Any], str | None]


def _is_str(v: Any) -> str | None:
    return None if isinstance(v, str) else "must be text"


def _nonempty(v: Any) -> str | None:
    return _is_str(v) or (None if v.strip() else "must not be empty")


def _int_range(lo: int, hi: int) -> Check:
    def check(v: Any) -> str | None:
        if isinstance(v, bool) or not isinstance(v, (int, str)) or not str(v).strip().isdigit():
            return f"must be a whole number from {lo} to {hi}"
        return None if lo <= int(v) <= hi else f"must be from {lo} to {hi}, not {v}"
    return check


def _bool(v: Any) -> str | None:
    return None if isinstance(v, bool) else "must be true or false"


def _url(v: Any) -> str | None:
    if not isinstance(v, str):
        return "must be an absolute URL such as https://example.org/"
    parts = urlsplit(v.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "must be an absolute URL such as https://example.org/"
    return "must not have a query or fragment" if parts.query or parts.fragment else None


def _language(v: Any) -> str | None:
    ok = isinstance(v, str) and re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", v)
    return None if ok else "must be a language tag such as en or en-GB"


def _timezone(v: Any) -> str | None:
    if not isinstance(v, str) or not v.strip():
        return "must be an IANA timezone such as UTC or Europe/London"
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown timezone {v!r}: use an IANA name such as UTC or Europe/London"
    return None


def _theme(v: Any) -> str | None:
    ok = isinstance(v, str) and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", v)
    return None if ok else "must be a theme folder name (letters, digits, '-', '_')"


def _formats(v: Any) -> str | None:
    if not isinstance(v, list) or not v or any(x not in FEED_FORMATS for x in v):
        return f"must be a list drawn from {', '.join(FEED_FORMATS)}"
    return None


_CHECKS: dict[str, Check] = {
    "title": _nonempty, "description": _is_str, "base_url": _url, "language": _language,
    "timezone": _timezone, "author": _is_str, "content_dir": _nonempty, "output_dir": _nonempty,
    "cache_dir": _nonempty, "theme": _theme, "page_size": _int_range(1, 1000),
    "home_editions": _int_range(1, 60), "top_stories": _int_range(1, 50),
    "entity_min_articles": _int_range(1, 1000),
    "max_article_bytes": _int_range(1000, 500_000_000), "feed_formats": _formats,
    "topics_replace": _bool, "search": _bool,
}
_FEED_CHECKS: dict[str, Check] = {
    "enabled": _bool, "limit": _int_range(1, 100_000),
    "content": lambda v: None if v in ("full", "summary") else "must be 'full' or 'summary'",
}


def _unknown(key: str, known: list[str], where: str) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else f"; known keys: {', '.join(sorted(known))}"
    return f"{CONFIG_NAME}: {where}{key}: unknown key{hint}"


def _feeds(raw: Any, problems: list[str]) -> dict[str, FeedConfig]:
    out = _default_feeds()
    if not isinstance(raw, dict):
        problems.append(f"{CONFIG_NAME}: feeds: must be a mapping of {', '.join(FEED_KINDS)}")
        return out
    for kind, settings in raw.items():
        if kind not in FEED_KINDS:
            problems.append(_unknown(str(kind), list(FEED_KINDS), "feeds."))
            continue
        if not isinstance(settings, dict):
            problems.append(f"{CONFIG_NAME}: feeds.{kind}: must be a mapping (enabled, limit, content)")
            continue
        values: dict[str, Any] = {}
        for key, value in settings.items():
            check = _FEED_CHECKS.get(str(key))
            if check is None:
                problems.append(_unknown(str(key), list(_FEED_CHECKS), f"feeds.{kind}."))
            elif (msg := check(value)) is not None:
                problems.append(f"{CONFIG_NAME}: feeds.{kind}.{key}: {msg}")
            else:
                values[key] = int(value) if key == "limit" else value
        out[kind] = FeedConfig(**{**_FEED_DEFAULTS.get(kind, {}), **values})
    return out


def _topics(raw: Any, problems: list[str]) -> dict[str, dict[str, str]]:
    if not isinstance(raw, dict):
        problems.append(f"{CONFIG_NAME}: topics: must map topic slugs to {{name:, description:}}")
        return {}
    out: dict[str, dict[str, str]] = {}
    for slug, spec in raw.items():
        if not isinstance(slug, str) or not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug):
            problems.append(f"{CONFIG_NAME}: topics.{slug}: topic keys must be slugs like 'economy-business'")
        elif not isinstance(spec, dict) or any(k not in ("name", "description", "keywords") for k in spec):
            problems.append(f"{CONFIG_NAME}: topics.{slug}: must be a mapping with name, description, keywords")
        else:
            out[slug] = {k: (" ".join(v) if isinstance(v, list) else str(v)) for k, v in spec.items()}
    return out


def _resolve(root: Path, values: dict[str, Any], problems: list[str]) -> None:
    for key in ("content_dir", "output_dir", "cache_dir"):
        values[key] = (root / str(values.get(key, _default(key)))).resolve()
    out, content = values["output_dir"], values["content_dir"]
    if out == root or root.is_relative_to(out) or out.is_relative_to(content) or content.is_relative_to(out):
        problems.append(f"{CONFIG_NAME}: output_dir: must be its own folder inside or beside the site, "
                        "apart from the content folder (it is replaced on every build)")


def _default(key: str) -> Any:
    return {f.name: f.default for f in dataclasses.fields(Config)}[key]


def config_from_mapping(root: Path, raw: Any) -> Config:
    """Validate a parsed site.yaml mapping into a `Config`; raise `ConfigError` listing every problem."""
    root = root.resolve()
    problems: list[str] = []
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError([f"{CONFIG_NAME}: must be a mapping of 'key: value' lines"])
    values: dict[str, Any] = {}
    for key, value in raw.items():
        key = str(key)
        if key == "feeds":
            values["feeds"] = _feeds(value, problems)
        elif key == "topics":
            values["topics"] = _topics(value, problems)
        elif key not in _CHECKS:
            problems.append(_unknown(key, [*_CHECKS, "feeds", "topics"], ""))
        elif (msg := _CHECKS[key](value)) is not None:
            problems.append(f"{CONFIG_NAME}: {key}: {msg}")
        else:
            values[key] = value
    for key in ("page_size", "home_editions", "top_stories", "max_article_bytes", "entity_min_articles"):
        if key in values:
            values[key] = int(values[key])
    if "feed_formats" in values:
        values["feed_formats"] = tuple(sorted(set(values["feed_formats"]), key=FEED_FORMATS.index))
    if "base_url" in values:
        values["base_url"] = values["base_url"].strip().rstrip("/") + "/"
    if values.get("topics_replace") and not values.get("topics"):
        problems.append(f"{CONFIG_NAME}: topics_replace: true needs a 'topics:' mapping to replace the taxonomy with")
    _resolve(root, values, problems)
    if problems:
        raise ConfigError(problems)
    return Config(root=root, **values)


def load_config(site_dir: Path) -> Config:
    """Read `site_dir/site.yaml` into a `Config`; raise `ConfigError` with every problem found."""
    path = site_dir / CONFIG_NAME
    if not path.is_file():
        raise ConfigError([(f"{path}: no {CONFIG_NAME} here: run 'sitegen new DIR' to make a site, "
                           "or pass --site DIR")])
    try:
        raw = load_yaml(path.read_text(encoding="utf-8-sig"), CONFIG_NAME)
    except SourceError as exc:
        raise ConfigError([str(exc)]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError([f"{CONFIG_NAME}: not UTF-8 text ({exc.reason}); re-save it as UTF-8"]) from None
    return config_from_mapping(site_dir, raw)
