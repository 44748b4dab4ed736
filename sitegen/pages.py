"""Which HTML pages the site has: `Site` -> `Job`s (home, editions, archives, articles, threads, extras;
listing pages of topics, sources and names are listings.py's).

A job carries a fingerprint of exactly the data its page shows (neighbouring days, months and years are
passed as light references, not whole groups) and renders only when asked, so a large site never holds its
rendered output in memory and an incremental build re-renders only pages whose data changed.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, cast

from . import charts
from .group import Day, Month, Site, Year
from .jobs import Entry, Job, digest, fingerprint, register_plain
from .model import DIGEST, KEY, Article
from .plans import Plans
from .render import PageInfo, Renderer, long_date, month_name
from .report import counted
from .urls import Urls

if TYPE_CHECKING:
    from .delta import Since

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


def page_job(r: Renderer, path: str, template: str, page: PageInfo, **ctx: object) -> Job:
    """`template` rendered with `page` and `ctx` when asked, fingerprinted by exactly that data."""
    return Job(Urls.file(path), template, fingerprint(page, ctx), lambda: r.render(template, page, **ctx))


def home(site: Site, r: Renderer) -> Iterator[Job]:
    days = site.days[: r.cfg.home_editions]
    page = PageInfo("home", "", r.cfg.title, r.cfg.description, r.alternates("home"))
    yield page_job(r, "", "home.html", page, days=days, more=len(site.days) > len(days))


def day_prints(site: Site) -> dict[dt.date, str]:
    """What each daily edition shows, by digest: its articles, and each one's other copies (the sections
    follow from the articles, the topics and the taxonomy). Editions, months, years and the archive are
    keyed by these."""
    out = {}
    for day in site.days:
        copies = [" ".join([a.digest for a in c]) if c else "" for s in day.sections for c in s.also]
        out[day.day] = f"{day.day}:" + " ".join([a.digest for a in day.articles]) + "/" + "|".join(copies)
    return out


def editions(site: Site, r: Renderer, plans: Plans, printed: dict[dt.date, str]) -> Iterator[Job]:
    """A page per day, each through `plans` under a key of what it shows (`printed`: day_prints) and the days
    before and after it."""
    days = site.days
    for i, day in enumerate(days):
        newer = days[i - 1].day if i else None
        older = days[i + 1].day if i + 1 < len(days) else None
        yield from plans.group(f"day\x1f{older}\x1f{newer}\x1f{printed[day.day]}",
                               partial(_edition, r, day, older, newer))


def _edition(r: Renderer, day: Day, older: dt.date | None, newer: dt.date | None) -> Iterator[Job]:
    path = Urls.day(day.day)
    page = PageInfo("day", path, f"{long_date(day.day)}", f"{counted(len(day.articles), 'article')} on "
                    f"{long_date(day.day)}", r.alternates("day"))
    yield page_job(r, path, "day.html", page, day=day, older=DayRef(older) if older else None,
               newer=DayRef(newer) if newer else None)


def archives(site: Site, r: Renderer, plans: Plans, printed: dict[dt.date, str]) -> Iterator[Job]:
    """Month and year pages and the archive page, each through `plans` under a key of every day it is made
    from (`printed`: day_prints; a month page's template is handed the whole month), so a rebuild plans only
    those of the days that changed."""

    def key(*parts: object, days: Iterable[Day]) -> str:
        return "\x1f".join(map(str, parts)) + "\x1f" + "\x1e".join([printed[d.day] for d in days])

    months = list(site.months())
    for i, month in enumerate(months):
        newer, older = (_month(months[i - 1]) if i else None), (_month(months[i + 1]) if i + 1 < len(months) else None)
        shown = key("month", month.year, month.month, newer, older, days=month.days)
        yield from plans.group(shown, partial(_month_page, r, shown, month, newer, older))
    years = site.years
    for i, year in enumerate(years):
        after, before = (_year(years[i - 1]) if i else None), (_year(years[i + 1]) if i + 1 < len(years) else None)
        shown = key("year", year.year, after, before, days=(d for m in year.months for d in m.days))
        yield from plans.group(shown, partial(_year_page, r, shown, year, after, before))
    shown = key("archive", days=reversed(site.days))
    yield from plans.group(shown, partial(_archive_page, r, shown, years))


def _keyed_job(r: Renderer, path: str, template: str, page: PageInfo, shown: str, **ctx: object) -> Job:
    """`template` rendered with `page` and `ctx` when asked, fingerprinted by the page and `shown`, a key
    of all `ctx` holds (its group's: walking a year's or the whole archive's articles again costs more)."""
    return Job(Urls.file(path), template, fingerprint(page, digest(shown)), lambda: r.render(template, page, **ctx))


def _month_page(r: Renderer, shown: str, month: Month, newer: MonthRef | None, older: MonthRef | None
                ) -> Iterator[Job]:
    path = Urls.month(month.year, month.month)
    title = f"{month_name(month.month)} {month.year}"
    page = PageInfo("month", path, title, f"{counted(month.count, 'article')} in {title}", r.alternates("day"))
    yield _keyed_job(r, path, "month.html", page, shown, month=month, cells=charts.month_cells(month),
                     newer=newer, older=older)


def _year_page(r: Renderer, shown: str, year: Year, newer: YearRef | None, older: YearRef | None
               ) -> Iterator[Job]:
    path = Urls.year(year.year)
    page = PageInfo("year", path, str(year.year), f"{counted(year.count, 'article')} in {year.year}",
                    r.alternates("day"))
    yield _keyed_job(r, path, "year.html", page, shown, year=year, bars=charts.year_bars(year), newer=newer,
                     older=older)


def _archive_page(r: Renderer, shown: str, years: tuple[Year, ...]) -> Iterator[Job]:
    page = PageInfo("archive", "archive/", "Archive", "Every edition by year and month", r.alternates("day"))
    yield _keyed_job(r, "archive/", "archive.html", page, shown, years=years)


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
                 body_for: BodyFor, fp: str | None = None) -> Job:
    path = r.article_path(art)

    def make() -> bytes:
        topic = art.topics[0] if art.topics else None
        page = PageInfo("article", path, art.title, art.summary,
                        r.alternates("article", topic, r.topic_name(topic) if topic else None))
        return r.render("article.html", page, article=art, body=r.markup(body_for(art)), older=older, newer=newer,
                        more=links(site, art))

    return Job(Urls.file(path), "article.html", fp or _article_print(site, art, older, newer), make)


def _article_print(site: Site, art: Article, older: Article | None, newer: Article | None) -> str:
    # Everything the page shows derives from these articles (whose digests cover the files' bytes, so the body
    # and the names too), the story, related reading and thread, which names have pages (a name's page path
    # follows from the name) and the settings and taxonomy (part of every key's salt): a cheap, complete
    # fingerprint, made without the page's links (worked out only if the page is made). delta.restless
    # names the articles whose fingerprint may have changed since the last build: keep the two in step.
    key = (art.day, art.slug)
    story, thread = site.stories.story.get(key), site.stories.thread.get(key)
    paged = site.paged
    fp = (f"article|{art.digest}|{older.digest if older else '-'}|{newer.digest if newer else '-'}|"
          f"{','.join([a.digest for a in story.copies]) if story else ''}|"
          f"{','.join([a.digest for a in site.stories.related.get(key, ())])}|"
          f"{thread.id + '|' + str(len(thread.articles)) if thread else '-'}|"
          f"{''.join(['1' if e in paged else '0' for e in art.entities])}")
    return digest(fp)


def articles(site: Site, r: Renderer, body_for: BodyFor, plans: Plans | None = None,
             since: Since | None = None) -> Iterator[Job]:
    """A page per article. Only the articles `since` names as restless (see delta.py; all when unknown)
    have their page's fingerprint worked out again; the others keep the one of the last build, and when
    `plans` carries, their job is not even made (its entry goes to `plans.carried`). Each page's entry is
    recorded in `since.now.pages`, by article digest, for the next build."""
    restless = since.articles if since is not None else None
    last = since.last.pages if since is not None and since.last is not None else {}
    printed = since.now.pages if since is not None else {}
    carried = plans.carried if plans is not None and plans.carry and restless is not None else None
    if carried is not None and restless is not None:
        yield from _carrying(site, r, body_for, restless, last, printed, carried)
        return
    for art in site.articles:
        key = (art.day, art.slug)
        entry = None if restless is None or key in restless else last.get(art.digest)
        if entry is not None and carried is not None:
            carried.append(entry)
            printed[art.digest] = entry
            continue
        older, newer = site.neighbours(art)
        job = _article_job(r, site, art, older, newer, body_for, entry[2] if entry else None)
        printed[art.digest] = entry or (job.path, job.template, job.fingerprint)
        yield job


def _carrying(site: Site, r: Renderer, body_for: BodyFor, restless: set[tuple[dt.date, str]],
              last: dict[str, Entry], printed: dict[str, Entry], carried: list[Entry]) -> Iterator[Job]:
    """`articles` when carrying: what the loop there does, in C-level passes over the articles but for the
    few restless or new ones (a rebuild of 100,000 articles carries all but a few dozen pages)."""
    arts = site.articles
    digests = list(map(DIGEST, arts))
    entries = cast("list[Entry]", list(map(last.get, digests)))   # None for a new one: it is fresh
    fresh = list(map(operator.or_, map(restless.__contains__, map(KEY, arts)), map(operator.not_, entries)))
    printed.update(zip(digests, entries))   # every article in order; the fresh ones' entries are set below
    carried += itertools.compress(entries, map(operator.not_, fresh))
    for art in itertools.compress(arts, fresh):
        older, newer = site.neighbours(art)
        job = _article_job(r, site, art, older, newer, body_for, None)
        printed[art.digest] = (job.path, job.template, job.fingerprint)
        yield job



def threads(site: Site, r: Renderer) -> Iterator[Job]:
    """A timeline page per developing story."""
    for thread in site.stories.threads:
        path = Urls.thread(thread.id)
        page = PageInfo("thread", path, f"Timeline: {thread.title}",
                        f"{len(thread.articles)} articles following one story", r.alternates("home"))
        yield page_job(r, path, "thread.html", page, thread=thread)


def extras(r: Renderer) -> Iterator[Job]:
    """The 404 page and robots.txt."""
    yield page_job(r, "404.html", "404.html", PageInfo("404", "404.html", "Page not found", noindex=True))
    yield page_job(r, "robots.txt", "robots.txt", PageInfo("robots", "robots.txt", "robots"))


RESERVED = {"topics", "sources", "archive", "feeds", "editions", "static", "page", "people", "places",
            "organisations", "search", "pagefind", "404", "index"}


def standalone(r: Renderer, items: Sequence[tuple[str, str, str]]) -> Iterator[Job]:
    """Pages from content/pages/ ((slug, title, body HTML)), e.g. /about/."""
    for slug, title, html in items:
        path = f"{slug}/"
        yield page_job(r, path, "page.html", PageInfo("page", path, title, feeds=r.alternates("home")),
                   body=r.markup(html))
