"""How articles relate: [Article] -> `Stories` (syndicated copies of one story, story threads across days,
related reading). Pure and deterministic; keys are (day, slug).

- A *story* is a cluster of near-duplicate copies (cluster.py): the best copy is shown, the others are listed
  as "also reported by" and left out of editions, listings and feeds.
- A *thread* joins articles linked as continuing one another (relations.py) into one developing story.
- *Related reading*: relations.py's picks, each article's from the three weeks around it.

Everything is worked out a week at a time (Monday to Sunday), from that week's and its neighbours'
articles only: "around them" above means those three weeks, and copies are looked for in a week and the one
before it. So what an article gets depends on nothing outside 21 days of it, a week's results are a function
of the digests of those articles, and `weeks.Memo` keeps them between builds: a new or edited article makes
only its own week and the two beside it work again, however large the site.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from . import cluster
from .model import SORT_KEY, Article
from .relations import week_relations
from .weeks import WEEK, Memo, by_week, week

Key = tuple[dt.date, str]
@dataclass(frozen=True)
class Story:
    """Copies of one story: the one shown first, then the others (also reported by)."""

    copies: tuple[Article, ...]

    @property
    def best(self) -> Article:
        return self.copies[0]


@dataclass(frozen=True)
class Thread:
    """A developing story: its articles, oldest first."""

    id: str
    articles: tuple[Article, ...]

    @property
    def title(self) -> str:
        return self.articles[-1].title


@dataclass
class Stories:
    """The relations of a site's articles."""

    story: dict[Key, Story] = field(default_factory=dict)        # every clustered article -> its story
    thread: dict[Key, Thread] = field(default_factory=dict)       # every threaded article -> its thread
    related: Mapping[Key, tuple[Article, ...]] = field(default_factory=dict)
    threads: tuple[Thread, ...] = ()                              # newest last article first
    fresh: frozenset[Key] | None = None   # articles whose related reading this build worked out (None: all)


def key(art: Article) -> Key:
    return (art.day, art.slug)


def find_stories(articles: Sequence[Article], window_days: int = 3, memo: Memo | None = None) -> dict[Key, Story]:
    """Cluster syndicated copies; every member maps to its story (best copy first, others by source, date).
    Pairs are confirmed a week at a time, each week's articles against the same and the last week's."""
    assert window_days <= WEEK
    memo = memo or Memo()
    by_name = {f"{a.day.isoformat()}/{a.slug}": a for a in articles if a.signature}
    names = sorted(by_name)
    weeks: dict[int, list[Article]] = defaultdict(list)   # by name, so by day
    for name in names:
        art = by_name[name]
        weeks[week(art.day)].append(art)
    start, at = {}, 0   # each week's first position among all of them
    for wk in sorted(weeks):
        start[wk], at = at, at + len(weeks[wk])
    tasks = []
    for wk in sorted(weeks):
        before = weeks.get(wk - 1, [])
        here = before + weeks[wk]
        tasks.append((wk, (before, weeks[wk]), (here, wk, window_days)))
    edges: list[cluster.Edge] = []
    for (wk, (before, _), _), found in zip(tasks, memo.get_all("copies", _week_pairs, tasks), strict=True):
        first = start[wk] - len(before)   # `here` is a run of consecutive positions (weeks in between are empty)
        edges += [(strength, first + i, first + j) for strength, i, j in found]
    # Only the articles of a confirmed pair can be in a story: join those (in order, so as all of them).
    involved = sorted({i for _, a, b in edges for i in (a, b)})
    renumber = {i: n for n, i in enumerate(involved)}
    items = [(names[i], by_name[names[i]].day, by_name[names[i]].signature) for i in involved]
    out: dict[Key, Story] = {}
    for group in cluster.join(items, [(strength, renumber[a], renumber[b]) for strength, a, b in edges]):
        members = [by_name[name] for name in group]
        top = cluster.best(members)
        rest = sorted((a for a in members if a is not top), key=lambda a: ((a.source or "").casefold(), a.date, a.path))
        story = Story((top, *rest))
        for art in members:
            out[key(art)] = story
    return out


def _week_pairs(here: Sequence[Article], wk: int, window_days: int) -> tuple[cluster.Edge, ...]:
    """Confirmed pairs among `here` (a week and the one before, by name: names start with the day) whose
    later article is in week `wk`."""
    items = [(f"{a.day.isoformat()}/{a.slug}", a.day, a.signature) for a in here]
    return tuple(e for e in cluster.confirmed(items, window_days) if week(max(here[e[1]].day, here[e[2]].day)) == wk)


def _threads(links: Sequence[tuple[Article, Article]]) -> tuple[dict[Key, Thread], tuple[Thread, ...]]:
    """Threads: the linked articles joined into groups of two or more, each oldest first."""
    parent: dict[Key, Key] = {}

    def root(k: Key) -> Key:
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    arts: dict[Key, Article] = {}
    for a, b in links:
        arts[key(a)], arts[key(b)] = a, b
        parent[root(key(b))] = root(key(a))
    groups: dict[Key, list[Article]] = defaultdict(list)
    for k, art in arts.items():
        groups[root(k)].append(art)
    by_key: dict[Key, Thread] = {}
    threads = []
    for members in groups.values():
        chain = tuple(sorted(members, key=SORT_KEY))
        thread = Thread(f"{chain[0].day.isoformat()}-{chain[0].slug}"[:90].rstrip("-"), chain)
        threads.append(thread)
        for art in chain:
            by_key[key(art)] = thread
    threads.sort(key=lambda t: (t.articles[-1].sort_key, t.id), reverse=True)
    return by_key, tuple(threads)


class Related(Mapping[Key, tuple[Article, ...]]):
    """Related reading by article, looked up in its week's picks when asked (a rebuild asks for a few
    thousand of 100,000); a copy has its best copy's."""

    def __init__(self, weeks: dict[int, list[Article]], picks: Mapping[int, tuple[Sequence[Article], tuple]],
                 best: dict[Key, Key]) -> None:
        self._weeks, self._picks, self._best = weeks, picks, best
        self._at: dict[int, dict[Key, int]] = {}   # week -> its articles' places, made when first asked

    def __getitem__(self, k: Key) -> tuple[Article, ...]:
        own = self._best.get(k, k)
        wk = week(own[0])
        at = self._at.get(wk)
        if at is None:
            at = self._at[wk] = {key(a): i for i, a in enumerate(self._weeks.get(wk, ()))}
        i = at.get(own)
        if i is None:
            raise KeyError(k)
        here, picks = self._picks[wk]
        return tuple([here[j] for j in picks[i]])

    def __iter__(self) -> Iterator[Key]:
        for wk in sorted(self._weeks):
            yield from (key(a) for a in self._weeks[wk])
        yield from self._best

    def __len__(self) -> int:
        return sum(map(len, self._weeks.values())) + len(self._best)


def build(shown: Sequence[Article], stories: dict[Key, Story], memo: Memo | None = None) -> Stories:
    """Threads and related reading over the articles shown (one copy per story); copies share their best's.
    Worked out a week at a time, each through `memo`."""
    memo = memo or Memo()
    weeks = by_week(shown)
    tasks = []
    for wk in sorted(weeks):
        before, mine, after = weeks.get(wk - 1, []), weeks[wk], weeks.get(wk + 1, [])
        here = before + mine + after
        tasks.append((wk, (before, mine, after), (here, range(len(before), len(before) + len(mine)))))
    results = memo.get_all("relations", week_relations, tasks)
    picks = {wk: (args[0], found[0]) for (wk, _, args), found in zip(tasks, results, strict=True)}
    links = [(args[0][a], args[0][b]) for (_, _, args), found in zip(tasks, results, strict=True)
             for a, b in found[1]]
    thread_of, threads = _threads(links)
    fresh = {key(art) for wk in memo.worked["relations"] for art in weeks.get(wk, ())}
    best: dict[Key, Key] = {}   # copy -> its story's best copy (shown, with related reading of its own)
    for story in {id(s): s for s in stories.values()}.values():
        top = key(story.best)
        for copy in story.copies[1:]:
            best[key(copy)] = top
            if top in fresh:
                fresh.add(key(copy))
            if top in thread_of:
                thread_of[key(copy)] = thread_of[top]
    return Stories(story=stories, thread=thread_of, related=Related(weeks, picks, best), threads=threads,
                   fresh=frozenset(fresh))
