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
from collections.abc import Iterator, Mapping, Sequence
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
    tasks = []
    for wk in sorted(weeks):
        before, mine, after = weeks.get(wk - 1, []), weeks[wk], weeks.get(wk + 1, [])
        here = before + mine + after
        tasks.append((wk, (before, mine, after), (here, range(len(before), len(before) + len(mine)))))
    results = memo.get_all("relations", _week_relations, tasks)
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
