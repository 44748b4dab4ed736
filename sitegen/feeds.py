"""Feeds: (articles of a page, settings) -> RSS 2.0 / Atom 1.0 (feedgen) and JSON Feed 1.1 bytes.

Ids are `urn:uuid:` values derived from the article's date and id (or slug), so they survive rebuilds,
re-pagination and a new base_url. Feed dates come from the newest item, never from the clock.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Callable, Sequence

from feedgen.feed import FeedGenerator

from .config import Config
from .model import Article
from .render import FeedLink
from .text import clean
from .urls import Urls

_NS = uuid.UUID("8f0e6a52-3c1b-5d2e-9a47-2b1f3c4d5e6f")
MIME = {"rss": "application/rss+xml", "atom": "application/atom+xml", "json": "application/feed+json"}
FILES = {"rss": "feed.xml", "atom": "atom.xml", "json": "feed.json"}
LABEL = {"rss": "RSS", "atom": "Atom", "json": "JSON Feed"}
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class Item:
    """One feed entry, whatever it came from (an article or a daily edition)."""

    id: str
    title: str
    path: str
    date: dt.datetime
    updated: dt.datetime
    summary: str
    content_html: str | None = None
    categories: tuple[tuple[str, str], ...] = ()   # (slug, label)
    author: str | None = None


@dataclass(frozen=True)
class Channel:
    """One feed family member: what it is about and where it lives."""

    kind: str          # site | topics | sources | editions
    title: str
    description: str
    page: str          # the HTML page it belongs to (site path)
    base: str          # folder of the feed files (site path, "" for the root)


def article_id(art: Article) -> str:
    """The stable id of an article in every feed."""
    key = f"article/{art.day.isoformat()}/{art.id}" if art.id else f"article/{art.day.isoformat()}/{art.slug}"
    return f"urn:uuid:{uuid.uuid5(_NS, key)}"


def edition_id(day: dt.date) -> str:
    return f"urn:uuid:{uuid.uuid5(_NS, f'edition/{day.isoformat()}')}"


def article_item(art: Article, content_html: str | None, topic_name: Callable[[str], str]) -> Item:
    """An article as a feed item (content_html None means summary only)."""
    return Item(id=article_id(art), title=art.title, path=Urls.article(art.day, art.slug), date=art.date,
                updated=art.updated or art.date, summary=art.summary, content_html=content_html,
                categories=tuple((t, topic_name(t)) for t in art.topics), author=art.author or art.source)


def channel_files(cfg: Config, channel: Channel) -> dict[str, str]:
    """Format -> site path of each feed file this channel publishes."""
    if not cfg.feeds[channel.kind].enabled:
        return {}
    return {fmt: channel.base + FILES[fmt] for fmt in cfg.feed_formats}


def alternates(cfg: Config, kind: str, slug: str | None = None, name: str | None = None) -> tuple[FeedLink, ...]:
    """The feeds an HTML page of `kind` advertises with <link rel="alternate">, most specific first."""
    links: list[FeedLink] = []
    if kind in ("topic", "source") and slug:
        family = "topics" if kind == "topic" else "sources"
        ch = Channel(family, name or slug, "", "", f"{family}/{slug}/")
        links += [FeedLink(f"{name or slug} ({LABEL[f]})", MIME[f], p) for f, p in channel_files(cfg, ch).items()]
    if kind == "article" and slug:
        ch = Channel("topics", name or slug, "", "", f"topics/{slug}/")
        links += [FeedLink(f"{name or slug} ({LABEL[f]})", MIME[f], p)
                  for f, p in channel_files(cfg, ch).items()][:1]
    if kind in ("day", "home"):
        ch = Channel("editions", "", "", "", "editions/")
        links += [FeedLink(f"Daily editions ({LABEL[f]})", MIME[f], p) for f, p in channel_files(cfg, ch).items()]
    site = channel_files(cfg, Channel("site", "", "", "", ""))
    links += [FeedLink(f"{cfg.title} ({LABEL[f]})", MIME[f], p) for f, p in site.items()]
    return tuple(links)


def _newest(items: Sequence[Item]) -> dt.datetime:
    return max((i.updated for i in items), default=EPOCH)


def _feedgen(cfg: Config, ch: Channel, items: Sequence[Item], self_path: str) -> FeedGenerator:
    urls = Urls(cfg.base_url)
    fg = FeedGenerator()
    fg.id(urls.absolute(ch.page))
    fg.title(clean(ch.title))
    fg.subtitle(clean(ch.description) or clean(ch.title))
    fg.link(href=urls.absolute(ch.page), rel="alternate")
    fg.link(href=urls.absolute(self_path), rel="self")
    fg.language(cfg.language)
    fg.author({"name": cfg.author or cfg.title})
    fg.generator("sitegen", uri="https://pypi.org/project/sitegen/")
    fg.lastBuildDate(_newest(items))
    fg.updated(_newest(items))
    for item in items:
        fe = fg.add_entry(order="append")
        fe.id(item.id)
        fe.guid(item.id, permalink=False)
        fe.title(clean(item.title))
        fe.link(href=urls.absolute(item.path), rel="alternate")
        fe.published(item.date)
        fe.updated(item.updated)
        fe.description(clean(item.summary) or clean(item.title))
        fe.summary(clean(item.summary) or clean(item.title))
        if item.content_html is not None:
            fe.content(clean(item.content_html), type="html")
        if item.author:
            fe.author({"name": clean(item.author)})
        for slug, label in item.categories:
            fe.category(term=slug, label=clean(label))
    return fg


def _json_feed(cfg: Config, ch: Channel, items: Sequence[Item], self_path: str) -> bytes:
    urls = Urls(cfg.base_url)
    out: list[dict[str, object]] = []
    for item in items:
        entry: dict[str, object] = {"id": item.id, "url": urls.absolute(item.path), "title": clean(item.title),
                                    "summary": clean(item.summary), "date_published": item.date.isoformat(),
                                    "date_modified": item.updated.isoformat()}
        entry["content_html" if item.content_html is not None else "content_text"] = (
            clean(item.content_html) if item.content_html is not None else clean(item.summary))
        if item.categories:
            entry["tags"] = [label for _, label in item.categories]
        if item.author:
            entry["authors"] = [{"name": clean(item.author)}]
        out.append(entry)
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": clean(ch.title),
            "home_page_url": urls.absolute(ch.page), "feed_url": urls.absolute(self_path),
            "description": clean(ch.description) or clean(ch.title), "language": cfg.language,
            "authors": [{"name": cfg.author or cfg.title}], "items": out}
    return (json.dumps(feed, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def render_channel(cfg: Config, ch: Channel, items: Sequence[Item]) -> list[tuple[str, bytes]]:
    """Every enabled format of one channel, as (site path, bytes); `items` newest first, already limited."""
    out: list[tuple[str, bytes]] = []
    for fmt, path in channel_files(cfg, ch).items():
        if fmt == "json":
            out.append((path, _json_feed(cfg, ch, items, path)))
            continue
        fg = _feedgen(cfg, ch, items, path)
        data = fg.rss_str(pretty=True) if fmt == "rss" else fg.atom_str(pretty=True)
        out.append((path, data))
    return out
