"""The record the site is made of: `Article`, the light, per-article record every listing, feed and grouping
works from (front matter becomes one through coerce.py); the rendered body travels beside it (see
reading.py) so that listings never hold full texts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Self


class Article(tuple):  # type: ignore[type-arg]
    """One article as listings and feeds see it (no body): an immutable record of the fields below, then
    `day`. A tuple rather than a frozen dataclass: the build cache brings back 100,000 of these on every
    rebuild, and a tuple comes back in one C call (making a dataclass's field dict was half of loading the
    articles), holds no dict (216 bytes a record instead of 296) and reads its fields through C
    descriptors. Made like a dataclass, by keyword (`Article(path=..., title=..., ...)`); changed copies
    come from `replace`."""

    __slots__ = ()

    if TYPE_CHECKING:
        path: str                       # source file, relative to the site, for messages
        title: str
        date: dt.datetime               # aware, in the site's timezone
        slug: str
        id: str | None
        source: str | None
        via: str | None
        topics: tuple[str, ...]         # topic slugs, primary first
        topic_scores: tuple[float, ...]
        topics_by_editor: bool
        tags: tuple[str, ...]
        summary: str
        author: str | None
        updated: dt.datetime | None
        draft: bool
        words: int
        entities: tuple[tuple[str, str], ...]   # (kind, name): kind in people/places/organisations
        signature: bytes                # near-duplicate signature of the body (cluster.py)
        keywords: tuple[str, ...]       # content words of headline and summary (relations.keywords), made at load
        source_hash: str                # digest of the file's bytes: the body is part of it
        digest: str                     # digest of every field above: equal digests, equal pages
        day: dt.date                    # the edition (calendar day in the site's timezone): date.date()

    def __new__(cls, path: str, title: str, date: dt.datetime, slug: str, id: str | None = None,
                source: str | None = None, via: str | None = None, topics: tuple[str, ...] = (),
                topic_scores: tuple[float, ...] = (), topics_by_editor: bool = False, tags: tuple[str, ...] = (),
                summary: str = "", author: str | None = None, updated: dt.datetime | None = None,
                draft: bool = False, words: int = 0, entities: tuple[tuple[str, str], ...] = (),
                signature: bytes = b"", keywords: tuple[str, ...] = (), source_hash: str = "",
                digest: str = "") -> Self:
        return _NEW(cls, (path, title, date, slug, id, source, via, topics, topic_scores, topics_by_editor, tags,
                          summary, author, updated, draft, words, entities, signature, keywords, source_hash,
                          digest, date.date()))

    def replace(self, **changes: Any) -> Article:
        """This article with some fields changed (`dataclasses.replace`); `day` follows `date`."""
        values = list(self)
        for name, value in changes.items():
            if name not in _INDEX or name == "day":
                raise TypeError(f"Article has no field {name!r}")
            values[_INDEX[name]] = value
        values[-1] = values[2].date()
        return _NEW(Article, values)

    def with_digest(self) -> Article:
        """This article with `digest` computed from all its other fields."""
        # repr of the field values in order, "" for the digest itself: what dataclasses.astuple gave
        blob = repr(self[:_DIGEST_AT] + ("",)).encode("utf-8", "surrogatepass")
        return self.replace(digest=hashlib.blake2b(blob, digest_size=12).hexdigest())

    def __reduce__(self) -> tuple[Callable[[tuple[Any, ...]], Article], tuple[tuple[Any, ...]]]:
        return (restore, (tuple(self),))   # checked as it comes back (a record of another shape is refused)

    def __repr__(self) -> str:
        return "Article(" + ", ".join(f"{name}={value!r}" for name, value in zip(_FIELDS, self)) + ")"

    def __eq__(self, other: object) -> bool:
        return type(other) is Article and tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = tuple.__hash__

    @property
    def sort_key(self) -> tuple[dt.datetime, str]:
        """Chronological order; ties broken by slug."""
        return (self.date, self.slug)


_FIELDS = ("path", "title", "date", "slug", "id", "source", "via", "topics", "topic_scores", "topics_by_editor",
           "tags", "summary", "author", "updated", "draft", "words", "entities", "signature", "keywords",
           "source_hash", "digest")
_code = Article.__new__.__code__
assert _code.co_varnames[1:_code.co_argcount] == _FIELDS, "Article.__new__ and _FIELDS must list the same fields"
del _code
_INDEX = {name: i for i, name in enumerate((*_FIELDS, "day"))}
_DIGEST_AT = _INDEX["digest"]
_NEW = tuple.__new__
for _i, _name in enumerate((*_FIELDS, "day")):   # each field read by index, at C speed (as namedtuple's)
    setattr(Article, _name, property(operator.itemgetter(_i), doc=f"Field {_name!r}."))


SORT_KEY = operator.attrgetter("date", "slug")   # Article.sort_key as a sort key, at C speed
KEY = operator.attrgetter("day", "slug")         # an article's (day, slug): its URL, unique in a site
DIGEST = operator.attrgetter("digest")           # for passes over every article at C speed


def shared(art: Article, canon: dict) -> Article:
    """`art` with its repeated values (names, keywords, topics, outlet) replaced by one shared copy from
    `canon`: a name that appears in 10,000 articles is then held once, in memory and in the build cache
    (pickle keeps shared objects shared). Values are equal, so the digest does not change."""
    def one(value: Any) -> Any:
        return canon.setdefault(value, value)

    return art.replace(
        entities=one(tuple(map(one, art.entities))), keywords=one(tuple(map(one, art.keywords))),
        topics=one(tuple(map(one, art.topics))), topic_scores=one(art.topic_scores),
        tags=one(tuple(map(one, art.tags))), source=one(art.source), via=one(art.via))


def restore(values: tuple[Any, ...]) -> Article:
    """An article from its values in order, `day` last (how it pickles: `Article.__reduce__`)."""
    if type(values) is not tuple or len(values) != len(_FIELDS) + 1 or type(values[-1]) is not dt.date:
        raise ValueError("not an article record of this sitegen version")
    return _NEW(Article, values)
