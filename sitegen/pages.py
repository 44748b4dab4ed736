"""Which HTML pages the site has: `Site` -> stream of `OutputFile` (home, editions, archives, articles, terms).

Pages are produced lazily, one at a time, so a large site never holds its rendered output in memory.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

from . import charts
from .feeds import alternates
from .group import Site, Term, paginate
from .model import Article
from .render import PageInfo, Renderer, long_date, month_name
from .urls import Urls
from .write import OutputFile

BodyFor = Callable[[Article], str]


@dataclass(frozen=True)
class Pager:
    """Position in a paginated listing."""

    page: int
    pages: int
    base: str

    @property
    def prev(self) -> str | None:
        return Urls.paged(self.base, self.page - 1) if self.page > 1 else None

    @property
    def next(self) -> str | None:
        return Urls.paged(self.base, self.page + 1) if self.page < self.pages else None

    def path(self, n: int) -> str:
        return Urls.paged(self.base, n)


def _out(r: Renderer, path: str, template: str, page: PageInfo, **ctx: object) -> OutputFile:
    return OutputFile(Urls.file(path), r.render(template, page, **ctx))


def home(site: Site, r: Renderer) -> Iterator[OutputFile]:
    days = site.days[: r.cfg.home_editions]
    page = PageInfo("home", "", r.cfg.title, r.cfg.description, alternates(r.cfg, "home"))
    yield _out(r, "", "home.html", page, days=days, more=len(site.days) > len(days))


def editions(site: Site, r: Renderer) -> Iterator[OutputFile]:
    for i, day in enumerate(site.days):
        newer = site.days[i - 1] if i else None
        older = site.days[i + 1] if i + 1 < len(site.days) else None
        path = Urls.day(day.day)
        page = PageInfo("day", path, f"{long_date(day.day)}", f"{len(day.articles)} articles on "
                        f"{long_date(day.day)}", alternates(r.cfg, "day"))
        yield _out(r, path, "day.html", page, day=day, older=older, newer=newer)


def archives(site: Site, r: Renderer) -> Iterator[OutputFile]:
    months = list(site.months())
    for i, month in enumerate(months):
        path = Urls.month(month.year, month.month)
        title = f"{month_name(month.month)} {month.year}"
        page = PageInfo("month", path, title, f"{month.count} articles in {title}", alternates(r.cfg, "day"))
        yield _out(r, path, "month.html", page, month=month, cells=charts.month_cells(month),
                   newer=months[i - 1] if i else None, older=months[i + 1] if i + 1 < len(months) else None)
    for i, year in enumerate(site.years):
        path = Urls.year(year.year)
        page = PageInfo("year", path, str(year.year), f"{year.count} articles in {year.year}",
                        alternates(r.cfg, "day"))
        yield _out(r, path, "year.html", page, year=year, bars=charts.year_bars(year),
                   newer=site.years[i - 1] if i else None,
                   older=site.years[i + 1] if i + 1 < len(site.years) else None)
    page = PageInfo("archive", "archive/", "Archive", "Every edition by year and month", alternates(r.cfg, "day"))
    yield _out(r, "archive/", "archive.html", page, years=site.years)


def articles(site: Site, r: Renderer, body_for: BodyFor) -> Iterator[OutputFile]:
    for art in site.articles:
        path = r.article_path(art)
        older, newer = site.neighbours.get((art.day, art.slug), (None, None))
        page = PageInfo("article", path, art.title, art.summary,
                        alternates(r.cfg, "article", art.topics[0] if art.topics else None,
                                   r.topic_name(art.topics[0]) if art.topics else None))
        yield _out(r, path, "article.html", page, article=art, body=r.markup(body_for(art)),
                   older=older, newer=newer)


def _term_pages(kind: str, terms: Sequence[Term], r: Renderer, base_of: Callable[[str], str],
                name_of: Callable[[Term], str]) -> Iterator[OutputFile]:
    for term in terms:
        base = base_of(term.slug)
        pages = paginate(term.articles, r.cfg.page_size)
        for n, chunk in enumerate(pages, 1):
            pager = Pager(n, len(pages), base)
            path = pager.path(n)
            title = name_of(term) + (f" (page {n} of {len(pages)})" if n > 1 else "")
            page = PageInfo(kind, path, title, f"{len(term.articles)} articles: {name_of(term)}",
                            alternates(r.cfg, kind, term.slug, name_of(term)))
            yield _out(r, path, "term.html", page, term=term, name=name_of(term), articles=chunk, pager=pager)


def terms(site: Site, r: Renderer) -> Iterator[OutputFile]:
    topic_name = lambda t: r.topic_name(t.slug)  # noqa: E731
    yield from _term_pages("topic", site.topics, r, Urls.topic, topic_name)
    yield from _term_pages("source", site.sources, r, Urls.source, lambda t: t.name)
    page = PageInfo("topics", "topics/", "Topics", "Every topic with its latest articles",
                    alternates(r.cfg, "home"))
    yield _out(r, "topics/", "topics.html", page, terms=site.topics)
    page = PageInfo("sources", "sources/", "Sources", "Every outlet the digest carries", alternates(r.cfg, "home"))
    yield _out(r, "sources/", "sources.html", page, terms=site.sources)


def extras(site: Site, r: Renderer, paths: Sequence[tuple[str, str]]) -> Iterator[OutputFile]:
    """404 page, robots.txt and the sitemap(s) over `paths` ((site path, ISO lastmod))."""
    yield _out(r, "404.html", "404.html", PageInfo("404", "404.html", "Page not found", noindex=True))
    chunk = 50_000  # the sitemap protocol's limit per file
    parts = [paths[i:i + chunk] for i in range(0, len(paths), chunk)] or [[]]
    info = PageInfo("sitemap", "sitemap.xml", "Sitemap")
    if len(parts) == 1:
        yield OutputFile("sitemap.xml", r.render("sitemap.xml", info, entries=parts[0]))
    else:
        names = [f"sitemap-{i}.xml" for i in range(1, len(parts) + 1)]
        for name, part in zip(names, parts):
            yield OutputFile(name, r.render("sitemap.xml", info, entries=part))
        yield OutputFile("sitemap.xml", r.render("sitemap-index.xml", info, sitemaps=names))
    yield OutputFile("robots.txt", r.render("robots.txt", PageInfo("robots", "robots.txt", "robots")))


def page_count(n: int, size: int) -> int:
    """How many pages a listing of `n` items has."""
    return max(1, math.ceil(n / size))


RESERVED = {"topics", "sources", "archive", "feeds", "editions", "static", "page", "people", "places",
            "organisations", "search", "pagefind", "404", "index"}


def standalone(r: Renderer, items: Sequence[tuple[str, str, str]]) -> Iterator[OutputFile]:
    """Pages from content/pages/ ((slug, title, body HTML)), e.g. /about/."""
    for slug, title, html in items:
        path = f"{slug}/"
        yield _out(r, path, "page.html", PageInfo("page", path, title, alternates(r.cfg, "home")),
                   body=r.markup(html))


def sitemap_entries(site: Site, extra_paths: Sequence[str]) -> list[tuple[str, str]]:
    """(site path, lastmod date) of every page worth listing in sitemap.xml, in a fixed order."""
    def newest(arts: Sequence[Article]) -> str:
        return max((a.updated or a.date for a in arts)).date().isoformat() if arts else ""

    entries = [("", newest(site.articles)), ("archive/", newest(site.articles)),
               ("topics/", newest(site.articles)), ("sources/", newest(site.articles))]
    entries += [(Urls.day(d.day), newest(d.articles)) for d in site.days]
    for year in site.years:
        entries.append((Urls.year(year.year), newest([a for m in year.months for d in m.days for a in d.articles])))
        entries += [(Urls.month(m.year, m.month), newest([a for d in m.days for a in d.articles]))
                    for m in year.months]
    entries += [(Urls.topic(t.slug), newest(t.articles)) for t in site.topics]
    entries += [(Urls.source(t.slug), newest(t.articles)) for t in site.sources]
    entries += [(p, "") for p in extra_paths]
    entries += [(Urls.article(a.day, a.slug), (a.updated or a.date).date().isoformat()) for a in site.articles]
    return entries
