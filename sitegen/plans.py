"""Page groups remembered between builds: a group of jobs (a term's pages, a day's edition, a month's
sitemap) -> its job entries under a digest of everything it is made from, so an unchanged group is not
planned again (`Plans`); and, when the output is known to hold them, carried over with no job at all.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from .jobs import Entry, Job, digest

PlanEntry = tuple[tuple[Entry, ...], tuple[str, ...]]
# the entries of a group's own jobs (not those of the groups planned inside it), and the names of those groups


class Plans:
    """The jobs of page groups (a topic's, a source's, a person's pages), remembered between builds by a
    digest of everything the group is made from: a group whose key is unchanged is not planned again, its
    jobs come back with the paths and fingerprints it had. Such a job is made (should a template or the
    output have changed) by planning its group again then. Keys include `salt`, the settings, taxonomy and
    sitegen code of the build, so nothing made under other settings is ever reused.

    Groups nest: a term's group plans each of its pages as a group of its own, so an unchanged term costs
    one key, and a changed one re-plans only the pages whose own key changed. A group's entry holds only
    its own jobs and the names of the groups inside it (whose entries hold theirs): a changed term of a
    thousand pages is then a new entry of a thousand names, not of a thousand pages' entries again (the
    build cache journals changed entries: see cache.BIG). A group's jobs are those `plan()` gives, its own
    and those of the groups it plans through this object.

    With `carry` (the caller knows the output holds exactly what the last build made, under the same
    templates: see publish.carrying), a remembered group's jobs are not made into `Job`s at all: their
    entries are collected in `carried`, outputs left as they are. A rebuild of 100,000 articles recalls
    about 100,000 listing pages; making each a Job only to find it unchanged was a tenth of its time."""

    def __init__(self, salt: str, old: dict[str, PlanEntry] | None = None,
                 index: tuple[str, dict[Any, str], dict[Any, int]] | None = None, carry: bool = False) -> None:
        self.salt, self.old, self.new = salt, old or {}, dict[str, PlanEntry]()
        self.carry, self.carried = carry, list[Entry]()
        self._inner: list[str] | None = None   # names of the groups planned inside the one being planned ...
        self._theirs: list[Job] = []           # ... and their jobs (not the outer group's own)
        # The group each named thing (a term) had last time, and has now (see `recall`), and how many
        # articles it listed (see `counted`).
        known = index is not None and len(index) == 3 and index[0] == salt
        self.last_index: dict[Any, str] = index[1] if index is not None and known else {}
        self.last_counts: dict[Any, int] = index[2] if index is not None and known else {}
        self.index: dict[Any, str] = {}
        self.counts: dict[Any, int] = {}

    def counted(self, ident: Any, count: int) -> int | None:
        """Record that `ident` lists `count` things this build; the count it had in the last build (None
        when unknown)."""
        self.counts[ident] = count
        return self.last_counts.get(ident)

    def remembered(self) -> tuple[str, dict[Any, str], dict[Any, int]]:
        """What the next build's `index` is: the group and count of each named thing."""
        return self.salt, self.index, self.counts

    def group(self, key: str, plan: Callable[[], Iterable[Job]], ident: Any = None) -> list[Job]:
        """The jobs `plan()` gives, or the remembered ones when `key` was planned by the last build. A group
        given an `ident` can be recalled by it in the next build (`recall`)."""
        name = digest(f"{self.salt}\x1f{key}")
        if ident is not None:
            self.index[ident] = name
        hit = self.old.get(name)
        made = self._remembered(name, hit, plan) if hit is not None else None
        if made is None:
            made, self.new[name] = self._nested(plan)
        return self._inside(name, made)

    def recall(self, ident: Any, plan: Callable[[], Iterable[Job]]) -> list[Job] | None:
        """The jobs of the group the last build planned as `ident`, without working out its key: for a caller
        that knows nothing the group is made from has changed (delta.py). None when there is no such group."""
        name = self.last_index.get(ident)
        hit = self.old.get(name) if name is not None else None
        made = self._remembered(name, hit, plan) if name is not None and hit is not None else None
        if name is None or made is None:
            return None
        self.index[ident] = name
        return self._inside(name, made)

    def inner(self, ident: Any) -> tuple[str, ...]:
        """The names of the groups planned inside the group the last build planned as `ident`, in order."""
        hit = self.old.get(self.last_index.get(ident, ""))
        return hit[1] if hit is not None else ()

    def reuse(self, name: str, plan: Callable[[], Iterable[Job]]) -> list[Job] | None:
        """The jobs of the group the last build planned under `name` (see `inner`), without working out its
        key: for a caller that knows nothing it is made from has changed. None when there is none."""
        hit = self.old.get(name)
        made = self._remembered(name, hit, plan) if hit is not None else None
        return self._inside(name, made) if made is not None else None

    def planned(self, ident: Any, plan: Callable[[], Iterable[Job]]) -> list[Job]:
        """The jobs `plan()` gives, planned whatever the last build did: for a group the caller knows has
        changed, whose own key would cost as much as planning it (a term of thousands of articles whose
        pages are groups of their own). It is named after its contents: its own jobs and the groups inside it."""
        slot = len(self._inner) if self._inner is not None else -1
        if self._inner is not None:
            self._inner.append("")   # its place among the groups around it, named once planned
        made, entry = self._nested(plan)
        own = " ".join(f"{j.path}|{j.template}|{j.fingerprint}" for j in made)
        name = digest(f"{self.salt}\x1fplanned\x1f{ident!r}\x1f{own}\x1f" + " ".join(entry[1]))
        if self._inner is not None:
            self._inner[slot] = name
            self._theirs += made
        self.index[ident], self.new[name] = name, entry
        return made

    def _inside(self, name: str, made: list[Job]) -> list[Job]:
        """`made`, the jobs of group `name`, noted as a group inside the one being planned (if any)."""
        if self._inner is not None:
            self._inner.append(name)
            self._theirs += made
        return made

    def _nested(self, plan: Callable[[], Iterable[Job]]) -> tuple[list[Job], PlanEntry]:
        """Plan a group: its jobs, and its entry (its own jobs' entries, and the names of the groups inside
        it)."""
        outer, self._inner = self._inner, []
        outer_theirs, self._theirs = self._theirs, []
        try:
            made = list(plan())
        finally:
            inner, self._inner = self._inner, outer
            theirs, self._theirs = self._theirs, outer_theirs
        held = set(map(id, theirs))   # (`theirs` keeps those jobs alive: no id is taken again meanwhile)
        own = tuple((j.path, j.template, j.fingerprint) for j in made if id(j) not in held)
        return made, (own, tuple(inner))

    def _remembered(self, name: str, hit: PlanEntry, plan: Callable[[], Iterable[Job]]) -> list[Job] | None:
        """A remembered group's jobs, carried over; made (planned again, once) only if one must be. When
        carrying, none: the entries go to `carried`. None when a group inside it is not remembered (a
        damaged cache): the caller plans it again."""
        entries: list[Entry] = []
        kept: dict[str, PlanEntry] = {}
        if not self._gather(name, hit, entries, kept):
            return None
        self.new.update(kept)
        if self.carry:
            self.carried += entries
            return []
        again = _Replan(plan)
        return [Job(path, template, fp, functools.partial(again.make, path)) for path, template, fp in entries]

    def _gather(self, name: str, entry: PlanEntry, entries: list[Entry], kept: dict[str, PlanEntry]) -> bool:
        """Collect the entries of a remembered group and of the groups inside it, and the groups themselves
        (to carry over to this build's plans); False when one inside it is missing."""
        kept[name] = entry
        entries += entry[0]
        for inner in entry[1]:
            found = self.old.get(inner)
            if found is None or not self._gather(inner, found, entries, kept):
                return False
        return True


class _Replan:
    """A remembered group planned again, once, when one of its jobs must be made."""

    def __init__(self, plan: Callable[[], Iterable[Job]]) -> None:
        self.plan, self.jobs = plan, dict[str, Job]()

    def make(self, path: str) -> bytes | dict[str, bytes]:
        if not self.jobs:
            self.jobs = {j.path: j for j in self.plan()}
        return self.jobs[path].make()
