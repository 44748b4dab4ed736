"""Listing pages of terms (topics, sources, people, places, organisations): `Site` -> `Job`s, each term's
index page and stable archive pages remembered through `plans.Plans`, and the pages that list the terms.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial

from .delta import ENTITY_KINDS, SortKey, TermId
from .group import Site, Term, archive_page, pages_of
from .jobs import Job, fingerprint
from .model import SORT_KEY, Article
from .pages import page_job
from .plans import Plans
from .render import PageInfo, Renderer
from .report import counted
from .urls import Urls


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


def _listing(r: Renderer, path: str, page: PageInfo, digests: str, **ctx: object) -> Job:
    """A term listing page: its articles count by `digests` (joined once per term, not walked per page)."""
    shown = {k: v for k, v in ctx.items() if k != "articles"}
    return Job(Urls.file(path), "term.html", fingerprint(page, shown, digests),
               lambda: r.render("term.html", page, **ctx))


def _term_pages(kind: str, terms: Sequence[Term], r: Renderer, base_of: Callable[[str], str],
                name_of: Callable[[Term], str], plans: Plans,
                touched: dict[TermId, list[SortKey]] | None) -> Iterator[Job]:
    """Each term's index page (its newest articles) and stable archive pages, through `plans`.

    When `touched` is known (delta.places: the terms whose articles came or went since the last build, and
    where in their listing), a term not in it is recalled whole by name, and a term in it is planned page
    by page: the archive pages holding only articles older than every change are recalled by name too, the
    others under a key of what they show (a page whose key is unchanged is not made again). Otherwise each
    term goes under a key of all its articles, and a changed one is planned page by page the same way."""
    size = r.cfg.page_size
    for term in terms:
        base, name = base_of(term.slug), name_of(term)
        ident = (kind, term.slug, name)   # a term's pages show its name: another name, another group
        total = len(term.articles)
        count = plans.counted(ident, total)
        if touched is not None:
            where = touched.get((kind, term.slug))
            if where is None:
                recalled = plans.recall(ident, partial(_one_term, kind, term, r, base, name, plans))
                if recalled is not None:
                    yield from recalled
                    continue
            places = [_older(term.articles, at) for at in where] if where else [0]
            settled = min(places)
            # As many articles as last time, and one at every place a change came or went: each was edited
            # where it stands, and only the pages holding one show anything new (see _one_term).
            edited = (frozenset(n // size + 1 for n in places)
                      if count == total and where and all(_listed(term.articles, n, at) for n, at in zip(places, where))
                      else None)
            yield from plans.planned(ident, partial(_one_term, kind, term, r, base, name, plans,
                                                    plans.inner(ident), settled, edited))
            continue
        digests = " ".join([a.digest for a in term.articles])
        yield from plans.group(f"{kind}\x1f{term.slug}\x1f{base}\x1f{name}\x1f{size}\x1f{digests}",
                               partial(_one_term, kind, term, r, base, name, plans), ident=ident)


def _older(articles: Sequence[Article], at: SortKey) -> int:
    """How many of `articles` (newest first) come before `at` in time."""
    total = len(articles)
    return bisect.bisect_left(range(total), True, key=lambda i: SORT_KEY(articles[total - 1 - i]) >= at)


def _listed(articles: Sequence[Article], older: int, at: SortKey) -> bool:
    """Whether an article of `articles` (newest first) stands at `at`, `older` being how many come before it."""
    return older < len(articles) and SORT_KEY(articles[len(articles) - 1 - older]) == at


def _one_term(kind: str, term: Term, r: Renderer, base: str, name: str, plans: Plans,
              last_pages: tuple[str, ...] = (), settled: int = 0,
              edited: frozenset[int] | None = None) -> Iterator[Job]:
    """A term's pages, each through `plans` under its own key: a new article in a large term re-plans the
    index and the pages it lands on, not the hundreds of archive pages before them. `last_pages` are the
    groups of its pages in the last build (index first), of which those of archive pages holding only
    articles among the `settled` oldest (as they were) are taken as they are, without a key; and, when
    every change was an article edited in place (`edited`: the archive pages holding one), so are those of
    all the other archive pages."""
    size, total = r.cfg.page_size, len(term.articles)
    pages = pages_of(total, size) if total > size else 0   # archive pages, oldest first (group.paginate)
    if edited is not None and len(last_pages) != pages + 1:
        edited = None   # not the pages of last time after all: key every page
    head = f"{kind}\x1f{term.slug}\x1f{base}\x1f{name}\x1f"
    digests = " ".join([a.digest for a in term.articles[:size]])
    yield from plans.group(f"{head}index\x1f{total}\x1f{digests}",
                           partial(_index_page, kind, term, r, base, name, bool(pages), digests))
    for n in range(1, pages + 1):
        chunk = archive_page(term.articles, size, n)
        last = n == pages
        plan = partial(_archive_page, kind, term, r, base, name, n, chunk, last)
        # The last build's page n showed the same articles when they are all settled, and was not its last
        # page (its own key holds whether it was) when it had more pages than n.
        if ((n * size <= settled and n < pages and n + 1 < len(last_pages))
                or (edited is not None and n not in edited)):
            again = plans.reuse(last_pages[n], plan)
            if again is not None:
                yield from again
                continue
        yield from plans.group(f"{head}{n}\x1f{last}\x1f{' '.join([a.digest for a in chunk])}", plan)


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
                  last: bool) -> Iterator[Job]:
    path = Urls.paged(base, n)
    first = (n - 1) * r.cfg.page_size + 1
    newer = base if last else Urls.paged(base, n + 1)
    pager = Pager(base, n, first, first + len(chunk) - 1, newer, Urls.paged(base, n - 1) if n > 1 else None)
    page = PageInfo(kind, path, f"{name}: archive page {n}", f"{name}: articles {first} to {pager.last}",
                    r.alternates(kind, term.slug, name), noindex=False)
    yield _listing(r, path, page, " ".join([a.digest for a in chunk]), slug=term.slug, name=name, count=None,
                   articles=chunk, pager=pager)


ENTITY_PAGES = {family: (kind, label) for (family, kind), label
                in zip(ENTITY_KINDS.items(), ("People", "Places", "Organisations"))}   # family -> (kind, label)


def terms(site: Site, r: Renderer, plans: Plans, touched: dict[TermId, list[SortKey]] | None = None
          ) -> Iterator[Job]:
    """Topic, source and name pages (each term's through `plans`), and their index pages. `touched`: the
    terms whose articles may have changed since the last build, with where (delta.places; None: any)."""
    topic_name = lambda t: r.topic_name(t.slug)
    yield from _term_pages("topic", site.topics, r, Urls.topic, topic_name, plans, touched)
    yield from _term_pages("source", site.sources, r, Urls.source, lambda t: t.name, plans, touched)
    for family, (kind, label) in ENTITY_PAGES.items():
        terms_ = site.entities.get(family, ())
        yield from _term_pages(kind, terms_, r, partial(Urls.entity, family), lambda t: t.name, plans, touched)
        if terms_:
            page = PageInfo("entities", f"{family}/", label, f"{label} named in at least "
                            f"{r.cfg.entity_min_articles} articles", r.alternates("home"))
            counts = tuple((t.slug, t.name, len(t.articles)) for t in terms_)
            yield page_job(r, f"{family}/", "entities.html", page, family=family, label=label, terms=counts)
    page = PageInfo("topics", "topics/", "Topics", "Every topic with its latest articles",
                    r.alternates("home"))
    yield page_job(r, "topics/", "topics.html", page, terms=site.topics)
    page = PageInfo("sources", "sources/", "Sources", "Every outlet the digest carries", r.alternates("home"))
    yield page_job(r, "sources/", "sources.html", page, terms=site.sources)
