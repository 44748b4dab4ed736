"""Work done a week at a time and remembered between builds: [Article] -> weeks, and `Memo`, which keeps each
week's result under a digest of the articles it was worked out from (stories.py works out copies, threads
and related reading this way, so a rebuild re-works only the weeks a changed article touches)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from . import workers
from .jobs import digest
from .model import SORT_KEY, Article

WEEK = 7


def week(day: dt.date) -> int:
    """The week (Monday to Sunday) a day falls in, numbered from year 1 (whose first day was a Monday)."""
    return (day.toordinal() - 1) // WEEK


def by_week(articles: Sequence[Article]) -> dict[int, list[Article]]:
    """Articles of each week, oldest first (by date, slug)."""
    weeks: dict[int, list[Article]] = defaultdict(list)
    for art in sorted(articles, key=SORT_KEY):
        weeks[week(art.day)].append(art)
    return weeks


T = TypeVar("T")


class Memo:
    """The results of each week's work in the last build, by a digest of the articles they were worked out
    from (and the week): `get_all` returns the remembered results or works them out; `new` holds this
    build's, which is what the build cache keeps. Code changes need no key: the cache is dropped when sitegen changes."""

    def __init__(self, old: dict[str, Any] | None = None) -> None:
        self.old, self.new = old or {}, dict[str, Any]()
        self.worked: dict[str, set[int]] = defaultdict(set)   # kind -> the weeks worked out (not remembered)

    def get_all(self, kind: str, work: Callable[..., T],
                weeks: Sequence[tuple[int, Sequence[Sequence[Article]], tuple]]) -> list[T]:
        """For each week, given as (week, the lists of articles it is worked out from, args of `work`):
        `work(*args)`, worked out from those articles only, or what it gave last time. The lists are
        usually whole weeks that several weeks' work shares: each is printed once. The weeks not remembered
        are worked out in forked workers when there are enough of them (a cold build's hundreds of weeks),
        here otherwise (a rebuild's two or three). `work` must be a module-level function."""
        printed: dict[int, str | None] = {}

        def text(arts: Sequence[Article]) -> str | None:
            if id(arts) not in printed:   # made in code (tests): no digest, nothing kept
                digests = [a.digest for a in arts]
                printed[id(arts)] = " ".join(digests) if all(digests) else None
            return printed[id(arts)]

        names = []
        for wk, parts, _ in weeks:
            texts = [text(part) for part in parts]
            names.append(None if None in texts else digest(f"{kind}\x1f{wk}\x1f" + "\x1f".join(texts)))  # type: ignore[arg-type]
        todo = [i for i, name in enumerate(names) if name is None or name not in self.old]
        self.worked[kind].update(weeks[i][0] for i in todo)
        global _WORK
        _WORK = (work, [weeks[i][2] for i in todo])
        try:
            made = dict(zip(todo, workers.map_parallel(_work, range(len(todo)), min_parallel=PARALLEL_WEEKS),
                            strict=True))
        finally:
            _WORK = None
        out = []
        for i, name in enumerate(names):
            result = made[i] if i in made else self.old[name]   # type: ignore[index]
            if name is not None:
                self.new[name] = result
            out.append(result)
        return out


PARALLEL_WEEKS = 16   # fewer weeks to work out than this: not worth forking workers
_WORK: tuple[Callable[..., Any], list[tuple]] | None = None   # set before forking: the work and its args


def _work(i: int) -> Any:
    assert _WORK is not None
    work, args = _WORK
    return work(*args[i])
