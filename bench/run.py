"""Benchmark sitegen at newsroom scale: ingest, cold build, no-change rebuild, add-one and edit-one rebuilds.

    .venv/bin/python bench/run.py --sizes 1000,10000            # sitegen only
    .venv/bin/python bench/run.py --sizes 10000 --compare       # also Hugo and Pelican, same corpus, same run

Each step runs `sitegen` in a fresh process and records wall time, CPU time (user+sys of the whole process
tree), peak RSS (largest process, and all processes together, sampled from /proc), pages written and bytes
written (from `--report`). Corpora come from bench/corpus.py (deterministic). Results print as a Markdown
table; `--out FILE` also writes them with the machine description.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from corpus import DAYS, START, article, generate


@dataclass
class Step:
    name: str
    wall: float = 0.0
    cpu: float = 0.0
    rss_max: int = 0        # bytes, largest single process
    rss_tree: int = 0       # bytes, all processes at once
    written: int | None = None
    unchanged: int | None = None
    bytes_written: int | None = None
    extra: dict = field(default_factory=dict)


def _hwm(pid: int) -> int:
    """Peak resident memory (VmHWM) of one process, in bytes."""
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _tree_rss(root: int) -> tuple[int, int]:
    """(resident memory of `root` and all its descendants now, largest peak of any one of them), in bytes."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            pid, ppid = int(entry), int(fields[1])
            rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
            children.setdefault(ppid, []).append(pid)
        except (OSError, IndexError, ValueError):
            continue
    total, peak, stack = 0, 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        peak = max(peak, _hwm(pid))
        stack.extend(children.get(pid, []))
    return total, peak


# On ext4 without a journal (this benchmark's VM), a new file or folder skips every inode freed in the last
# 30-35 s ("recently_deleted" in the kernel's ialloc.c), so creating files right after deleting a big tree
# costs up to 3x as much: a cold build measured just after removing the previous run's site paid for that
# removal, and whichever tool happened to follow a big delete looked slower. Every deletion the benchmark
# makes goes through remove_tree(), and measure() first waits until the last one is SETTLE seconds old.
SETTLE = 40.0
_last_delete = [float("-inf")]


def remove_tree(path: Path) -> None:
    """Delete a folder the benchmark made (if there), remembering when, for settle()."""
    if path.exists():
        shutil.rmtree(path, ignore_errors=True)
        _last_delete[0] = time.monotonic()


def settle() -> None:
    """Wait until the benchmark's last deletion is SETTLE seconds old (see above)."""
    wait = _last_delete[0] + SETTLE - time.monotonic()
    if wait > 0:
        print(f"bench: waiting {wait:.0f} s for the file system to settle after a deletion", flush=True)
        time.sleep(wait)


def measure(name: str, cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> Step:
    """Run one command, sampling its process tree's memory; fail loudly if it fails."""
    settle()
    step = Step(name)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = [0, 0]
    done = threading.Event()

    def sample() -> None:
        # ru_maxrss of the child would include the parent's memory at fork; sample the tree itself instead.
        while not done.is_set():
            total, largest = _tree_rss(proc.pid)
            peak[0], peak[1] = max(peak[0], total), max(peak[1], largest)
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    step.wall = time.perf_counter() - start
    done.set()
    sampler.join()
    step.cpu = usage.ru_utime + usage.ru_stime
    step.rss_max = peak[1]
    step.rss_tree = max(peak[0], peak[1])
    if proc.returncode not in (0,):
        raise SystemExit(f"{name}: {' '.join(cmd)} exited {proc.returncode}\n{out.decode(errors='replace')[-3000:]}")
    return step


def _report(step: Step, path: Path) -> Step:
    data = json.loads(path.read_text(encoding="utf-8"))
    counts = data["counts"]
    step.written, step.unchanged = counts.get("written"), counts.get("unchanged")
    step.bytes_written = counts.get("bytes_written")
    return step


def sitegen_steps(n: int, work: Path, repeat: int = 1) -> list[Step]:
    """The five measured steps for a corpus of `n` articles; each rebuild step `repeat` times (see _median)."""
    import random

    sitegen = [sys.executable, "-m", "sitegen.cli"]
    compile_sitegen()
    corpus = work / f"corpus-{n}"
    if not (corpus / f"{n - 1:06d}.txt").exists():
        generate(n, corpus)
    site = work / f"site-{n}"
    remove_tree(site)
    subprocess.run([*sitegen, "new", str(site)], check=True, stdout=subprocess.DEVNULL)
    remove_tree(site / "content" / "articles")
    report = work / "report.json"
    steps = [measure("ingest", [*sitegen, "--site", str(site), "-q", "ingest", str(corpus)])]
    build = [*sitegen, "--site", str(site), "-q", "build", "--report", str(report)]
    steps.append(_report(measure("cold build", build), report))

    def ingest(name: str, text: str) -> None:
        new = work / name
        new.write_text(text, encoding="utf-8")
        subprocess.run([*sitegen, "--site", str(site), "-q", "ingest", str(new)], check=True)

    def backdated(i: int) -> None:   # a random date: listings after it shift, as when a late story is backfilled
        ingest("new-article.txt", article(n + 1 + 100 * i, random.Random(-1 - 100 * i)))

    def newest(i: int) -> None:      # the hourly CI case: the new article is the newest
        text = article(n + 2 + 100 * i, random.Random(-2 - 100 * i)).split("\n", 1)[1]
        day = (START + dt.timedelta(days=DAYS + 1 + i)).isoformat()
        ingest("latest-article.txt", f" date {day} {n + 2 + 100 * i}\n{text}")

    def edit(i: int) -> None:
        target = sorted((site / "content" / "articles").rglob("*.md"))[n // 2 + 37 * i]
        target.write_text(target.read_text(encoding="utf-8") + "\nAn editor added this sentence.\n", encoding="utf-8")

    for name, prepare in (("no-change rebuild", None), ("add one article", backdated),
                          ("add one newest article", newest), ("edit one article", edit)):
        steps.append(_median(name, repeat, prepare, build, report))
    return steps


def compile_sitegen() -> None:
    """Byte-compile the sitegen package being measured, as installing it does: an editable install (or a
    PYTHONPATH clone) under PYTHONDONTWRITEBYTECODE=1, as on the benchmark VM, would otherwise compile
    every module from source in every timed run (0.1-0.2 s of each rebuild)."""
    code = "import compileall, os, sitegen; compileall.compile_dir(os.path.dirname(sitegen.__file__), quiet=1)"
    subprocess.run([sys.executable, "-c", code], check=True)


def _median(name: str, repeat: int, prepare: Callable[[int], None] | None, cmd: list[str], report: Path) -> Step:
    """A rebuild step run `repeat` times, each after `prepare(i)` (a new article, another edit): the run of
    median wall time, its name giving the range. One run of a rebuild varies by about 30% on a shared VM."""
    runs = []
    for i in range(repeat):
        if prepare:
            prepare(i)
        runs.append(_report(measure(name, cmd), report))
    runs.sort(key=lambda s: s.wall)
    step = runs[len(runs) // 2]
    if repeat > 1:
        step.name = f"{name} (median of {repeat}: {runs[0].wall:.2f}-{runs[-1].wall:.2f} s)"
    return step


def table(rows: list[tuple[str, int, Step]]) -> str:
    head = ("| tool | N | step | wall s | CPU s | peak RSS MB (largest / all) | files written | MB written |\n"
            "|---|---|---|---|---|---|---|---|\n")
    lines = []
    for tool, n, s in rows:
        written = "" if s.written is None else f"{s.written:,}"
        mb = "" if s.bytes_written is None else f"{s.bytes_written / 1e6:.1f}"
        lines.append(f"| {tool} | {n:,} | {s.name} | {s.wall:.2f} | {s.cpu:.2f} | "
                     f"{s.rss_max / 1e6:.0f} / {s.rss_tree / 1e6:.0f} | {written} | {mb} |")
    return head + "\n".join(lines) + "\n"


def machine() -> str:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{platform.platform()}, Python {platform.python_version()}, {cores} cores ({cpu}), {mem:.0f} GiB RAM"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated corpus sizes")
    parser.add_argument("--work", type=Path, default=Path("/tmp/sitegen-bench"), help="scratch folder")
    parser.add_argument("--compare", action="store_true", help="also run Hugo and Pelican (bench/compare.py)")
    parser.add_argument("--tools", default="hugo,pelican",
                        help="the tools --compare runs (Pelican takes minutes a build at 100,000: --tools hugo)")
    parser.add_argument("--out", type=Path, help="write the results (Markdown) to this file")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each sitegen rebuild step this many times and report the median run")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[str, int, Step]] = []
    for n in (int(x) for x in args.sizes.split(",")):
        for step in sitegen_steps(n, args.work, max(1, args.repeat)):
            rows.append(("sitegen", n, step))
            print(table([rows[-1]]).splitlines()[-1], flush=True)
        if args.compare:
            from compare import compare_steps
            for tool, step in compare_steps(n, args.work / f"corpus-{n}", args.work, tuple(args.tools.split(","))):
                rows.append((tool, n, step))
                print(table([rows[-1]]).splitlines()[-1], flush=True)
    text = f"Machine: {machine()}\n\nCommand: `{' '.join(sys.argv)}`\n\n" + table(rows)
    text += "".join(f"\n- {t} {s.name}: {s.extra['error']}" for t, _, s in rows if "error" in s.extra)
    versions = sorted({f"{t} {s.extra['version']}" for t, _, s in rows if "version" in s.extra})
    text += ("\nVersions: " + ", ".join(versions) + "\n") if versions else ""
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_NOFILE, resource.getrlimit(resource.RLIMIT_NOFILE))
    main()
