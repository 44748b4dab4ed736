"""Output jobs: what each file of the site is made from (a fingerprint) and how to make it; run in parallel.

A job's key hashes everything its bytes depend on: the sitegen version and site settings (the salt), the
template and every template it extends, includes or imports, and a fingerprint of the data it shows (article
records by their digest). Equal key, equal bytes: an incremental build re-makes only jobs whose key changed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import hashlib
import multiprocessing
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import SitegenError
from .model import Article

Make = Callable[[], "bytes | dict[str, bytes]"]


@dataclass(frozen=True)
class Job:
    """One output file: its path, the template it renders (if any), its data fingerprint and its maker.

    A *tree* job's path ends with "/" and its maker returns {relative path: bytes}: a folder of files made
    together (a search index bundle), replaced as a whole when its key changes.
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
    digest = hashlib.blake2b("\x1f".join(out).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    _MEMO[id(obj)] = (obj, digest)
    return digest


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
    return hashlib.blake2b("\x1f".join(out).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


PlanEntry = tuple[tuple[str, "str | None", str], ...]   # (path, template, fingerprint) of a group's jobs


class Plans:
    """The jobs of page groups (a topic's, a source's, a person's pages), remembered between builds by a
    digest of everything the group is made from: a group whose key is unchanged is not planned again, its
    jobs come back with the paths and fingerprints it had. Such a job is made (should a template or the
    output have changed) by planning its group again then. Keys include `salt`, the settings, taxonomy and
    sitegen code of the build, so nothing made under other settings is ever reused."""

    def __init__(self, salt: str, old: dict[str, PlanEntry] | None = None) -> None:
        self.salt, self.old, self.new = salt, old or {}, dict[str, PlanEntry]()

    def group(self, key: str, plan: Callable[[], Iterable[Job]]) -> list[Job]:
        """The jobs `plan()` gives, or the remembered ones when `key` was planned by the last build."""
        digest = hashlib.blake2b(f"{self.salt}\x1f{key}".encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
        hit = self.old.get(digest)
        if hit is None:
            made = list(plan())
            self.new[digest] = tuple((j.path, j.template, j.fingerprint) for j in made)
            return made
        self.new[digest] = hit
        again = _Replan(plan)
        return [Job(path, template, fp, functools.partial(again.make, path)) for path, template, fp in hit]


class _Replan:
    """A remembered group planned again, once, when one of its jobs must be made."""

    def __init__(self, plan: Callable[[], Iterable[Job]]) -> None:
        self.plan, self.jobs = plan, dict[str, Job]()

    def make(self, path: str) -> bytes | dict[str, bytes]:
        if not self.jobs:
            self.jobs = {j.path: j for j in self.plan()}
        return self.jobs[path].make()


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
        out[name] = hashlib.blake2b(blob.encode("utf-8"), digest_size=16).hexdigest()
    return out


def key(salt: str, template_digest: str, job: Job) -> str:
    """The job's cache key."""
    return hashlib.blake2b(f"{salt}|{template_digest}|{job.fingerprint}".encode(), digest_size=16).hexdigest()


# --- running jobs: in this process, or in forked workers that inherit the job list ---------------------------
Sink = Callable[[str, bytes], bool]   # place one file; True when bytes were written (not linked)
_JOBS: Sequence[Job] = ()
_SINK: Sink | None = None


def _run_chunk(indices: list[int]) -> tuple[int, int, int]:
    """Make and place the jobs at `indices`: (how many, bytes written, files written)."""
    assert _SINK is not None
    nbytes = nwritten = 0
    for i in indices:
        made = _make(_JOBS[i])
        files = made.items() if isinstance(made, dict) else [("", made)]
        wrote = False
        for sub, data in sorted(files):
            if _SINK(_JOBS[i].path + sub, data):
                nbytes += len(data)
                wrote = True
        nwritten += wrote   # outputs are counted by job: a tree job (a folder of files) counts once
    return len(indices), nbytes, nwritten


def _make(job: Job) -> bytes | dict[str, bytes]:
    """Run one job; a template error becomes a SitegenError naming the template, line and output, which
    (unlike Jinja's exceptions) survives the trip back from a worker process intact."""
    import jinja2

    try:
        return job.make()
    except jinja2.TemplateSyntaxError as exc:
        where = f"{exc.filename or exc.name or job.template}:{exc.lineno}"
        raise SitegenError(f"{where}: {exc.message} (while rendering {job.path})") from None
    except jinja2.TemplateError as exc:
        raise SitegenError(f"{job.template or 'template'}: {exc} (while rendering {job.path})") from None


@contextlib.contextmanager
def _forking() -> Iterator[None]:
    """Around forking workers: move every object the parent holds out of the garbage collector's reach
    (gc.freeze), so that collections in a worker do not write to, and so copy, the pages the parent's records
    live on; each worker then shares them instead of holding its own copy."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextlib.contextmanager
def gc_quiet() -> Iterator[Callable[[], None]]:
    """Cyclic garbage collection kept off a build's big, long-lived heap.

    Reading and planning allocate millions of acyclic objects (records, groups, jobs) that live until the
    build ends; each full collection would walk them all again (a fifth of a one-article rebuild). The
    collector is off until the caller calls the function this yields, which freezes what exists then (never
    scanned again, and not copied into forked workers by a collection there) and turns the collector back
    on for rendering, which makes short-lived cycles. Leaving thaws it all, so a long-running `serve` can
    still collect the build's heap later."""
    was = gc.isenabled()
    gc.disable()

    def settle() -> None:
        gc.freeze()
        if was:
            gc.enable()
    try:
        yield settle
    finally:
        gc.unfreeze()
        if was:
            gc.enable()


def workers() -> int:
    """How many processes to render with: SITEGEN_JOBS, else the CPUs this process may use."""
    env = os.environ.get("SITEGEN_JOBS", "").strip()
    if re.fullmatch(r"[0-9]+", env):
        return max(1, int(env))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def run(jobs: Sequence[Job], todo: list[int], sink: Sink,
        progress: Callable[[int, int], None] | None = None, min_parallel: int = 400) -> tuple[int, int]:
    """Make the jobs at `todo` and hand each result to `sink(path, bytes)`; return (bytes, files) written.

    With more than one CPU and enough work, jobs run in forked worker processes (each inherits `jobs` and
    `sink`, so nothing but indices crosses the process boundary); elsewhere they run here, in order.
    """
    global _JOBS, _SINK
    _JOBS, _SINK = jobs, sink
    nbytes = nfiles = finished = 0
    n = workers()
    try:
        if n > 1 and len(todo) >= min_parallel and "fork" in multiprocessing.get_all_start_methods():
            size = max(16, min(256, len(todo) // (n * 8) or 1))
            chunks = [todo[i:i + size] for i in range(0, len(todo), size)]
            with _forking(), multiprocessing.get_context("fork").Pool(n, initializer=gc.enable) as pool:
                results = pool.imap_unordered(_run_chunk, chunks)
                for count, b, f in results:
                    finished, nbytes, nfiles = finished + count, nbytes + b, nfiles + f
                    if progress:
                        progress(finished, len(todo))
        else:
            for start in range(0, len(todo), 64):
                count, b, f = _run_chunk(todo[start:start + 64])
                finished, nbytes, nfiles = finished + count, nbytes + b, nfiles + f
                if progress:
                    progress(finished, len(todo))
    finally:
        _JOBS, _SINK = (), None
    return nbytes, nfiles


def map_parallel(func: Callable[[Any], Any], items: Sequence[Any], min_parallel: int = 400) -> list[Any]:
    """`[func(x) for x in items]`, in forked workers when there is enough work (order kept)."""
    n = workers()
    if n <= 1 or len(items) < min_parallel or "fork" not in multiprocessing.get_all_start_methods():
        return [func(x) for x in items]
    size = max(16, min(512, len(items) // (n * 8) or 1))
    with _forking(), multiprocessing.get_context("fork").Pool(n, initializer=gc.enable) as pool:
        return pool.map(func, items, chunksize=size)
