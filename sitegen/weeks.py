"""Work done a week at a time and remembered between builds: [Article] -> weeks, and `Memo`, which keeps each
week's result under a digest of the articles it was worked out from (stories.py works out copies, threads
and related reading this way, so a rebuild re-works only the weeks a changed article touches)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .jobs import digest
from .model import Article

WEEK = 7


def week(day: dt.date) -> int:
    """The week (Monday to Sunday) a day falls in, numbered from year 1 (whose first day was a Monday)."""
    return (day.toordinal() - 1) // WEEK


def by_week(articles: Sequence[Article]) -> dict[int, list[Article]]:
    """Articles of each week, oldest first (by date, slug)."""
    weeks: dict[int, list[Article]] = defaultdict(list)
    for art in sorted(articles, key=lambda a: a.sort_key):
        weeks[week(art.day)].append(art)
    return weeks


T = TypeVar("T")


class Memo:
    """The results of each week's work in the last build, by a digest of the articles they were worked out
    from (and the week): `get` returns the remembered result or works it out; `new` holds this build's, which
    is what the build cache keeps. Code changes need no key: the cache is dropped when sitegen changes."""

    def __init__(self, old: dict[str, Any] | None = None) -> None:
        self.old, self.new = old or {}, dict[str, Any]()

    def get(self, kind: str, wk: int, arts: Sequence[Article], work: Callable[..., T], *args: Any) -> T:
        """`work(*args)`, worked out from `arts` only (for week `wk`), or what it gave last time."""
        if not all(a.digest for a in arts):   # articles made in code (tests) have no digest: nothing to keep
            return work(*args)
        name = digest(f"{kind}\x1f{wk}\x1f" + " ".join(a.digest for a in arts))
        hit = self.old.get(name)
        self.new[name] = hit = work(*args) if hit is None else hit
        return hit
