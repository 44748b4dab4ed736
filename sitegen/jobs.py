"""Output jobs: what each file of the site is made from (a fingerprint) and how to make it (workers.py runs them).

A job's bytes depend on the sitegen version and site settings (the salt), its template and every template
it extends, includes or imports (template_digests), and the data it shows, which its fingerprint covers
(article records by their digest). Equal all three, equal bytes: an incremental build re-makes only jobs
where one changed (manifest.py compares them with the last build's).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple, TypeAlias

from .model import Article

Make = Callable[[], "bytes | dict[str, bytes]"]


class Job(NamedTuple):
    """One output file: its path, the template it renders (if any), its data fingerprint and its maker.

    A *tree* job's path ends with "/" and its maker returns {relative path: bytes}: a folder of files made
    together (a search index bundle), replaced as a whole when its key changes. (A named tuple: a build makes
    one per output, 200,000 at 100,000 articles, and a frozen dataclass costs four times as much to make.)
    """

    path: str
    template: str | None
    fingerprint: str
    make: Make

    @property
    def tree(self) -> bool:
        return self.path.endswith("/")


def _walk(obj: Any, out: list[str]) -> None:
    kind = type(obj)
    if kind is Article:
        out.append(obj.digest)
    elif kind in (tuple, list):
        if obj and type(obj[0]) is Article:   # a listing: its articles' digests, joined at C speed
            printed = [a.digest for a in obj if type(a) is Article]
            if len(printed) == len(obj):
                out.append("[" + " ".join(printed) + "]")
                return
        elif obj and type(obj[0]) is tuple and all(type(t) is tuple for t in obj):
            # listings of listings (each article's "also reported by" copies in a day's sections)
            lists = [[a.digest for a in t if type(a) is Article] for t in obj]
            if all(len(printed) == len(t) for printed, t in zip(lists, obj, strict=True)):
                out.append("[[" + "][".join(" ".join(printed) for printed in lists) + "]]")
                return
        out.append("[")
        for item in obj:
            _walk(item, out)
        out.append("]")
    elif kind is dict:
        out.append("{")
        for k in sorted(obj, key=repr):
            out.append(repr(k))
            _walk(obj[k], out)
        out.append("}")
    elif kind in _GROUPS:
        out.append(_group_print(obj))
    elif kind in _PLAIN:
        for f in _PLAIN[kind]:
            value = getattr(obj, f)
            if type(value) is tuple and value:
                # shared tuples (a page's feed links) are printed once per object
                hit = _MEMO.get(id(value))
                if hit is None or hit[0] is not value:
                    hit = _MEMO[id(value)] = (value, repr(value))
                out.append(hit[1])
            else:
                _walk(value, out)
    else:
        # Everything else that reaches a template is plain data (str, int, dates, PageInfo, Pager, refs,
        # chart cells): its repr is deterministic and complete.
        out.append(repr(obj))


_GROUPS: set[type] = set()
_PLAIN: dict[type, tuple[str, ...]] = {}   # value types printed field by field, tuples memoised
_MEMO: dict[int, tuple[Any, str]] = {}


def _group_print(obj: Any) -> str:
    """Fingerprint of a group of articles (a day, month, year, topic), memoised for the build."""
    hit = _MEMO.get(id(obj))
    if hit is not None and hit[0] is obj:
        return hit[1]
    out: list[str] = [type(obj).__name__]
    for f in dataclasses.fields(obj):
        _walk(getattr(obj, f.name), out)
    printed = digest("\x1f".join(out))
    _MEMO[id(obj)] = (obj, printed)
    return printed


def register_groups(*types: type) -> None:
    """Name the dataclasses that hold articles; their fingerprints are memoised per object."""
    _GROUPS.update(types)


def register_plain(*types: type) -> None:
    """Name value dataclasses printed field by field, their tuple fields once per object (page infos whose
    feed-link tuples are shared by thousands of pages)."""
    for t in types:
        _PLAIN[t] = tuple(f.name for f in dataclasses.fields(t))


def forget() -> None:
    """Drop memoised group fingerprints (at the end of a build)."""
    _MEMO.clear()


def fingerprint(*parts: Any) -> str:
    """A digest of plain data, dataclasses and articles (articles count by their own digest)."""
    out: list[str] = []
    for part in parts:
        _walk(part, out)
    return digest("\x1f".join(out))


def digest(text: str) -> str:
    """The digest of a text the build already put together (a fingerprint without walking data)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


Entry: TypeAlias = "tuple[str, str | None, str]"   # a job as remembered: (path, template, fingerprint)


def data_job(path: str, data: bytes) -> Job:
    """A job whose bytes are already known (static files, feeds rendered up front)."""
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    return Job(path, None, digest, lambda: data)


_REFERENCE = re.compile(r"""\{%-?\s*(?:extends|include|import|from)\s+["']([^"']+)["']""")


def template_digests(env: Any, names: Iterable[str]) -> dict[str, str]:
    """For each template, a digest of its source and of every template it pulls in, transitively.

    References are read from the source text (`{% extends/include/import/from "name" %}`), which is far
    cheaper than parsing; a template named by a variable cannot be followed, so a site that includes
    templates dynamically should run `build --no-cache` after editing those.
    """
    sources: dict[str, tuple[str, set[str]]] = {}

    def load(name: str) -> None:
        if name in sources:
            return
        source = env.loader.get_source(env, name)[0]
        refs = set(_REFERENCE.findall(source))
        sources[name] = (source, refs)
        for ref in refs:
            load(ref)

    out: dict[str, str] = {}
    for name in names:
        load(name)
        seen: set[str] = set()
        stack = [name]
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(sources[current][1])
        blob = "\x1e".join(f"{n}\x1f{sources[n][0]}" for n in sorted(seen))
        out[name] = digest(blob)
    return out
