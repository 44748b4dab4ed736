"""Pure grouping: [Article] -> `Site` (days, months, years, topics, sources), sorted and deterministic."""

from __future__ import annotations

import bisect
import datetime as dt
import operator
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .jobs import register_groups
from .model import KEY, SORT_KEY, Article
from .slugs import slug_or
from .stories import Stories, find_stories
from .stories import build as build_stories
from .urls import Urls
from .weeks import Memo


@dataclass(frozen=True)
class Section:
    """The articles of one topic inside a day, newest first; `also[i]` are the other copies of article i's
    story (syndicated elsewhere), shown as "also reported by"."""

    topic: str
    articles: tuple[Article, ...]
    also: tuple[tuple[Article, ...], ...] = ()


@dataclass(frozen=True)
class Day:
    """A daily edition."""

    day: dt.date
    articles: tuple[Article, ...]
    sections: tuple[Section, ...]


@dataclass(frozen=True)
class Month:
    year: int
    month: int
    days: tuple[Day, ...]          # oldest first

    @property
    def count(self) -> int:
        return sum(len(d.articles) for d in self.days)


@dataclass(frozen=True)
class Year:
    year: int
    months: tuple[Month, ...]      # oldest first

    @property
    def count(self) -> int:
        return sum(m.count for m in self.months)


@dataclass(frozen=True)
class Term:
    """A topic, source or entity with its articles, newest first."""

    slug: str
    name: str
    articles: tuple[Article, ...]


@dataclass(frozen=True)
class Site:
    """Everything the pages are made from."""

    articles: tuple[Article, ...]                    # newest first
    days: tuple[Day, ...]                            # newest first
    years: tuple[Year, ...]                          # newest first
    topics: tuple[Term, ...]                         # taxonomy order, only topics with articles
    sources: tuple[Term, ...]                        # by name
    entities: dict[str, tuple[Term, ...]] = field(default_factory=dict)   # kind -> terms with a page, by name
    paged: frozenset[tuple[str, str]] = frozenset()   # every (kind, name) of an article that has a page
    stories: Stories = field(default_factory=Stories)                     # copies, threads, related reading
    shown: tuple[Article, ...] = ()                                       # one copy per story, newest first
    chains: dict[str, tuple[Article, ...]] = field(default_factory=dict)  # primary topic -> shown, oldest first

    def entity_path(self, kind: str, name: str) -> str | None:
        """The page of a person, place or organisation, if it has one."""
        paths: dict[tuple[str, str], str | None] | None = self.__dict__.get("_entity_paths")
        if paths is None:   # derived from `entities` once; names repeat across articles, so remember each
            paths = {(k, t.slug): Urls.entity(k, t.slug) for k, terms in self.entities.items() for t in terms}
            object.__setattr__(self, "_entity_paths", paths)
        if (kind, name) not in paths:
            paths[(kind, name)] = paths.get((kind, slug_or(name)))
        return paths[(kind, name)]

    def neighbours(self, art: Article) -> tuple[Article | None, Article | None]:
        """The older and newer article shown in the same primary topic ((None, None) for a hidden copy):
        found in its chain when asked, as a rebuild asks for a few thousand of 100,000."""
        chain = self.chains.get(art.topics[0] if art.topics else "", ())
        at = bisect.bisect_left(chain, SORT_KEY(art), key=SORT_KEY)
        if at == len(chain) or chain[at] is not art:
            return None, None
        return chain[at - 1] if at else None, chain[at + 1] if at + 1 < len(chain) else None

    def months(self) -> Iterable[Month]:
        """Every month with articles, newest first."""
        for year in self.years:
            yield from reversed(year.months)


def newest_first(articles: Iterable[Article]) -> list[Article]:
    """Sort by (date, slug), newest first: the one order every listing and feed uses."""
    return sorted(articles, key=SORT_KEY, reverse=True)


_DAY_ID = operator.attrgetter("day", "id")


def dedupe_slugs(articles: Sequence[Article]) -> tuple[list[Article], list[str]]:
    """Give articles that would share a URL (same day and slug) deterministic `-2`, `-3` suffixes."""
    if len(set(map(KEY, articles))) == len(articles):
        return list(articles), []   # nothing to settle (the usual case): no sort of every article
    seen: set[tuple[dt.date, str]] = set()
    out: list[Article] = []
    warnings: list[str] = []
    # The file named after the slug keeps it, then file path order; never time, so an article keeps its URL
    # (and, without an id, its feed id) when another one with the same slug arrives later.
    def claim(a: Article) -> tuple[dt.date, str, bool, str]:
        return (a.day, a.slug, a.path.rsplit("/", 1)[-1] != f"{a.slug}.md", a.path)

    for art in sorted(articles, key=claim):
        key = (art.day, art.slug)
        if key in seen:
            n = 2
            while (art.day, f"{art.slug}-{n}") in seen:
                n += 1
            warnings.append(f"{art.path}:1: slug {art.slug!r} already used on {art.day}; "
                            f"published as {art.slug}-{n} (set a distinct 'slug:' to choose)")
            art = art.replace(slug=f"{art.slug}-{n}")
            art = art.with_digest() if art.digest else art
            key = (art.day, art.slug)
        seen.add(key)
        out.append(art)
    return out, warnings


def dedupe_ids(articles: Sequence[Article]) -> tuple[list[Article], list[str]]:
    """Two articles of one day with the same id would share a feed id: the later-claimed one (same order as
    slugs) loses its id, so its feed id comes from its slug, with a warning."""
    ids = [pair for pair in map(_DAY_ID, articles) if pair[1] is not None]
    if len(set(ids)) == len(ids):
        return list(articles), []
    seen: dict[tuple[dt.date, str], Article] = {}
    out: list[Article] = []
    warnings: list[str] = []
    for art in sorted(articles, key=lambda a: (a.day, a.id or "", a.path)):
        if art.id is not None and (art.day, art.id) in seen:
            first = seen[(art.day, art.id)]
            warnings.append(f"{art.path}:2: id: {art.id!r} is already used on {art.day} by {first.path}; "
                            "give each article its own id (its feed id now comes from its slug)")
            art = art.replace(id=None)
            art = art.with_digest() if art.digest else art
        elif art.id is not None:
            seen[(art.day, art.id)] = art
        out.append(art)
    return out, warnings


def _sections(articles: Sequence[Article], order: dict[str, int], copies: dict) -> tuple[Section, ...]:
    by_topic: dict[str, list[Article]] = defaultdict(list)
    for art in articles:
        by_topic[art.topics[0] if art.topics else "uncategorised"].append(art)
    ranked = sorted(by_topic, key=lambda t: (-len(by_topic[t]), order.get(t, len(order)), t))
    return tuple(Section(t, tuple(by_topic[t]), tuple(_also(a, copies) for a in by_topic[t])) for t in ranked)


def _also(art: Article, copies: dict) -> tuple[Article, ...]:
    story = copies.get((art.day, art.slug))
    return story.copies[1:] if story is not None else ()


def _calendar(days: Sequence[Day]) -> tuple[Year, ...]:
    months: dict[tuple[int, int], list[Day]] = defaultdict(list)
    for day in sorted(days, key=lambda d: d.day):
        months[(day.day.year, day.day.month)].append(day)
    years: dict[int, list[Month]] = defaultdict(list)
    for (y, m) in sorted(months):
        years[y].append(Month(y, m, tuple(months[(y, m)])))
    return tuple(Year(y, tuple(years[y])) for y in sorted(years, reverse=True))


def _sources(articles: Sequence[Article]) -> tuple[Term, ...]:
    groups: dict[str, list[Article]] = defaultdict(list)
    names: dict[str, Counter[str]] = defaultdict(Counter)
    for art in articles:
        if art.source:
            slug = slug_or(art.source)
            groups[slug].append(art)
            names[slug][art.source] += 1
    terms = [Term(s, min(names[s].items(), key=lambda kv: (-kv[1], kv[0]))[0], tuple(groups[s])) for s in groups]
    return tuple(sorted(terms, key=lambda t: (t.name.casefold(), t.slug)))


ENTITY_KINDS = ("people", "places", "organisations")


def _entities(articles: Sequence[Article], min_articles: int, others: Sequence[Article] = ()
              ) -> tuple[dict[str, tuple[Term, ...]], frozenset[tuple[str, str]]]:
    """People, places and organisations named by at least `min_articles` articles, each with its articles;
    and every (kind, name) as written in an article, or in one of `others` (copies not listed, whose pages
    still link names), that leads to one of those pages."""
    by_name: dict[tuple[str, str], list[Article]] = defaultdict(list)
    for art in articles:   # one list per name as written (once per article: see model._entities); spellings
        for pair in art.entities:   # of one slug are joined below
            by_name[pair].append(art)
    spellings: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for pair in by_name:
        spellings[(pair[0], slug_or(pair[1]))].append(pair)
    order = {id(a): i for i, a in enumerate(articles)} if len(by_name) > len(spellings) else {}
    out: dict[str, list[Term]] = {kind: [] for kind in ENTITY_KINDS}
    paged: set[tuple[str, str]] = set()
    for (kind, slug), pairs in spellings.items():
        if kind not in out:
            continue
        if len(pairs) == 1:
            arts = by_name[pairs[0]]
        else:   # an article naming two spellings counts once, in the listing's order
            arts = sorted({id(a): a for p in pairs for a in by_name[p]}.values(), key=lambda a: order[id(a)])
        if len(arts) >= min_articles:
            name = min(pairs, key=lambda p: (-len(by_name[p]), p[1]))[1]
            out[kind].append(Term(slug, name, tuple(arts)))
            paged.update(pairs)
    with_page = {(kind, slug_or(name)) for kind, name in paged}
    for art in others:   # a spelling only a copy uses still links to the page of its slug (Site.entity_path)
        paged.update(p for p in art.entities if p not in by_name and (p[0], slug_or(p[1])) in with_page)
    terms = {kind: tuple(sorted(found, key=lambda t: (t.name.casefold(), t.slug))) for kind, found in out.items()}
    return terms, frozenset(paged)


def _chains(articles: Sequence[Article]) -> dict[str, tuple[Article, ...]]:
    """The articles (newest first) of each primary topic, oldest first: an article's older and newer
    neighbours are the ones beside it (Site.neighbours)."""
    chains: dict[str, list[Article]] = defaultdict(list)
    for art in reversed(articles):
        chains[art.topics[0] if art.topics else ""].append(art)
    return {topic: tuple(chain) for topic, chain in chains.items()}


def build_site(articles: Iterable[Article], topic_order: Sequence[str], entity_min_articles: int = 2,
               memo: Memo | None = None) -> Site:
    """Group articles into the site's days, months, years, topics, sources, people, places, organisations and
    stories. Editions, topics, names and their feeds show one copy of each story; sources show all theirs.
    `memo` carries the weeks of stories worked out by the last build (weeks.Memo)."""
    memo = memo or Memo()
    ordered = newest_first(articles)
    copies = find_stories(ordered, memo=memo)
    shown = [a for a in ordered if (s := copies.get((a.day, a.slug))) is None or s.best is a]
    order = {slug: i for i, slug in enumerate(topic_order)}
    by_day: dict[dt.date, list[Article]] = defaultdict(list)
    by_topic: dict[str, list[Article]] = defaultdict(list)
    for art in shown:
        by_day[art.day].append(art)
        for topic in art.topics:
            by_topic[topic].append(art)
    days = tuple(Day(d, tuple(by_day[d]), _sections(by_day[d], order, copies)) for d in sorted(by_day, reverse=True))
    topics = tuple(Term(t, t, tuple(by_topic[t]))
                   for t in sorted(by_topic, key=lambda t: (order.get(t, len(order)), t)))
    hidden = [a for story in {id(s): s for s in copies.values()}.values() for a in story.copies[1:]]
    entities, paged = _entities(shown, entity_min_articles, hidden)
    return Site(articles=tuple(ordered), days=days, years=_calendar(days), topics=topics,
                sources=_sources(ordered), entities=entities, paged=paged,
                stories=build_stories(shown, copies, memo), shown=tuple(shown), chains=_chains(shown))


register_groups(Section, Day, Month, Year, Term)


def paginate(items: Sequence[Article], size: int) -> list[tuple[Article, ...]]:
    """Split a newest-first listing into stable archive pages of `size`, counted from the OLDEST article.

    Page 1 holds the oldest `size` articles, page 2 the next, and so on; each page lists its articles newest
    first. A new article therefore changes only the newest page, never the pages before it, so their URLs
    keep their contents (caches, links and incremental builds all stay valid). Returns pages oldest first.
    """
    return [archive_page(items, size, n) for n in range(1, pages_of(len(items), size) + 1)]


def pages_of(total: int, size: int) -> int:
    """How many archive pages `paginate` makes of `total` articles."""
    return -(-total // size)


def archive_page(items: Sequence[Article], size: int, n: int) -> tuple[Article, ...]:
    """Archive page `n` (from 1) of a newest-first listing, newest first: `paginate(items, size)[n - 1]`."""
    total = len(items)
    return tuple(items[max(0, total - n * size):total - (n - 1) * size])
