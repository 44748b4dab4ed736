"""sitemap.xml: `Site` -> jobs for a sitemap index, one sitemap of listing pages and article sitemaps.

Articles are listed oldest first in a sitemap per month (`sitemap-articles-2025-07.xml`; a month of more
than 50,000 articles, the protocol's limit, is split into numbered parts), so a new, edited or backdated
article changes only its month's sitemap and the small listing sitemap: a rebuild never rewrites the
others. Built with ElementTree (the XML library escapes; no markup is assembled from strings).
"""

from __future__ import annotations

import datetime as dt
import operator
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from functools import partial

from .group import Site
from .jobs import Job, fingerprint
from .model import Article
from .plans import Plans
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
    """The day of the latest date (or update, where an article has one) of `arts`."""
    if not arts:
        return ""
    if not any(map(_UPDATED, arts)):   # the usual case, in C-level passes (all 100,000 articles, twice)
        return _day(max(map(_DATE, arts)))
    return _day(max(a.updated or a.date for a in arts))


_DATE, _UPDATED = operator.attrgetter("date"), operator.attrgetter("updated")


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


def article_chunks(site: Site) -> list[tuple[str, tuple[Article, ...]]]:
    """(file name, articles oldest first) of each article sitemap: one per month, months oldest first."""
    months: dict[tuple[int, int], list[Article]] = {}
    for art in reversed(site.articles):
        months.setdefault((art.day.year, art.day.month), []).append(art)
    out = []
    for (year, month), arts in months.items():
        parts = range(0, len(arts), CHUNK)
        for n, start in enumerate(parts, 1):
            suffix = f"-{n}" if len(parts) > 1 else ""
            out.append((f"sitemap-articles-{year:04d}-{month:02d}{suffix}.xml", tuple(arts[start:start + CHUNK])))
    return out


def sitemap_jobs(site: Site, urls: Urls, extra_paths: Sequence[str], plans: Plans | None = None) -> Iterator[Job]:
    """The sitemap index, the listing sitemap and the article sitemaps (each through `plans`, under a key of
    its articles' digests)."""
    plans = plans or Plans("")
    listing = [(urls.absolute(p), m) for p, m in listing_entries(site, extra_paths)]
    yield Job("sitemap-pages.xml", None, fingerprint(repr(listing)), lambda: _urlset(listing))
    names = ["sitemap-pages.xml"]
    for name, arts in article_chunks(site):
        names.append(name)
        yield from plans.group(f"sitemap\x1f{name}\x1f{' '.join([a.digest for a in arts])}",
                               partial(_articles_sitemap, name, arts, urls))
    locs = [urls.absolute(name) for name in names]
    yield Job("sitemap.xml", None, fingerprint(repr(locs)), lambda: _index(locs))
