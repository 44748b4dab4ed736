"""What changed since the last build, seen from the listings: `Site` + the last build's `Snapshot` -> the
terms (topics, sources, names) whose articles may differ.

An article touches a term when it came or went (a new file, an edit, a deletion, a draft published, a slug
suffix moved: each is a new digest), or when it became or stopped being its story's shown copy (editions,
topics and names list one copy per story). A term no article touched has exactly the articles, in the same
order, that it had last time, so its listing pages are planned from memory (jobs.Plans) without walking its
articles again: at 100,000 articles that is two million digests not joined per rebuild.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .group import Site
from .model import Article
from .slugs import slug_or

TermId = tuple[str, str]   # (listing kind: topic, source, person, place, organisation; term slug)
ENTITY_KINDS = {"people": "person", "places": "place", "organisations": "organisation"}


@dataclass(frozen=True)
class Snapshot:
    """The published articles of a build, as the next build compares them."""

    salt: str                     # the settings the build planned under (pipeline._output_salt)
    published: dict[str, str]     # digest -> content path, every published article
    hidden: frozenset[str]        # digests of published articles not shown (other copies of a story)


def snapshot(site: Site, salt: str) -> Snapshot:
    shown = {a.digest for a in site.shown}
    return Snapshot(salt, {a.digest: a.path for a in site.articles},
                    frozenset(a.digest for a in site.articles if a.digest not in shown))


def terms_of(art: Article) -> Iterable[TermId]:
    """Every listing term an article can appear in."""
    for topic in art.topics:
        yield ("topic", topic)
    if art.source:
        yield ("source", slug_or(art.source))
    for family, name in art.entities:
        if family in ENTITY_KINDS:
            yield (ENTITY_KINDS[family], slug_or(name))


def touched(site: Site, now: Snapshot, last: Snapshot | None, origin: Mapping[str, Any]) -> set[TermId] | None:
    """The terms whose articles may have changed between the build that took `last` and this one (`now`, of
    `site`); None when that cannot be told (no snapshot, other settings, or a departed article whose record
    is gone): plan every term."""
    if last is None or last.salt != now.salt:
        return None
    moved = [a for a in site.articles
             if a.digest not in last.published or (a.digest in now.hidden) != (a.digest in last.hidden)]
    for gone in last.published.keys() - now.published.keys():
        entry = origin.get(last.published[gone])
        if entry is None:
            return None
        moved.append(entry.loaded.article)   # as last read: the same topics, source and names as published
    return {term for art in moved for term in terms_of(art)}
