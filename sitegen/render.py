"""Jinja2 over the theme folders: (template, context) -> bytes, with the helpers every template may use.

Lookup order (Lektor/MkDocs): the site's `templates/`, the site's `themes/<theme>/templates/`, the installed
`themes/<theme>/templates/`, then the installed default theme; `default/...` always names the default's own
template so a theme can `{% extends "default/base.html" %}`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from .config import Config
from .inputs import PACKAGE_THEMES, theme_dirs
from .markup import reading_minutes
from .model import Article
from .slugs import slug_or
from .topics import Taxonomy
from .urls import Urls

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


@dataclass(frozen=True)
class FeedLink:
    """A feed a page advertises with <link rel="alternate">."""

    title: str
    type: str     # MIME type
    path: str     # site path


@dataclass(frozen=True)
class PageInfo:
    """What every template knows about the page it renders."""

    kind: str
    path: str
    title: str
    description: str = ""
    feeds: tuple[FeedLink, ...] = ()
    noindex: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


CACHED_LIMIT = 20_000


def _memo_key(value: Any) -> Any:
    kind = type(value)
    if kind is Article:
        return value.digest
    if kind is tuple or kind is list:
        return tuple(map(_memo_key, value))
    if kind in (str, int, bool, float) or value is None:
        return (kind, value)
    raise TypeError(f"cached(): cannot key a {kind.__name__}; pass articles, strings, numbers or tuples of them")


def _ensure(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def long_date(value: dt.date | dt.datetime) -> str:
    """`Tuesday 22 July 2025`."""
    return f"{value:%A} {value.day} {MONTHS[value.month - 1]} {value.year}"


def short_date(value: dt.date | dt.datetime) -> str:
    """`22 Jul 2025`."""
    return f"{value.day} {MONTHS[value.month - 1][:3]} {value.year}"


def feed_label(mime: str) -> str:
    """`RSS`, `Atom` or `JSON Feed` for a feed's MIME type."""
    return {"application/rss+xml": "RSS", "application/atom+xml": "Atom",
            "application/feed+json": "JSON Feed"}.get(mime, "Feed")


def month_name(month: int) -> str:
    return MONTHS[month - 1]


def _plain_call(value: Any) -> None:
    """Jinja checks every call from a template for a `jinja_pass_arg` attribute (pass_context and kin); a
    plain function has none, and the failed lookup (an AttributeError raised and caught) cost a twentieth of
    rendering. Saying "none" outright (None, as Jinja's own default) keeps the behaviour and skips that."""
    function = getattr(value, "__func__", value)
    if callable(function) and not isinstance(function, type) and not hasattr(function, "jinja_pass_arg"):
        with contextlib.suppress(AttributeError, TypeError):   # builtins take no attributes: left as they are
            function.jinja_pass_arg = None


class Renderer:
    """A configured Jinja2 environment plus the site-wide template globals."""

    def __init__(self, cfg: Config, taxonomy: Taxonomy) -> None:
        self.cfg = cfg
        self.urls = Urls(cfg.base_url)
        self.taxonomy = taxonomy
        self._alternates: dict[tuple[str, str | None, str | None], tuple[FeedLink, ...]] = {}
        default = PACKAGE_THEMES / "default" / "templates"
        loader = jinja2.ChoiceLoader([
            jinja2.FileSystemLoader([str(p) for p in theme_dirs(cfg)]),
            jinja2.PrefixLoader({"default": jinja2.FileSystemLoader(str(default))}),
        ])
        # Compiled templates are kept in the build cache: compiling the theme costs more than a small rebuild.
        bytecode = jinja2.FileSystemBytecodeCache(str(_ensure(cfg.cache_dir / "jinja")))
        self.env = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                                      auto_reload=False, bytecode_cache=bytecode)
        self.env.filters.update(long_date=long_date, short_date=short_date, month_name=month_name,
                                iso=lambda v: v.isoformat(), reading_minutes=reading_minutes)
        self.env.globals.update(
            site=cfg, link=self.urls.link, absolute=self.urls.absolute, article_path=self.article_path,
            topic_name=self.topic_name, topic_description=self.topic_description, topic_path=Urls.topic, source_path=self.source_path,
            day_path=Urls.day, month_path=Urls.month, year_path=Urls.year, paged=Urls.paged,
            entity_path=Urls.entity, feed_label=feed_label, cached=self.cached)
        for value in self.env.globals.values():
            _plain_call(value)
        self._cached: dict[tuple, Markup] = {}

    def alternates(self, kind: str, slug: str | None = None, name: str | None = None) -> tuple[FeedLink, ...]:
        """The feed links a page of `kind` advertises (memoised: many pages share one tuple)."""
        from .feeds import alternates

        key = (kind, slug, name)
        found = self._alternates.get(key)
        if found is None:
            found = self._alternates[key] = alternates(self.cfg, kind, slug, name)
        return found

    @staticmethod
    def article_path(art: Article) -> str:
        return Urls.article(art.day, art.slug)

    def topic_name(self, slug: str) -> str:
        topic = self.taxonomy.get(slug)
        return topic.name if topic else slug.replace("-", " ").capitalize()

    def topic_description(self, slug: str) -> str:
        topic = self.taxonomy.get(slug)
        return topic.description if topic else ""

    @staticmethod
    def source_path(name: str) -> str:
        return Urls.source(slug_or(name))

    def render(self, template: str, page: PageInfo, **context: Any) -> bytes:
        """Render one template with `page` and extra context to UTF-8 bytes."""
        text = self.env.get_template(template).render(page=page, **context)
        return text.encode("utf-8")

    def cached(self, macro: Any, *args: Any) -> Markup:
        """`macro(*args)`, made once per build for equal arguments (Hugo's partialCached): an article's card
        appears on its day, topic, source and every name page, and a Jinja macro call costs more than the
        page around it. Only for macros of an imported module, which see nothing but their arguments and
        the site-wide globals; articles count by their digest."""
        key = (macro, *map(_memo_key, args))
        html = self._cached.get(key)
        if html is None:
            if len(self._cached) >= CACHED_LIMIT:   # bounded: a 100,000-article site must not keep them all
                self._cached.clear()
            html = self._cached[key] = macro(*args)
        return html

    @staticmethod
    def markup(html: str) -> Markup:
        """Mark already-sanitised HTML as safe for templates."""
        return Markup(html)
