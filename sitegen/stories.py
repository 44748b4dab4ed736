"""How articles relate: [Article] -> `Stories` (syndicated copies of one story, story threads across days,
related reading). Pure and deterministic; keys are (day, slug).

- A *story* is a cluster of near-duplicate copies (cluster.py): the best copy is shown, the others are listed
  as "also reported by" and left out of editions, listings and feeds.
- A *thread* links articles that continue one another: the same primary topic, within THREAD_DAYS, sharing
  at least two specific names (one of them a person or organisation). Names that occur in more than
  GENERIC_SHARE of the articles around them ("United States") are too common to link anything.
- *Related reading*: up to RELATED articles within RELATED_DAYS either side, ranked by shared specific
  names, shared distinctive words of the headline and summary (text similarity, by the same posting lists),
  shared topics and closeness in time; topped up from the same primary topic to at least RELATED_MIN.

Everything is worked out a week at a time (Monday to Sunday), from that week's and its neighbours'
articles only: "around them" above means those three weeks, and copies are looked for in a week and the one
before it. So what an article gets depends on nothing outside 21 days of it, a week's results are a function
of the digests of those articles, and `weeks.Memo` keeps them between builds: a new or edited article makes
only its own week and the two beside it work again, however large the site.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import cluster
from .model import SORT_KEY, Article
from .slugs import slug_or
from .weeks import WEEK, Memo, by_week, week

Key = tuple[dt.date, str]
THREAD_DAYS = 3
RELATED_DAYS = 7
RELATED, RELATED_MIN = 5, 3
NEAREST = 12                  # candidates taken per name: the nearest in time
GENERIC_SHARE = 0.05
NAMED = ("people", "organisations")
WORDS = 8                     # distinctive words per article (the rarest of its headline and summary)
_WORD = re.compile(r"[a-z][a-z'-]{3,}")
assert max(RELATED_DAYS, THREAD_DAYS) <= WEEK   # a week and its neighbours hold every article in reach


def keywords(art: Article) -> tuple[str, ...]:
    """Lower-case content words of the headline and summary, minus common words and the words of its names,
    sorted (content.load stores them in the article, so a build reads them from the cache)."""
    in_names = {w for _, name in art.entities for w in name.lower().split()}
    text = f"{art.title} {art.summary}".lower().replace("\u2019", "'")
    return tuple(sorted({w.strip("'-") for w in _WORD.findall(text)} - cluster.COMMON_WORDS - in_names))


def _words(art: Article) -> tuple[str, ...]:
    return art.keywords or keywords(art)   # articles made in code (tests) may come without them


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
    related: dict[Key, tuple[Article, ...]] = field(default_factory=dict)
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
    items = [(name, by_name[name].day, by_name[name].signature) for name in names]
    weeks: dict[int, list[int]] = defaultdict(list)   # week -> positions in `items` (by name, so by day)
    for i, (_, day, _) in enumerate(items):
        weeks[week(day)].append(i)
    edges: list[cluster.Edge] = []
    spans = {wk: weeks.get(wk - 1, []) + weeks[wk] for wk in sorted(weeks)}
    tasks = []
    for wk, at in spans.items():
        here = [by_name[names[i]] for i in at]
        tasks.append((wk, here, (here, wk, window_days)))
    for at, found in zip(spans.values(), memo.get_all("copies", _week_pairs, tasks), strict=True):
        edges += [(strength, at[i], at[j]) for strength, i, j in found]
    out: dict[Key, Story] = {}
    for group in cluster.join(items, edges):
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


class _Index:
    """Articles oldest first with, per specific name and per primary topic, their positions in time order."""

    def __init__(self, articles: Sequence[Article]) -> None:
        self.arts = sorted(articles, key=SORT_KEY)
        self.days = [a.day.toordinal() for a in self.arts]
        df: Counter[tuple[str, str]] = Counter()
        names: list[set[tuple[str, str]]] = []
        for art in self.arts:
            found = {(kind, slug_or(name)) for kind, name in art.entities}
            names.append(found)
            df.update(found)
        words = [{("word", w) for w in _words(art)} for art in self.arts]
        for found in words:
            df.update(found)
        limit = max(3, int(GENERIC_SHARE * len(self.arts)))
        self.names = [{n for n in found if df[n] <= limit} for found in names]
        # The rarest few words that another article shares (a word of one article links nothing).
        self.words = [set(sorted((w for w in found if 2 <= df[w] <= limit), key=lambda w: (df[w], w))[:WORDS])
                      for found in words]
        self.posting: dict[object, list[int]] = defaultdict(list)
        for i, art in enumerate(self.arts):
            for n in self.names[i] | self.words[i]:
                self.posting[n].append(i)
            if art.topics:
                self.posting[("topic", art.topics[0])].append(i)

    def near(self, label: object, i: int, days: int, k: int = NEAREST) -> list[int]:
        """Up to `k` positions listed under `label` within `days` of article `i`, nearest first."""
        plist = self.posting.get(label)
        if not plist:
            return []
        right = bisect.bisect_left(plist, i)
        left = right - 1
        if right < len(plist) and plist[right] == i:
            right += 1
        day, out = self.days[i], list[int]()
        while len(out) < k:
            ok_left = left >= 0 and day - self.days[plist[left]] <= days
            ok_right = right < len(plist) and self.days[plist[right]] - day <= days
            if not (ok_left or ok_right):
                break
            if ok_left and (not ok_right or i - plist[left] <= plist[right] - i):
                out.append(plist[left])
                left -= 1
            else:
                out.append(plist[right])
                right += 1
        return out


def _links(ix: _Index, centre: range) -> list[tuple[int, int]]:
    """Pairs (earlier, later) of articles that continue one another, the later one in `centre`."""
    out = []
    for i in centre:
        art = ix.arts[i]
        shared: Counter[int] = Counter()
        named: set[int] = set()
        for n in ix.names[i]:
            for j in ix.near(n, i, THREAD_DAYS):
                if j < i and ix.arts[j].topics[:1] == art.topics[:1]:
                    shared[j] += 1
                    if n[0] in NAMED:
                        named.add(j)
        out += [(j, i) for j, count in shared.most_common(3) if count >= 2 and j in named]
    return out


def _threads(arts: Sequence[Article], links: Sequence[tuple[Key, Key]]) -> tuple[dict[Key, Thread],
                                                                                 tuple[Thread, ...]]:
    """Threads: the linked articles (`arts` oldest first) joined into groups of two or more."""
    position = {key(a): i for i, a in enumerate(arts)}
    parent = list(range(len(arts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in links:
        parent[root(position[b])] = root(position[a])
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(arts)):
        groups[root(i)].append(i)
    by_key: dict[Key, Thread] = {}
    threads = []
    for members in groups.values():
        if len(members) > 1:
            chain = tuple(arts[i] for i in sorted(members))
            thread = Thread(f"{chain[0].day.isoformat()}-{chain[0].slug}"[:90].rstrip("-"), chain)
            threads.append(thread)
            for art in chain:
                by_key[key(art)] = thread
    threads.sort(key=lambda t: (t.articles[-1].sort_key, t.id), reverse=True)
    return by_key, tuple(threads)


def _related(ix: _Index, i: int) -> tuple[int, ...]:
    art = ix.arts[i]
    score: dict[int, float] = defaultdict(float)
    for n in ix.names[i]:
        for j in ix.near(n, i, RELATED_DAYS):
            score[j] += 2
    for w in ix.words[i]:
        for j in ix.near(w, i, RELATED_DAYS):
            score[j] += 1
    topics = set(art.topics)
    for j in list(score):
        other = ix.arts[j]
        score[j] += (1 if other.topics[:1] == art.topics[:1] else 0) + 0.5 * len(topics & set(other.topics[1:]))
    ranked = sorted(score, key=lambda j: (-score[j], abs(ix.days[j] - ix.days[i]), ix.arts[j].sort_key))
    picked = ranked[:RELATED]
    if len(picked) < RELATED_MIN and art.topics:
        picked += [j for j in ix.near(("topic", art.topics[0]), i, RELATED_DAYS) if j not in picked]
        picked = picked[:RELATED_MIN]
    return tuple(picked)


def _week_relations(here: Sequence[Article], centre: range) -> tuple[tuple[tuple[int, ...], ...],
                                                                     tuple[tuple[int, int], ...]]:
    """Related reading of each article of `centre` and its thread links, as positions in `here` (a week
    and its neighbours, oldest first), with names and words weighed by how common they are in `here`."""
    ix = _Index(here)
    return tuple(_related(ix, i) for i in centre), tuple(_links(ix, centre))


def build(shown: Sequence[Article], stories: dict[Key, Story], memo: Memo | None = None) -> Stories:
    """Threads and related reading over the articles shown (one copy per story); copies share their best's.
    Worked out a week at a time, each through `memo`."""
    memo = memo or Memo()
    weeks = by_week(shown)
    related: dict[Key, tuple[Article, ...]] = {}
    links: list[tuple[Key, Key]] = []
    tasks = []
    for wk in sorted(weeks):
        before, mine = weeks.get(wk - 1, []), weeks[wk]
        here = before + mine + weeks.get(wk + 1, [])
        tasks.append((wk, here, (here, range(len(before), len(before) + len(mine)))))
    results = memo.get_all("relations", _week_relations, tasks)
    fresh = {key(art) for wk in memo.worked["relations"] for art in weeks.get(wk, ())}
    for (wk, here, _), (picks, pairs) in zip(tasks, results, strict=True):
        mine = weeks[wk]
        for art, picked in zip(mine, picks, strict=True):
            related[key(art)] = tuple(here[j] for j in picked)
        links += [(key(here[a]), key(here[b])) for a, b in pairs]
    thread_of, threads = _threads([a for wk in sorted(weeks) for a in weeks[wk]], links)
    for story in {id(s): s for s in stories.values()}.values():
        best = key(story.best)
        for copy in story.copies[1:]:
            if best in related:
                related[key(copy)] = related[best]
                if best in fresh:
                    fresh.add(key(copy))
            if best in thread_of:
                thread_of[key(copy)] = thread_of[best]
    return Stories(story=stories, thread=thread_of, related=related, threads=threads, fresh=frozenset(fresh))
