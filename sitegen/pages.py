"""Which HTML pages the site has: `Site` -> `Job`s (home, editions, archives, articles, terms, extras).

A job carries a fingerprint of exactly the data its page shows (neighbouring days, months and years are
passed as light references, not whole groups) and renders only when asked, so a large site never holds its
rendered output in memory and an incremental build re-renders only pages whose data changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial

from . import charts
from .group import Day, Month, Site, Term, Year, paginate
from .jobs import Job, Plans, digest, fingerprint, register_plain
from .model import Article
from .render import PageInfo, Renderer, long_date, month_name
from .report import counted
from .urls import Urls

BodyFor = Callable[[Article], str]


@dataclass(frozen=True)
class DayRef:
    day: dt.date


@dataclass(frozen=True)
class MonthRef:
    year: int
    month: int


@dataclass(frozen=True)
class YearRef:
    year: int


register_plain(PageInfo)


def _month(m: Month | None) -> MonthRef | None:
    return MonthRef(m.year, m.month) if m else None


def _year(y: Year | None) -> YearRef | None:
    return YearRef(y.year) if y else None


@dataclass(frozen=True)
class Pager:
    """Where a listing page sits: the index (`page` None, newest articles) or stable archive page `page`
    (counted from the oldest; see group.paginate). Holds nothing that changes when newer pages appear,
    except on the index and the newest archive page."""

    base: str
    page: int | None        # None for the index page
    first: int              # 1-based position of the page's oldest article, counting from the oldest
    last: int               # ... and of its newest
    newer: str | None       # site path of the page with newer articles
    older: str | None       # site path of the page with older articles


def _out(r: Renderer, path: str, template: str, page: PageInfo, **ctx: object) -> Job:
    return Job(Urls.file(path), template, fingerprint(page, ctx), lambda: r.render(template, page, **ctx))


def _listing(r: Renderer, path: str, page: PageInfo, digests: str, **ctx: object) -> Job:
    """A term listing page: its articles count by `digests` (joined once per term, not walked per page)."""
    shown = {k: v for k, v in ctx.items() if k != "articles"}
    return Job(Urls.file(path), "term.html", fingerprint(page, shown, digests),
               lambda: r.render("term.html", page, **ctx))


def home(site: Site, r: Renderer) -> Iterator[Job]:
    days = site.days[: r.cfg.home_editions]
    page = PageInfo("home", "", r.cfg.title, r.cfg.description, r.alternates("home"))
    yield _out(r, "", "home.html", page, days=days, more=len(site.days) > len(days))


def editions(site: Site, r: Renderer, plans: Plans) -> Iterator[Job]:
    """A page per day, each through `plans` under a key of what it shows: its articles and their other
    copies (by digest) and the days before and after it (the sections follow from the articles)."""
    days = site.days
    for i, day in enumerate(days):
        newer = days[i - 1].day if i else None
        older = days[i + 1].day if i + 1 < len(days) else None
        also = [a.digest for s in day.sections for copies in s.also for a in copies]
        digests = " ".join([a.digest for a in day.articles])
        yield from plans.group(f"day\x1f{day.day}\x1f{older}\x1f{newer}\x1f{digests}\x1f{' '.join(also)}",
                               partial(_edition, r, day, older, newer))


def _edition(r: Renderer, day: Day, older: dt.date | None, newer: dt.date | None) -> Iterator[Job]:
    path = Urls.day(day.day)
    page = PageInfo("day", path, f"{long_date(day.day)}", f"{counted(len(day.articles), 'article')} on "
                    f"{long_date(day.day)}", r.alternates("day"))
    yield _out(r, path, "day.html", page, day=day, older=DayRef(older) if older else None,
               newer=DayRef(newer) if newer else None)


def archives(site: Site, r: Renderer) -> Iterator[Job]:
    months = list(site.months())
    for i, month in enumerate(months):
        path = Urls.month(month.year, month.month)
        title = f"{month_name(month.month)} {month.year}"
        page = PageInfo("month", path, title, f"{counted(month.count, 'article')} in {title}", r.alternates("day"))
        yield _out(r, path, "month.html", page, month=month, cells=charts.month_cells(month),
                   newer=_month(months[i - 1]) if i else None,
                   older=_month(months[i + 1]) if i + 1 < len(months) else None)
    for i, year in enumerate(site.years):
        path = Urls.year(year.year)
        page = PageInfo("year", path, str(year.year), f"{counted(year.count, 'article')} in {year.year}",
                        r.alternates("day"))
        yield _out(r, path, "year.html", page, year=year, bars=charts.year_bars(year),
                   newer=_year(site.years[i - 1]) if i else None,
                   older=_year(site.years[i + 1]) if i + 1 < len(site.years) else None)
    page = PageInfo("archive", "archive/", "Archive", "Every edition by year and month", r.alternates("day"))
    yield _out(r, "archive/", "archive.html", page, years=site.years)


@dataclass(frozen=True)
class Links:
    """What an article page shows beyond the article: its story's other copies, related reading, its thread
    and its names, each name with its page if it has one. Worked out only when the page is made; the page's
    fingerprint covers the same things more cheaply (see `_article_job`)."""

    also: tuple[Article, ...] = ()
    related: tuple[Article, ...] = ()
    thread: tuple[str, int] | None = None                 # (site path of the timeline, number of articles)
    names: tuple[tuple[str, str, str | None], ...] = ()   # (kind, name, site path or None)


def links(site: Site, art: Article) -> Links:
    key = (art.day, art.slug)
    story = site.stories.story.get(key)
    thread = site.stories.thread.get(key)
    return Links(also=tuple(a for a in story.copies if a is not art) if story else (),
                 related=site.stories.related.get(key, ()),
                 thread=(Urls.thread(thread.id), len(thread.articles)) if thread else None,
                 names=tuple((kind, name, site.entity_path(kind, name)) for kind, name in art.entities))


def _article_job(r: Renderer, site: Site, art: Article, older: Article | None, newer: Article | None,
                 body_for: BodyFor) -> Job:
    path = r.article_path(art)

    def make() -> bytes:
        topic = art.topics[0] if art.topics else None
        page = PageInfo("article", path, art.title, art.summary,
                        r.alternates("article", topic, r.topic_name(topic) if topic else None))
        return r.render("article.html", page, article=art, body=r.markup(body_for(art)), older=older, newer=newer,
                        more=links(site, art))

    # Everything the page shows derives from these articles (whose digests cover the files' bytes, so the body
    # and the names too), the story, related reading and thread, which names have pages (a name's page path
    # follows from the name) and the settings and taxonomy (part of every key's salt): a cheap, complete
    # fingerprint, made without the page's links (worked out only if the page is made).
    key = (art.day, art.slug)
    story, thread = site.stories.story.get(key), site.stories.thread.get(key)
    paged = site.paged
    fp = (f"article|{art.digest}|{older.digest if older else '-'}|{newer.digest if newer else '-'}|"
          f"{','.join([a.digest for a in story.copies]) if story else ''}|"
          f"{','.join([a.digest for a in site.stories.related.get(key, ())])}|"
          f"{thread.id + '|' + str(len(thread.articles)) if thread else '-'}|"
          f"{''.join(['1' if e in paged else '0' for e in art.entities])}")
    return Job(Urls.file(path), "article.html", digest(fp), make)


def articles(site: Site, r: Renderer, body_for: BodyFor) -> Iterator[Job]:
    for art in site.articles:
        older, newer = site.neighbours.get((art.day, art.slug), (None, None))
        yield _article_job(r, site, art, older, newer, body_for)


def threads(site: Site, r: Renderer) -> Iterator[Job]:
    """A timeline page per developing story."""
    for thread in site.stories.threads:
        path = Urls.thread(thread.id)
        page = PageInfo("thread", path, f"Timeline: {thread.title}",
                        f"{len(thread.articles)} articles following one story", r.alternates("home"))
        yield _out(r, path, "thread.html", page, thread=thread)


def _term_pages(kind: str, terms: Sequence[Term], r: Renderer, base_of: Callable[[str], str],
                name_of: Callable[[Term], str], plans: Plans) -> Iterator[Job]:
    """Each term's index page (its newest articles) and stable archive pages, through `plans` under a key of
    everything they show besides the build's settings: a term whose articles are unchanged is not planned
    again (a new article re-plans the pages of its terms, and only pages whose own key changed are made)."""
    size = r.cfg.page_size
    for term in terms:
        base, name = base_of(term.slug), name_of(term)
        digests = " ".join([a.digest for a in term.articles])
        yield from plans.group(f"{kind}\x1f{term.slug}\x1f{base}\x1f{name}\x1f{size}\x1f{digests}",
                               partial(_one_term, kind, term, r, base, name, plans))


def _one_term(kind: str, term: Term, r: Renderer, base: str, name: str, plans: Plans) -> Iterator[Job]:
    """A term's pages, each through `plans` under its own key: a new article in a large term re-plans the
    index and the pages it lands on, not the hundreds of archive pages before them."""
    size, total = r.cfg.page_size, len(term.articles)
    archive = paginate(term.articles, size) if total > size else []
    head = f"{kind}\x1f{term.slug}\x1f{base}\x1f{name}\x1f"
    digests = " ".join([a.digest for a in term.articles[:size]])
    yield from plans.group(f"{head}index\x1f{total}\x1f{digests}",
                           partial(_index_page, kind, term, r, base, name, bool(archive), digests))
    for n, chunk in enumerate(archive, 1):
        last, shown = n == len(archive), " ".join([a.digest for a in chunk])
        yield from plans.group(f"{head}{n}\x1f{last}\x1f{shown}",
                               partial(_archive_page, kind, term, r, base, name, n, chunk, last, shown))


def _index_page(kind: str, term: Term, r: Renderer, base: str, name: str, archived: bool,
                digests: str) -> Iterator[Job]:
    size, total = r.cfg.page_size, len(term.articles)
    # The index shows the newest `size`; "older" opens the archive page holding the next older article.
    older = Urls.paged(base, (total - size - 1) // size + 1) if archived else None
    pager = Pager(base, None, max(1, total - size + 1), total, None, older)
    page = PageInfo(kind, base, name, f"{counted(total, 'article')}: {name}", r.alternates(kind, term.slug, name))
    yield _listing(r, base, page, digests, slug=term.slug, name=name, count=total, articles=term.articles[:size],
                   pager=pager)


def _archive_page(kind: str, term: Term, r: Renderer, base: str, name: str, n: int, chunk: tuple[Article, ...],
                  last: bool, digests: str) -> Iterator[Job]:
    path = Urls.paged(base, n)
    first = (n - 1) * r.cfg.page_size + 1
    newer = base if last else Urls.paged(base, n + 1)
    pager = Pager(base, n, first, first + len(chunk) - 1, newer, Urls.paged(base, n - 1) if n > 1 else None)
    page = PageInfo(kind, path, f"{name}: archive page {n}", f"{name}: articles {first} to {pager.last}",
                    r.alternates(kind, term.slug, name), noindex=False)
    yield _listing(r, path, page, digests, slug=term.slug, name=name, count=None, articles=chunk, pager=pager)


ENTITY_PAGES = {"people": ("person", "People"), "places": ("place", "Places"),
                "organisations": ("organisation", "Organisations")}


def terms(site: Site, r: Renderer, plans: Plans) -> Iterator[Job]:
    """Topic, source and name pages (each term's through `plans`), and their index pages."""
    topic_name = lambda t: r.topic_name(t.slug)
    yield from _term_pages("topic", site.topics, r, Urls.topic, topic_name, plans)
    yield from _term_pages("source", site.sources, r, Urls.source, lambda t: t.name, plans)
    for family, (kind, label) in ENTITY_PAGES.items():
        terms_ = site.entities.get(family, ())
        yield from _term_pages(kind, terms_, r, partial(Urls.entity, family), lambda t: t.name, plans)
        if terms_:
            page = PageInfo("entities", f"{family}/", label, f"{label} named in at least "
                            f"{r.cfg.entity_min_articles} articles", r.alternates("home"))
            counts = tuple((t.slug, t.name, len(t.articles)) for t in terms_)
            yield _out(r, f"{family}/", "entities.html", page, family=family, label=label, terms=counts)
    page = PageInfo("topics", "topics/", "Topics", "Every topic with its latest articles",
                    r.alternates("home"))
    yield _out(r, "topics/", "topics.html", page, terms=site.topics)
    page = PageInfo("sources", "sources/", "Sources", "Every outlet the digest carries", r.alternates("home"))
    yield _out(r, "sources/", "sources.html", page, terms=site.sources)


def extras(r: Renderer) -> Iterator[Job]:
    """The 404 page and robots.txt."""
    yield _out(r, "404.html", "404.html", PageInfo("404", "404.html", "Page not found", noindex=True))
    yield _out(r, "robots.txt", "robots.txt", PageInfo("robots", "robots.txt", "robots"))


RESERVED = {"topics", "sources", "archive", "feeds", "editions", "static", "page", "people", "places",
            "organisations", "search", "pagefind", "404", "index"}


def standalone(r: Renderer, items: Sequence[tuple[str, str, str]]) -> Iterator[Job]:
    """Pages from content/pages/ ((slug, title, body HTML)), e.g. /about/."""
    for slug, title, html in items:
        path = f"{slug}/"
        yield _out(r, path, "page.html", PageInfo("page", path, title, feeds=r.alternates("home")),
                   body=r.markup(html))
