"""Every feed of a site: `Site` -> feed files (site, topics, sources, daily editions), OPML and /feeds/ page.

Which channels exist is decided here; how a channel becomes bytes is feeds.py's job.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from . import feeds
from .feeds import LABEL, MIME, Channel, Item, article_item, channel_files, edition_id, render_format
from .group import Day, Site
from .jobs import Job, digest, fingerprint
from .model import Article
from .render import PageInfo, Renderer, long_date
from .text import clean_line
from .urls import Urls

BodyFor = Callable[[Article], str]


@dataclass(frozen=True)
class Listed:
    """A published feed, for OPML and the /feeds/ page."""

    kind: str
    title: str
    description: str
    page: str
    files: tuple[tuple[str, str, str], ...]   # (format label, MIME type, site path)


def channels(site: Site, r: Renderer) -> list[tuple[Channel, tuple[Article, ...] | tuple[Day, ...]]]:
    """Every channel the site publishes with the things its items are made from, in a fixed order."""
    cfg = r.cfg
    out: list[tuple[Channel, tuple[Article, ...] | tuple[Day, ...]]] = [
        (Channel("site", cfg.title, cfg.description, "", ""), site.shown or site.articles),
        (Channel("editions", f"{cfg.title}: daily editions", "One item a day: that day's digest, by topic",
                 "archive/", "editions/"), site.days)]
    for term in site.topics:
        name = r.topic_name(term.slug)
        out.append((Channel("topics", f"{cfg.title}: {name}", f"Latest articles on {name}",
                            Urls.topic(term.slug), Urls.topic(term.slug)), term.articles))
    for term in site.sources:
        out.append((Channel("sources", f"{cfg.title}: {term.name}", f"Latest articles from {term.name}",
                            Urls.source(term.slug), Urls.source(term.slug)), term.articles))
    for family, terms in site.entities.items():
        for term in terms:
            base = Urls.entity(family, term.slug)
            out.append((Channel("entities", f"{cfg.title}: {term.name}", f"Latest articles naming {term.name}",
                                base, base), term.articles))
    return out


def _edition_item(day: Day, r: Renderer, full: bool, topics: frozenset[str]) -> Item:
    """One day's digest as a feed item: its articles by topic, with summaries and absolute links."""
    html = None
    if full:
        page = PageInfo("edition", Urls.day(day.day), long_date(day.day))
        html = r.render("feed_edition.html", page, day=day, topics=topics).decode("utf-8")
    count = len(day.articles)
    lead = "; ".join(a.title for a in day.articles[:3])
    summary = f"{count} article{'' if count == 1 else 's'}: {lead}{'; ...' if count > 3 else ''}"
    return Item(id=edition_id(day.day), title=f"{r.cfg.title}: {long_date(day.day)}", path=Urls.day(day.day),
                date=max(a.date for a in day.articles),
                updated=max(a.updated or a.date for a in day.articles), summary=summary, content_html=html,
                categories=tuple((s.topic, r.topic_name(s.topic)) for s in day.sections if s.topic in topics))


def feed_jobs(site: Site, r: Renderer, body_for: BodyFor) -> Iterator[Job]:
    """A job per feed file of every enabled channel; each renders only when its items changed."""
    topics = frozenset(t.slug for t in site.topics)   # topics with a page to link to
    linked = fingerprint(sorted(topics))
    for ch, things in channels(site, r):
        settings = r.cfg.feeds[ch.kind]
        if not settings.enabled:
            continue
        full = settings.content == "full"
        chosen = things[: settings.limit]   # newest first already (group.newest_first)
        template = "feed_edition.html" if ch.kind == "editions" and full else None
        # Articles count by digest (which covers their bodies); days by their articles. Printed once for
        # the channel's formats.
        shown = fingerprint(ch, full, linked, chosen)
        for fmt, path in channel_files(r.cfg, ch).items():
            yield Job(path, template, digest(f"{shown}\x1f{fmt}"), _maker(r, ch, chosen, fmt, full, topics, body_for))


_EDITIONS: dict[tuple[int, bool], tuple[Day, Item]] = {}   # one build's edition items, shared by formats
_ITEMS: dict[tuple[str, bool], Item] = {}   # article items by (digest, full text): shared by feeds and formats
ITEMS_KEPT = 2048


def forget() -> None:
    """Drop this build's edition and article items, and their feed-ready HTML."""
    _EDITIONS.clear()
    _ITEMS.clear()
    feeds.forget()


def _article(art: Article, r: Renderer, full: bool, body_for: BodyFor) -> Item:
    """An article's feed item, made once for the site's, its topics', source's and names' feeds in each
    format (an article's digest covers everything its item shows); a bounded memo, as workers make many."""
    key = (art.digest, full)
    item = _ITEMS.get(key)
    if item is None:
        if len(_ITEMS) >= ITEMS_KEPT:
            _ITEMS.clear()
        item = _ITEMS[key] = article_item(art, body_for(art) if full else None, r.topic_name)
    return item


def _edition(day: Day, r: Renderer, full: bool, topics: frozenset[str]) -> Item:
    hit = _EDITIONS.get((id(day), full))
    if hit is None or hit[0] is not day:
        hit = _EDITIONS[(id(day), full)] = (day, _edition_item(day, r, full, topics))
    return hit[1]


def _maker(r: Renderer, ch: Channel, chosen: tuple, fmt: str, full: bool, topics: frozenset[str],
           body_for: BodyFor) -> Callable[[], bytes]:
    def make() -> bytes:
        if ch.kind == "editions":
            items = [_edition(d, r, full, topics) for d in chosen if isinstance(d, Day)]
        else:
            items = [_article(a, r, full, body_for) for a in chosen if isinstance(a, Article)]
        return render_format(r.cfg, ch, items, fmt)
    return make


def listed(site: Site, r: Renderer) -> list[Listed]:
    """Every published feed with its files."""
    out = []
    for ch, _ in channels(site, r):
        files = channel_files(r.cfg, ch)
        if files:
            out.append(Listed(ch.kind, ch.title, ch.description, ch.page,
                              tuple((LABEL[f], MIME[f], p) for f, p in files.items())))
    return out


def opml(feeds: list[Listed], r: Renderer) -> bytes:
    """OPML 2.0 subscription list: one outline per channel, at its first format (RSS when published)."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = clean_line(f"{r.cfg.title}: all feeds")
    ET.SubElement(head, "ownerName").text = clean_line(r.cfg.author or r.cfg.title)
    body = ET.SubElement(root, "body")
    groups: dict[str, ET.Element] = {}
    names = {"site": "Site", "editions": "Daily editions", "topics": "Topics", "sources": "Sources",
             "entities": "People, places and organisations"}
    for feed in feeds:
        if feed.kind not in groups:
            groups[feed.kind] = ET.SubElement(body, "outline", text=names[feed.kind], title=names[feed.kind])
        _, _, path = feed.files[0]
        # One outline per channel (three formats would subscribe readers three times); OPML 2.0 says
        # type="rss" for every feed, Atom and JSON Feed included.
        ET.SubElement(groups[feed.kind], "outline", type="rss", text=clean_line(feed.title),
                      title=clean_line(feed.title), description=clean_line(feed.description),
                      xmlUrl=r.urls.absolute(path), htmlUrl=r.urls.absolute(feed.page))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def feed_index(site: Site, r: Renderer) -> Iterator[Job]:
    """/feeds.opml and the human /feeds/ page."""
    feeds = listed(site, r)
    yield Job("feeds.opml", None, fingerprint("opml", feeds), lambda: opml(feeds, r))
    page = PageInfo("feeds", "feeds/", "Feeds", "Every feed this site publishes, to follow in a feed reader",
                    r.alternates("home"))
    yield Job("feeds/index.html", "feeds.html", fingerprint(page, feeds),
              lambda: r.render("feeds.html", page, feeds=feeds))
