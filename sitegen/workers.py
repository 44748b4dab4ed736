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
        b, wrote = _place(_JOBS[i].path, _make(_JOBS[i]), _SINK)
        nbytes, nwritten = nbytes + b, nwritten + wrote   # a tree job (a folder of files) counts once
    return len(indices), nbytes, nwritten


def _place(path: str, made: bytes | dict[str, bytes], sink: Sink) -> tuple[int, bool]:
    """Hand a job's output to `sink`: (bytes written, whether anything was)."""
    nbytes, wrote = 0, False
    for sub, data in sorted(made.items() if isinstance(made, dict) else [("", made)]):
        if sink(path + sub, data):
            nbytes += len(data)
            wrote = True
    return nbytes, wrote


_EARLY: Sequence[Job] = ()   # the jobs an `Early` worker was forked with
EARLY_LIMIT = 8   # bundles an `Early` worker takes: about what it makes while a cold build plans the rest


def _make_early(i: int) -> bytes | dict[str, bytes]:
    return _make(_EARLY[i])


class Early:
    """Tree jobs (search bundles, mostly time in Pagefind) made in a forked worker while this process goes on
    planning the rest, which it does on one core: the other is otherwise idle until rendering starts. What
    they make comes back to `run`, which places it; indices are those of the jobs given, which must be the
    first jobs of the list `run` is given. It takes the first EARLY_LIMIT only: a cold build's other
    bundles are shared out among all the workers `run` starts, as one worker would finish them last."""

    def __init__(self) -> None:
        self.pending: dict[int, Any] = {}   # job index -> multiprocessing AsyncResult
        self._pool: Any = None

    def start(self, jobs: Sequence[Job], indices: Sequence[int]) -> None:
        global _EARLY
        if not indices or workers() <= 1 or "fork" not in multiprocessing.get_all_start_methods():
            return
        _EARLY = jobs
        try:
            with _forking():
                self._pool = multiprocessing.get_context("fork").Pool(1, initializer=gc.enable)
        finally:
            _EARLY = ()
        self.pending = {i: self._pool.apply_async(_make_early, (i,)) for i in indices[:EARLY_LIMIT]}

    def finish(self) -> None:
        """Let the worker end normally (its Pagefind service stops, and its time counts as the build's)."""
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None

    def stop(self) -> None:
        """End the worker now, whatever it is doing (the build failed)."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None


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


# Jobs below which `run` makes them in-process: forking the workers costs about 0.03 s, a job 1-4 ms (a feed
# the most), so the 100-150 jobs of an added article (its feeds, listing pages) gain 0.05 s from two cores.
RUN_PARALLEL = 64


def run(jobs: Sequence[Job], todo: list[int], sink: Sink,
        progress: Callable[[int, int], None] | None = None, min_parallel: int = RUN_PARALLEL,
        early: Early | None = None) -> tuple[int, int]:
    """Make the jobs at `todo` and hand each result to `sink(path, bytes)`; return (bytes, files) written.

    With more than one CPU and enough work, jobs run in forked worker processes (each inherits `jobs` and
    `sink`, so nothing but indices crosses the process boundary); elsewhere they run here, in order. Jobs
    `early` has under way are not made again: their outputs are placed here when they come.
    """
    global _JOBS, _SINK
    ahead = {i: early.pending[i] for i in todo if i in early.pending} if early else {}
    total, todo = len(todo), [i for i in todo if i not in ahead]
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
                        progress(finished, total)
                # Let the workers end normally rather than be terminated, so that what they started (a
                # Pagefind service) is stopped and waited for, and its time counts as the build's.
                pool.close()
                pool.join()
        else:
            for start in range(0, len(todo), 64):
                count, b, f = _run_chunk(todo[start:start + 64])
                finished, nbytes, nfiles = finished + count, nbytes + b, nfiles + f
                if progress:
                    progress(finished, total)
        for i, result in sorted(ahead.items()):
            b, wrote = _place(jobs[i].path, result.get(), sink)
            finished, nbytes, nfiles = finished + 1, nbytes + b, nfiles + wrote
            if progress:
                progress(finished, total)
        if early:
            early.finish()
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
