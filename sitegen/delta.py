"""What changed since the last build: `Site` + the last build's `Snapshot` -> the terms (topics, sources,
names) whose articles may differ, and the articles whose page may show something else.

An article touches a term when it came or went (a new file, an edit, a deletion, a draft published, a slug
suffix moved: each is a new digest), or when it became or stopped being its story's shown copy (editions,
topics and names list one copy per story). A term no article touched has exactly the articles, in the same
order, that it had last time, so its listing pages are planned from memory (plans.Plans) without walking its
articles again: at 100,000 articles that is two million digests not joined per rebuild.

An article's page shows the article, its older and newer neighbour in its primary topic, its story's copies,
its related reading, its thread and which of its names have a page. Each can change only through an article
that moved (its neighbours), a story or thread whose members changed (compared with the snapshot's), a week
whose related reading was worked out again (stories.Stories.fresh) or a name that gained or lost its page:
every other article keeps the page fingerprint the snapshot holds, without working it out again.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .group import Site
from .jobs import Entry
from .model import DIGEST, SORT_KEY, Article
from .slugs import slug_or

TermId = tuple[str, str]   # (listing kind: topic, source, person, place, organisation; term slug)
Key = tuple[dt.date, str]  # an article's (day, slug)
ENTITY_KINDS = {"people": "person", "places": "place", "organisations": "organisation"}


@dataclass(frozen=True)
class Snapshot:
    """The published articles of a build, as the next build compares them."""

    salt: str                     # the settings the build planned under (pipeline._output_salt)
    published: dict[str, str]     # digest -> content path, every published article
    hidden: frozenset[str]        # digests of published articles not shown (other copies of a story)
    copies: dict[Key, str] = field(default_factory=dict)    # clustered article -> its story's copies (digests)
    threads: dict[Key, str] = field(default_factory=dict)   # threaded article -> its thread (id and length)
    paged: frozenset[tuple[str, str]] = frozenset()         # names (as written) that have a page
    pages: dict[str, Entry] = field(default_factory=dict)   # digest -> its page's job entry (filled by planning)


def snapshot(site: Site, salt: str) -> Snapshot:
    shown = {a.digest for a in site.shown}
    copies: dict[Key, str] = {}
    for story in {id(s): s for s in site.stories.story.values()}.values():
        printed = ",".join([a.digest for a in story.copies])
        copies.update(((a.day, a.slug), printed) for a in story.copies)
    threads = {k: f"{t.id}|{len(t.articles)}" for k, t in site.stories.thread.items()}
    return Snapshot(salt, {a.digest: a.path for a in site.articles},
                    frozenset(a.digest for a in site.articles if a.digest not in shown), copies, threads,
                    site.paged)


def terms_of(art: Article) -> Iterable[TermId]:
    """Every listing term an article can appear in."""
    for topic in art.topics:
        yield ("topic", topic)
    if art.source:
        yield ("source", slug_or(art.source))
    for family, name in art.entities:
        if family in ENTITY_KINDS:
            yield (ENTITY_KINDS[family], slug_or(name))


def moved(site: Site, now: Snapshot, last: Snapshot | None, origin: Mapping[str, Any]) -> list[Article] | None:
    """The articles that came, went (as last read) or changed their shown copy between the build that took
    `last` and this one (`now`, of `site`); None when that cannot be told (no snapshot, other settings, or a
    departed article whose record is gone)."""
    if last is None or last.salt != now.salt:
        return None
    came = now.published.keys() - last.published.keys()
    flipped = (now.hidden ^ last.hidden) & now.published.keys()   # shown then and hidden now, or the reverse
    wanted = came | flipped   # then the articles of those digests, in order, in C-level passes
    out = list(itertools.compress(site.articles, map(wanted.__contains__, map(DIGEST, site.articles))))
    for gone in last.published.keys() - now.published.keys():
        entry = origin.get(last.published[gone])
        if entry is None:
            return None
        out.append(entry.loaded.article)   # as last read: the same topics, source and names as published
    return out


SortKey = tuple[dt.datetime, str]   # an article's place in a listing (model.SORT_KEY)


@dataclass(frozen=True)
class Since:
    """What changed between the last build (`last`, None when there was none) and this one (`now`)."""

    now: Snapshot
    last: Snapshot | None
    terms: dict[TermId, list[SortKey]] | None   # see places()
    articles: set[Key] | None                   # see restless()


def since(site: Site, now: Snapshot, last: Snapshot | None, origin: Mapping[str, Any]) -> Since:
    changed = moved(site, now, last, origin)
    return Since(now, last, None if changed is None else places(changed), restless(site, now, last, changed))


def touched(site: Site, now: Snapshot, last: Snapshot | None, origin: Mapping[str, Any]) -> set[TermId] | None:
    """The terms whose articles may have changed since the build that took `last` (None: any)."""
    changed = moved(site, now, last, origin)
    return None if changed is None else set(places(changed))


def places(changed: Iterable[Article]) -> dict[TermId, list[SortKey]]:
    """Each term an article of `changed` (see moved()) is in, with the places in its listing where they came
    or went: a listing's articles older than all of them are as they were."""
    out: dict[TermId, list[SortKey]] = {}
    for art in changed:
        at = SORT_KEY(art)
        for term in terms_of(art):
            out.setdefault(term, []).append(at)
    return out


def restless(site: Site, now: Snapshot, last: Snapshot | None, changed: list[Article] | None) -> set[Key] | None:
    """The articles whose page may show something else than at the build that took `last`, given the
    articles that `changed` since (None: any)."""
    if changed is None or last is None or site.stories.fresh is None:
        return None
    out = {(a.day, a.slug) for a in changed} | site.stories.fresh
    for art in changed:   # its neighbours, where it now is or where it was
        chain = site.chains.get(art.topics[0] if art.topics else "", ())
        at = bisect.bisect_left(chain, SORT_KEY(art), key=SORT_KEY)
        out.update((a.day, a.slug) for a in chain[max(0, at - 1):at + 2])
    for old, new in ((last.copies, now.copies), (last.threads, now.threads)):
        out.update(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
    flipped = last.paged ^ now.paged
    if flipped:
        out.update((a.day, a.slug) for a in site.articles if not flipped.isdisjoint(a.entities))
    return out
