"""Feeds: (channel, items, settings) -> RSS 2.0 / Atom 1.0 (feedgen) and JSON Feed 1.1 bytes.

Ids are `urn:uuid:` values derived from the article's date and id (or slug), so they survive rebuilds,
re-pagination and a new base_url. Feed dates come from the newest item, never from the clock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import html
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from .config import Config
from .markup import sanitize
from .model import Article
from .render import FeedLink
from .text import clean
from .urls import Urls

if TYPE_CHECKING:
    from feedgen.entry import FeedEntry
    from feedgen.feed import FeedGenerator

# feedgen, lxml and uuid are imported where feeds are made: a rebuild that makes no feed never loads them.

_NS = "8f0e6a52-3c1b-5d2e-9a47-2b1f3c4d5e6f"   # the namespace of our uuid5 ids
MIME = {"rss": "application/rss+xml", "atom": "application/atom+xml", "json": "application/feed+json"}
FILES = {"rss": "feed.xml", "atom": "atom.xml", "json": "feed.json"}
LABEL = {"rss": "RSS", "atom": "Atom", "json": "JSON Feed"}
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# In JSON strings the escapes \u003c, \u003e and \u0026 decode to the same text, but keep markup-looking text out
# of the bytes (see _json_feed).


@dataclass(frozen=True)
class Item:
    """One feed entry, whatever it came from (an article or a daily edition)."""

    id: str
    title: str
    path: str
    date: dt.datetime
    updated: dt.datetime
    summary: str                    # plain text
    content_html: str | None = None  # sanitised HTML; None means summary only
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


@functools.lru_cache(maxsize=8192)   # an article is an item of several feeds, each in three formats
def _uuid(key: str) -> str:
    import uuid

    return f"urn:uuid:{uuid.uuid5(uuid.UUID(_NS), key)}"


def article_id(art: Article) -> str:
    """The stable id of an article in every feed."""
    return _uuid(f"article/{art.day.isoformat()}/{art.id or art.slug}")


def edition_id(day: dt.date) -> str:
    """The stable id of a daily edition."""
    return _uuid(f"edition/{day.isoformat()}")


def feed_id(cfg: Config, ch: Channel) -> str:
    """The Atom id of a channel: from the site's title and the channel's folder, not its URL (may move)."""
    return _uuid(f"feed/{cfg.title}/{ch.kind}/{ch.base}")


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


ENTITY_FAMILIES = {"person": "people", "place": "places", "organisation": "organisations"}


def _links(cfg: Config, kind: str, base: str, title: str) -> list[FeedLink]:
    files = channel_files(cfg, Channel(kind, title, "", "", base))
    return [FeedLink(f"{title} ({LABEL[f]})", MIME[f], path) for f, path in files.items()]


def alternates(cfg: Config, kind: str, slug: str | None = None,
               name: str | None = None) -> tuple[FeedLink, ...]:
    """The feeds an HTML page of `kind` advertises with <link rel="alternate">, most specific first."""
    links: list[FeedLink] = []
    if kind in ("topic", "source") and slug:
        family = "topics" if kind == "topic" else "sources"
        links += _links(cfg, family, f"{family}/{slug}/", name or slug)
    if kind in ENTITY_FAMILIES and slug:
        links += _links(cfg, "entities", f"{ENTITY_FAMILIES[kind]}/{slug}/", name or slug)
    if kind == "article" and slug:
        links += _links(cfg, "topics", f"topics/{slug}/", name or slug)[:1]
    if kind in ("day", "home"):
        links += _links(cfg, "editions", "editions/", "Daily editions")
    return tuple(links + _links(cfg, "site", "", cfg.title))


_RELATIVE = re.compile(r'\s(?:href|src)="(?!https?://|mailto:)')


@functools.lru_cache(maxsize=1024)   # one article is in many feeds (site, topic, source, names) and formats
def feed_html(fragment: str, page_url: str) -> str:
    """Sanitised HTML with every link absolute: a feed has no page to resolve relative links against."""
    fragment = clean(fragment)
    if _RELATIVE.search(fragment):   # parsing is the slow part, and most bodies have no relative links
        from lxml import html as lxml_html

        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
        for el in root.iter("a", "img"):
            for attr in ("href", "src"):
                value = el.get(attr)
                if value is not None:
                    el.set(attr, urljoin(page_url, value))
        fragment = lxml_html.tostring(root, encoding="unicode")[len("<div>"):-len("</div>")]
    return sanitize(fragment)


def _for_feed(item: Item, urls: Urls) -> Item:
    """The item with its HTML made feed-ready, once for all of a channel's formats (and for every feed the
    same item is in: a day's edition is sanitised once, not once per format)."""
    if item.content_html is None:
        return item
    key = (item.content_html, urls.absolute(item.path))
    ready = _READY.get(key)
    if ready is None:
        if len(_READY) >= READY_KEPT:   # bounded: workers make thousands of feeds in a cold build
            _READY.clear()
        ready = _READY[key] = feed_html(*key)
    return dataclasses.replace(item, content_html=ready)


_READY: dict[tuple[str, str], str] = {}   # (HTML, page URL) -> feed-ready HTML (feed_html)
READY_KEPT = 256


def forget() -> None:
    """Drop the feed-ready HTML kept by this process."""
    _READY.clear()


def _newest(items: Sequence[Item], tz: ZoneInfo) -> dt.datetime:
    """The feed's date: its newest item's; the epoch for an empty feed (deterministic, never the clock)."""
    return max((i.updated for i in items), default=EPOCH).astimezone(tz)


def _feed(cfg: Config, ch: Channel, items: Sequence[Item], fmt: str, self_path: str) -> FeedGenerator:
    from feedgen.feed import FeedGenerator

    urls = Urls(cfg.base_url)
    fg = FeedGenerator()
    if fmt == "rss":
        # RSS <author> must be an e-mail address; names go in dc:creator instead.
        fg.load_extension("dc", atom=False, rss=True)
    fg.id(feed_id(cfg, ch))
    fg.title(clean(ch.title))
    fg.subtitle(clean(ch.description) or clean(ch.title))
    if fmt == "rss":
        # RSS <description> is HTML to readers: the plain text is escaped once, as item descriptions are.
        fg.description(html.escape(clean(ch.description) or clean(ch.title), quote=False))
    # feedgen uses the last link as the RSS <link>: the HTML page, so it goes after rel=self.
    fg.link(href=urls.absolute(self_path), rel="self", type=MIME[fmt])
    fg.link(href=urls.absolute(ch.page), rel="alternate", type="text/html")
    fg.language(cfg.language)
    fg.author({"name": clean(cfg.author or cfg.title)})
    fg.generator("sitegen", uri="https://pypi.org/project/sitegen/")  # no version: upgrades change no bytes
    fg.lastBuildDate(_newest(items, cfg.tz))
    fg.updated(_newest(items, cfg.tz))
    for item in items:
        _entry(fg.add_entry(order="append"), item, fmt, urls, cfg.tz)  # "prepend" would reverse the order
    return fg


def _entry(fe: FeedEntry, item: Item, fmt: str, urls: Urls, tz: ZoneInfo) -> None:
    url = urls.absolute(item.path)
    summary = clean(item.summary) or clean(item.title)
    fe.guid(item.id, permalink=False)
    fe.title(clean(item.title))
    fe.link(href=url, rel="alternate", type="text/html")
    fe.published(item.date.astimezone(tz))
    fe.updated(item.updated.astimezone(tz))
    for slug, label in item.categories:
        fe.category(term=slug, label=clean(label))
    if fmt == "rss":
        # An RSS description is HTML: escape the plain-text summary once (lxml escapes it for XML).
        fe.description(html.escape(summary, quote=False))
        if item.content_html is not None:
            fe.content(item.content_html)                    # content:encoded
        if item.author:
            fe.dc.dc_creator(clean(item.author))
        return
    fe.summary(summary)                                      # Atom type="text"
    if item.content_html is not None:
        fe.content(item.content_html, type="html")
    if item.author:
        fe.author({"name": clean(item.author)})


def _json_item(item: Item, urls: Urls, tz: ZoneInfo) -> dict[str, object]:
    url = urls.absolute(item.path)
    entry: dict[str, object] = {
        "id": item.id, "url": url, "title": clean(item.title),
        "date_published": item.date.astimezone(tz).isoformat(),
        "date_modified": item.updated.astimezone(tz).isoformat()}
    if clean(item.summary):
        entry["summary"] = clean(item.summary)
    if item.content_html is not None:
        entry["content_html"] = item.content_html
    else:
        entry["content_text"] = clean(item.summary) or clean(item.title)
    if item.categories:
        entry["tags"] = [clean(label) for _, label in item.categories]
    if item.author:
        entry["authors"] = [{"name": clean(item.author)}]
    return entry


def _json_feed(cfg: Config, ch: Channel, items: Sequence[Item], self_path: str) -> bytes:
    urls = Urls(cfg.base_url)
    feed = {"version": JSON_FEED_VERSION, "title": clean(ch.title),
            "home_page_url": urls.absolute(ch.page), "feed_url": urls.absolute(self_path),
            "description": clean(ch.description) or clean(ch.title), "language": cfg.language,
            "authors": [{"name": clean(cfg.author or cfg.title)}],
            "items": [_json_item(item, urls, cfg.tz) for item in items]}
    text = json.dumps(feed, ensure_ascii=False, indent=1)
    if "<" in text or ">" in text or "&" in text:   # str.replace is ~20x faster than translate() here
        text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return (text + "\n").encode("utf-8")


def render_format(cfg: Config, ch: Channel, items: Sequence[Item], fmt: str) -> bytes:
    """One format of one channel; `items` newest first, already limited."""
    path = channel_files(cfg, ch)[fmt]
    items = [_for_feed(item, Urls(cfg.base_url)) for item in items]
    if fmt == "json":
        return _json_feed(cfg, ch, items, path)
    fg = _feed(cfg, ch, items, fmt, path)
    return fg.rss_str(pretty=True) if fmt == "rss" else fg.atom_str(pretty=True)


def render_channel(cfg: Config, ch: Channel, items: Sequence[Item]) -> list[tuple[str, bytes]]:
    """Every enabled format of one channel, as (site path, bytes); `items` newest first, already limited."""
    return [(path, render_format(cfg, ch, items, fmt)) for fmt, path in channel_files(cfg, ch).items()]
