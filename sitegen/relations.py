"""How the articles around a week relate: three weeks of articles -> each article's related reading and the
thread links between them, as positions (stories.py keeps them per week and joins the links into threads).

- A *thread link* joins articles that continue one another: the same primary topic, within THREAD_DAYS,
  sharing at least two specific names (one of them a person or organisation). Names that occur in more than
  GENERIC_SHARE of the articles around them ("United States") are too common to link anything.
- *Related reading*: up to RELATED articles within RELATED_DAYS either side, ranked by shared specific
  names, shared distinctive words of the headline and summary (text similarity, by the same posting lists),
  shared topics and closeness in time; topped up from the same primary topic to at least RELATED_MIN.

"Around them" means the three weeks given: how common a name or word is counts within them only.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from collections.abc import Sequence

from . import cluster
from .model import SORT_KEY, Article
from .slugs import slug_or
from .weeks import WEEK

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


def week_relations(here: Sequence[Article], centre: range) -> tuple[tuple[tuple[int, ...], ...],
                                                                    tuple[tuple[int, int], ...]]:
    """Related reading of each article of `centre` and its thread links, as positions in `here` (a week
    and its neighbours, oldest first), with names and words weighed by how common they are in `here`."""
    ix = _Index(here)
    return tuple(_related(ix, i) for i in centre), tuple(_links(ix, centre))
