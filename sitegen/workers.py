"""Running jobs: in this process, or in forked workers that inherit the job list (nothing but indices
crosses the process boundary); and how a build keeps the garbage collector off its long-lived heap."""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .errors import SitegenError
from .jobs import Job

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
    live on; each worker then shares them instead of holding its own copy. Inside `gc_quiet`, whose heap is
    frozen already, what is frozen stays frozen: `gc_quiet` thaws it when the build ends."""
    frozen_before = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        yield
    finally:
        if not frozen_before:
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
    # A tree job (a search bundle) spends most of its time in its own Pagefind process: even a small rebuild
    # runs it in a worker of its own, beside the rest, rather than before them.
    trees = [i for i in todo if jobs[i].tree]
    try:
        if (n > 1 and (len(todo) >= min_parallel or (trees and len(todo) > len(trees)))
                and "fork" in multiprocessing.get_all_start_methods()):
            rest = [i for i in todo if not jobs[i].tree]
            size = max(16, min(256, len(rest) // (n * 8) or 1))
            chunks = [[i] for i in trees] + [rest[i:i + size] for i in range(0, len(rest), size)]
            with _forking(), multiprocessing.get_context("fork").Pool(n, initializer=gc.enable) as pool:
                results = pool.imap_unordered(_run_chunk, chunks)
                for count, b, f in results:
                    finished, nbytes, nfiles = finished + count, nbytes + b, nfiles + f
                    if progress:
                        progress(finished, len(todo))
                # Let the workers end normally rather than be terminated, so that what they started (a
                # Pagefind service) is stopped and waited for, and its time counts as the build's.
                pool.close()
                pool.join()
        else:
            for start in range(0, len(todo), 64):
                count, b, f = _run_chunk(todo[start:start + 64])
                finished, nbytes, nfiles = finished + count, nbytes + b, nfiles + f
                if progress:
                    progress(finished, len(todo))
    finally:
        _JOBS, _SINK = (), None
    return nbytes, nfiles


MIN_PARALLEL = 400   # items below which map_parallel works in-process


def map_parallel(func: Callable[[Any], Any], items: Sequence[Any], min_parallel: int = MIN_PARALLEL) -> list[Any]:
    """`[func(x) for x in items]`, in forked workers when there is enough work (order kept)."""
    n = workers()
    if n <= 1 or len(items) < min_parallel or "fork" not in multiprocessing.get_all_start_methods():
        return [func(x) for x in items]
    size = max(16, min(512, len(items) // (n * 8) or 1))
    with _forking(), multiprocessing.get_context("fork").Pool(n, initializer=gc.enable) as pool:
        return pool.map(func, items, chunksize=size)
