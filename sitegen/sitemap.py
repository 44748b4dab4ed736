"""sitemap.xml: `Site` -> jobs for a sitemap index, one sitemap of listing pages and article sitemaps.

Articles are listed oldest first, 50,000 to a file (the protocol's limit), so a new article changes only the
last article sitemap and the small listing sitemap: an incremental build never rewrites the archive's.
Built with ElementTree (the XML library escapes; no markup is assembled from strings).
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from functools import partial

from .group import Site
from .jobs import Job, Plans, fingerprint
from .model import Article
from .urls import Urls

NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
CHUNK = 50_000


def _xml(root: ET.Element) -> bytes:
    ET.indent(root, space="")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _urlset(entries: Sequence[tuple[str, str]]) -> bytes:
    root = ET.Element("urlset", xmlns=NS)
    for loc, lastmod in entries:
        url = ET.SubElement(root, "url")
        ET.SubElement(url, "loc").text = loc
        if lastmod:
            ET.SubElement(url, "lastmod").text = lastmod
    return _xml(root)


def _index(locs: Sequence[str]) -> bytes:
    root = ET.Element("sitemapindex", xmlns=NS)
    for loc in locs:
        ET.SubElement(ET.SubElement(root, "sitemap"), "loc").text = loc
    return _xml(root)


def _day(value: dt.datetime) -> str:
    return value.date().isoformat()


def _newest(arts: Sequence[Article]) -> str:
    return _day(max(a.updated or a.date for a in arts)) if arts else ""


def listing_entries(site: Site, extra_paths: Sequence[str]) -> list[tuple[str, str]]:
    """(site path, lastmod) of every listing page: home, indexes, terms, then the calendar, oldest first."""
    latest = _newest(site.articles)
    newest = {d.day: _newest(d.articles) for d in site.days}   # each day's once, for its month and year too
    entries = [("", latest), ("archive/", latest), ("topics/", latest), ("sources/", latest), ("feeds/", latest)]
    entries += [(path, "") for path in extra_paths]
    entries += [(Urls.topic(t.slug), _newest(t.articles[:1])) for t in site.topics]
    entries += [(Urls.source(t.slug), _newest(t.articles[:1])) for t in site.sources]
    for year in reversed(site.years):
        newest_months = [(m, max(newest[d.day] for d in m.days)) for m in year.months]
        entries.append((Urls.year(year.year), max(n for _, n in newest_months)))
        entries += [(Urls.month(m.year, m.month), n) for m, n in newest_months]
    entries += [(Urls.day(d.day), newest[d.day]) for d in reversed(site.days)]
    return entries


def _articles_sitemap(name: str, arts: Sequence[Article], urls: Urls) -> Iterator[Job]:
    chunk = [(urls.absolute(Urls.article(a.day, a.slug)), _day(a.updated or a.date)) for a in arts]
    yield Job(name, None, fingerprint(repr(chunk)), partial(_urlset, chunk))


def sitemap_jobs(site: Site, urls: Urls, extra_paths: Sequence[str], plans: Plans | None = None) -> Iterator[Job]:
    """The sitemap index, the listing sitemap and the article sitemaps (each chunk of articles through
    `plans`, under a key of their digests)."""
    plans = plans or Plans("")
    listing = [(urls.absolute(p), m) for p, m in listing_entries(site, extra_paths)]
    yield Job("sitemap-pages.xml", None, fingerprint(repr(listing)), lambda: _urlset(listing))
    oldest_first = site.articles[::-1]
    names = ["sitemap-pages.xml"]
    for n, start in enumerate(range(0, len(oldest_first), CHUNK), 1):
        arts = oldest_first[start:start + CHUNK]
        name = f"sitemap-articles-{n}.xml"
        names.append(name)
        yield from plans.group(f"sitemap\x1f{name}\x1f{' '.join([a.digest for a in arts])}",
                               partial(_articles_sitemap, name, arts, urls))
    locs = [urls.absolute(name) for name in names]
    yield Job("sitemap.xml", None, fingerprint(repr(locs)), lambda: _index(locs))
