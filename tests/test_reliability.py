"""Reliability, proven end to end with real `sitegen` processes: a build killed (SIGKILL) at any point leaves the
previous public/ whole and byte-identical and the next build repairs everything; two builds never interleave
(the flock in write.build_lock); every raw file ends as exactly one article or one rejection; output is
byte-identical across hash seeds and worker counts and reads no clock but SOURCE_DATE_EPOCH; `--strict` fails
on any warning and publishes nothing.

Kill points are exact where it matters: a small wrapper (HOOK) runs the real CLI with Staging.commit or
Patch.commit paused, so the test kills the build at a known step; other kills land after a delay (a fraction of
a clean build's duration) and may fall anywhere, so they assert what must hold wherever they fall.
"""

from __future__ import annotations

import ast
import datetime as dt
import hashlib
import importlib.util
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hostile.checks import site_problems
from sitehelpers import article, write_site

from sitegen.cli import main
from sitegen.config import load_config
from sitegen.frontmatter import join
from sitegen.pipeline import build, ingest
from sitegen.write import Locked, build_lock

REPO = Path(__file__).resolve().parent.parent
RAW_FIXTURES = Path(__file__).parent / "hostile" / "raw"
CORPUS_SIZE = 2000           # hand-written articles in the kill tests' site (about 2,600 output files)
WATCHDOG = 300.0             # seconds: a hang guard for waits, never an assertion about speed
EPOCH_2026 = str(int(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp()))

# Runs the real CLI with a pause at one step of publishing: writes READY, then waits for GO (or to be killed).
HOOK = r"""
import os, sys, time
from pathlib import Path
from sitegen import outputs
from sitegen.cli import main

point, ready, go = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])

def pause():
    ready.write_text(str(os.getpid()))
    while not go.exists():
        time.sleep(0.02)

def before(cls):
    real = cls.commit
    def commit(self, build_id="", paths=()):
        pause()
        real(self, build_id, paths)
    cls.commit = commit

if point in ("staging-commit", "commit"):
    before(outputs.Staging)
if point in ("patch-commit", "commit"):
    before(outputs.Patch)
if point == "patch-mid-commit":           # two changed files moved into the output, the rest not yet
    real_commit, real_replace = outputs.Patch.commit, os.replace
    def commit(self, build_id="", paths=()):
        moved = []
        def replace(src, dst):
            real_replace(src, dst)
            if str(dst).startswith(str(self.output) + os.sep):
                moved.append(dst)
                if len(moved) == 2:
                    pause()
        os.replace = replace
        try:
            real_commit(self, build_id, paths)
        finally:
            os.replace = real_replace
    outputs.Patch.commit = commit
sys.exit(main(sys.argv[4:]))
"""


# --- running sitegen as a separate process group --------------------------------------------------------------
# Subprocesses run a snapshot of sitegen/ taken once per module (mtimes kept): outputs and caches depend on the
# package's files (versions.package_digest), so edits to sitegen/ during a run must not change what they compare.
CODE: Path = REPO


@pytest.fixture(scope="module", autouse=True)
def frozen_code(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    global CODE
    root = tmp_path_factory.mktemp("code")
    shutil.copytree(REPO / "sitegen", root / "sitegen", ignore=shutil.ignore_patterns("__pycache__"))
    CODE = root
    yield root
    CODE = REPO


@dataclass
class Run:
    """One `sitegen` process (its own process group) and where its output goes."""

    proc: subprocess.Popen[bytes]
    log: Path
    ready: Path
    go: Path

    def out(self) -> str:
        return (self.log.with_suffix(".out")).read_text(encoding="utf-8")

    def err(self) -> str:
        return (self.log.with_suffix(".err")).read_text(encoding="utf-8")

    def wait(self) -> int:
        return self.proc.wait(timeout=WATCHDOG)

    def kill(self, whole_group: bool = True) -> None:
        """SIGKILL the build (and its forked workers, unless only the main process is to die)."""
        if whole_group:
            os.killpg(self.proc.pid, signal.SIGKILL)
        else:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=WATCHDOG)

    def until(self, condition: Callable[[], bool], what: str) -> None:
        """Wait until `condition` holds while the process is still running."""
        deadline = time.monotonic() + WATCHDOG
        while not condition():
            if self.proc.poll() is not None:
                pytest.fail(f"sitegen exited ({self.proc.returncode}) before {what}:\n{self.out()}\n{self.err()}")
            if time.monotonic() > deadline:
                self.kill()
                pytest.fail(f"watchdog: never saw {what}")
            time.sleep(0.02)

    def group_gone(self) -> None:
        """Wait until no process of this run's group is left (orphaned workers included)."""
        deadline = time.monotonic() + WATCHDOG
        while True:
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                return
            if time.monotonic() > deadline:
                os.killpg(self.proc.pid, signal.SIGKILL)
                pytest.fail("workers of a killed build outlived it")
            time.sleep(0.05)


_runs = 0
_started: list[Run] = []


@pytest.fixture(autouse=True)
def no_stray_builds() -> Iterator[None]:
    """After each test, end any build it started and left running (a paused hook, orphaned workers)."""
    yield
    while _started:
        run = _started.pop()
        if run.proc.poll() is None:          # still running, so its group id is surely still ours
            os.killpg(run.proc.pid, signal.SIGKILL)
            run.proc.wait()


def start(site: Path, *args: str, hook: str | None = None, env: dict[str, str | None] | None = None) -> Run:
    """Start `sitegen --site SITE ARGS...` (optionally paused by HOOK at `hook`) in its own process group;
    `env` adds variables to this process's environment (None removes one)."""
    global _runs
    _runs += 1
    log = site.parent / f"run-{_runs}"
    ready, go = log.with_suffix(".ready"), log.with_suffix(".go")
    cli = ["--site", str(site), *args]
    cmd = [sys.executable, "-c", HOOK, hook, str(ready), str(go), *cli] if hook else \
          [sys.executable, "-m", "sitegen.cli", *cli]
    merged: dict[str, str | None] = {**os.environ, "PYTHONPATH": str(CODE), **(env or {})}
    environ = {k: v for k, v in merged.items() if v is not None}
    with open(log.with_suffix(".out"), "wb") as out, open(log.with_suffix(".err"), "wb") as err:
        proc = subprocess.Popen(cmd, cwd=site.parent, env=environ, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    _started.append(Run(proc, log, ready, go))
    return _started[-1]


def sitegen(site: Path, *args: str, env: dict[str, str | None] | None = None, expect: int = 0) -> Run:
    """Run sitegen to the end; check its exit code."""
    run = start(site, *args, env=env)
    assert run.wait() == expect, run.err()
    run.group_gone()
    return run


def digests(public: Path) -> dict[str, str]:
    """Every file of an output folder (hidden ones too) -> a digest of its bytes."""
    if not public.exists():
        return {}
    return {p.relative_to(public).as_posix(): hashlib.blake2b(p.read_bytes(), digest_size=16).hexdigest()
            for p in sorted(public.rglob("*")) if p.is_file()}


def leftovers(site: Path) -> list[str]:
    """Staging or old trees and journals a finished build must not leave behind."""
    return sorted([p.name for p in site.glob(".public.*")] + [p.name for p in (site / ".sitegen").glob("publish-*")])


def lock_is_free(site: Path) -> bool:
    try:
        with build_lock(site / ".sitegen", wait=False):
            return True
    except Locked:
        return False


# --- a site of a few thousand hand-written articles ----------------------------------------------------------
TOPICS = ["politics", "economy-business", "sport", "science-technology", "health", "conflict", "weather"]
WORDS = ["market", "minister", "team", "vote", "storm", "court", "film", "troops", "vaccine", "satellite", "profit", "goal", "election", "harvest", "bridge", "river", "summit", "council", "ferry", "museum"]


def corpus(site: Path, n: int, seed: int = 7) -> None:
    """`n` deterministic hand-written articles over a year, several topics and sources."""
    rng = random.Random(seed)
    for i in range(n):
        day = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(366))
        meta = {"title": " ".join(rng.choice(WORDS) for _ in range(6)).capitalize() + f" {i}",
                "date": f"{day.isoformat()}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00+00:00",
                "id": f"w{i}", "source": rng.choice(["AP", "Reuters", "AFP", "BBC", "NHK"]),
                "topics": rng.sample(TOPICS, rng.randint(1, 2))}
        body = "\n\n".join(" ".join(rng.choice(WORDS) for _ in range(50)).capitalize() + "." for _ in range(3))
        path = site / "content" / "articles" / f"{day:%Y/%m/%d}" / f"a{i:05d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(join(meta, body), encoding="utf-8")


def retitle(site: Path, title: str) -> None:
    """A site-wide change: every page shows the site title."""
    text = (site / "site.yaml").read_text(encoding="utf-8")
    (site / "site.yaml").write_text(text.replace("title: Test digest", f"title: {title}"), encoding="utf-8")


def edit_three(site: Path) -> None:
    """A few-article change: the next build patches the output in place."""
    for path in sorted((site / "content" / "articles").rglob("*.md"))[100:103]:
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("title: ", "title: Corrected ", 1) + "\nA correction was added.\n",
                        encoding="utf-8")


def clean_build(tmp: Path, source: Path) -> tuple[dict[str, str], float]:
    """Build a copy of `source`'s settings and content from nothing: (digests, seconds it took)."""
    site = tmp / "site"
    site.mkdir(parents=True)
    shutil.copy2(source / "site.yaml", site / "site.yaml")
    shutil.copytree(source / "content", site / "content")
    started = time.monotonic()
    sitegen(site, "build", "-q")
    return digests(site / "public"), time.monotonic() - started


@dataclass
class Corpus:
    site: Path              # built once; tests work on copies
    v1: dict[str, str]      # its public/
    v2: dict[str, str]      # a clean build after `retitle` (every page changes: a full Staging build)
    v2_seconds: float
    v3: dict[str, str]      # a clean build after `edit_three` (a few pages change: a Patch)


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    site = write_site(tmp_path_factory.mktemp("corpus") / "site")
    corpus(site, CORPUS_SIZE)
    sitegen(site, "build", "-q")
    v2_source = tmp_path_factory.mktemp("v2-source") / "site"
    shutil.copytree(site, v2_source, ignore=shutil.ignore_patterns("public", ".sitegen"))
    retitle(v2_source, "Test digest, second edition")
    v2, seconds = clean_build(tmp_path_factory.mktemp("v2-clean"), v2_source)
    v3_source = tmp_path_factory.mktemp("v3-source") / "site"
    shutil.copytree(site, v3_source, ignore=shutil.ignore_patterns("public", ".sitegen"))
    edit_three(v3_source)
    v3, _ = clean_build(tmp_path_factory.mktemp("v3-clean"), v3_source)
    v1 = digests(site / "public")
    assert len(v1) > 2000 and v1 != v2 and v1 != v3
    return Corpus(site, v1, v2, seconds, v3)


def copy_of(big: Corpus, tmp_path: Path) -> Path:
    """A private copy of the built corpus site (mtimes kept, so its build cache stays valid)."""
    site = tmp_path / "site"
    shutil.copytree(big.site, site, symlinks=True)
    return site


# --- killed builds -----------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_full_build_killed_anywhere_leaves_public_whole_and_the_next_build_repairs_it(
        big: Corpus, tmp_path: Path) -> None:
    site = copy_of(big, tmp_path)
    retitle(site, "Test digest, second edition")
    shutil.rmtree(site / ".sitegen" / "cache")           # no cache to trust: a whole new tree (Staging)

    # 1. Killed with the complete new tree staged, just before the swap: public/ is exactly the old site.
    run = start(site, "build", "-q", hook="staging-commit")
    run.until(run.ready.exists, "Staging.commit")
    assert digests(site / "public") == big.v1 and len(list(site.glob(".public.staging-*"))) == 1
    run.kill()
    assert digests(site / "public") == big.v1 and lock_is_free(site)

    # 2. Killed after delays, wherever that lands (reading, rendering in forked workers, swapping, cleaning up):
    #    public/ is always one whole site, the previous one or the new one, never a mix.
    previous, seen = big.v1, []
    for fraction, whole_group in ((0.3, True), (0.7, False)):   # the second kills the main process only
        run = start(site, "build", "-q")
        time.sleep(fraction * big.v2_seconds)
        run.kill(whole_group)
        run.group_gone()                                          # orphaned workers exit on their own
        now = digests(site / "public")
        assert now in (previous, big.v2), f"public/ mixes two builds after a kill at {fraction:.0%}"
        seen.append("new" if now == big.v2 else "old")
        previous = now
        assert lock_is_free(site)
    print(f"kills after delays left public/ as: {seen}")

    # 3. The next build succeeds and equals a clean build; nothing is left behind.
    run = sitegen(site, "build", "-q")
    assert digests(site / "public") == big.v2 and leftovers(site) == [] and run.err() == ""


@pytest.mark.slow
def test_incremental_build_killed_before_its_commit_leaves_public_untouched(big: Corpus, tmp_path: Path) -> None:
    site = copy_of(big, tmp_path)
    edit_three(site)
    run = start(site, "build", "-q", hook="patch-commit")
    run.until(run.ready.exists, "Patch.commit")             # reached: this build patches in place
    assert not (site / ".sitegen" / "publish-journal").exists()
    run.kill()
    assert digests(site / "public") == big.v1 and lock_is_free(site)
    report = site.parent / "report.json"
    sitegen(site, "build", "-q", "--report", str(report))
    counts = json.loads(report.read_text(encoding="utf-8"))["counts"]
    assert 0 < counts["rendered"] < 200                     # still a patch: the kill cost nothing
    assert digests(site / "public") == big.v3 and leftovers(site) == []


@pytest.mark.slow
def test_incremental_commit_killed_midway_is_detected_and_rebuilt_whole(big: Corpus, tmp_path: Path) -> None:
    site = copy_of(big, tmp_path)
    edit_three(site)
    run = start(site, "build", "-q", hook="patch-mid-commit")
    run.until(run.ready.exists, "two files moved by Patch.commit")
    run.kill()
    # The documented window: a patch commit moves files one by one, so public/ now mixes the two builds and the
    # journal says so. The next build must not trust it: it rebuilds the whole tree.
    assert (site / ".sitegen" / "publish-journal").is_file()
    mixed = digests(site / "public")
    assert mixed not in (big.v1, big.v3)
    differ = [k for k in set(mixed) | set(big.v1) if mixed.get(k) != big.v1.get(k)]
    assert len([k for k in differ if not k.startswith("pagefind/")]) == 2
    for month in {k.split("/")[1] for k in differ if k.startswith("pagefind/")}:   # search bundles: swapped whole
        inside = f"pagefind/{month}/"
        assert {k: v for k, v in mixed.items() if k.startswith(inside)} == \
            {k: v for k, v in big.v3.items() if k.startswith(inside)}
    report = site.parent / "report.json"
    sitegen(site, "build", "-q", "--report", str(report))
    counts = json.loads(report.read_text(encoding="utf-8"))["counts"]
    assert counts["rendered"] == counts["pages"]
    assert digests(site / "public") == big.v3 and leftovers(site) == []


def test_first_build_killed_leaves_no_public_folder(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site")
    corpus(site, 30)
    run = start(site, "build", "-q", hook="staging-commit")
    run.until(run.ready.exists, "Staging.commit")
    run.kill()
    assert not (site / "public").exists() and lock_is_free(site)
    sitegen(site, "build", "-q")
    assert (site / "public" / "index.html").is_file() and leftovers(site) == []
    assert site_problems(site / "public") == []


# --- two builds at once ---------------------------------------------------------------------------------------------
def _blocked_on_lock(pid: int) -> bool:
    """Whether `pid` sleeps waiting for an flock: a '->' line in /proc/locks, or its kernel wait channel."""
    waiting = any(line.split()[1] == "->" and line.split()[5] == str(pid) for line in
                  Path("/proc/locks").read_text().splitlines() if len(line.split()) > 5)
    try:
        channel = Path(f"/proc/{pid}/wchan").read_text()
    except OSError:
        channel = ""
    return waiting or channel in ("locks_lock_inode_wait", "flock_lock_inode_wait")


def _small_site(tmp_path: Path, name: str = "site") -> Path:
    site = write_site(tmp_path / name)
    corpus(site, 40)
    sitegen(site, "build", "-q")
    return site


def test_a_second_build_waits_for_the_first_and_both_publish_whole_sites(tmp_path: Path) -> None:
    site = _small_site(tmp_path)
    before = digests(site / "public")
    article(site, "articles/2024/12/31/first.md", "title: Read by the first build\ndate: 2024-12-31")
    first = start(site, "build", hook="commit")
    first.until(first.ready.exists, "the first build's commit")
    article(site, "articles/2024/12/31/second.md", "title: Read by the second build\ndate: 2024-12-31")
    second = start(site, "build")
    second.until(lambda: _blocked_on_lock(second.proc.pid), "the second build blocked on the lock")
    # While the first holds the lock, the second has read and written nothing.
    assert digests(site / "public") == before
    assert len(list(site.glob(".public.staging-*"))) == 1       # the first build's, complete and waiting
    first.go.touch()
    assert first.wait() == 0 and second.wait() == 0, first.err() + second.err()
    assert "build: 41 articles" in first.out() and "build: 42 articles" in second.out()
    expected, _ = clean_build(tmp_path / "clean", site)
    assert digests(site / "public") == expected and leftovers(site) == []


def test_a_waiting_build_says_so(tmp_path: Path) -> None:
    site = _small_site(tmp_path)
    article(site, "articles/2024/12/31/first.md", "title: New\ndate: 2024-12-31")
    first = start(site, "build", hook="commit")
    first.until(first.ready.exists, "the first build's commit")
    second = start(site, "build")
    second.until(lambda: _blocked_on_lock(second.proc.pid), "the second build blocked on the lock")
    first.go.touch()
    assert first.wait() == 0 and second.wait() == 0
    assert second.out().splitlines()[0] == (f"{site}: another sitegen build is running (pid {first.proc.pid}); "
                                            "waiting for it to finish")


def test_build_lock_refuses_or_waits_with_a_message_naming_the_holder(tmp_path: Path) -> None:
    site = _small_site(tmp_path)
    article(site, "articles/2024/12/31/first.md", "title: New\ndate: 2024-12-31")
    first = start(site, "build", "-q", hook="commit")
    first.until(first.ready.exists, "the first build's commit")
    with pytest.raises(Locked) as exc, build_lock(site / ".sitegen", wait=False):
        pass
    assert str(exc.value) == (f"{site}: another sitegen build is running (pid {first.proc.pid}); try again when "
                              "it has finished")
    messages: list[str] = []

    def on_wait(message: str) -> None:
        messages.append(message)
        first.go.touch()                  # let the first finish; this build then takes the lock

    report = build(load_config(site), on_wait=on_wait)
    assert messages == [f"{site}: another sitegen build is running (pid {first.proc.pid}); waiting for it to finish"]
    assert first.wait() == 0 and report.articles == 41 and report.skipped == []


# --- nothing lost: every raw file is one article or one rejection ------------------------------------------------
def _bench_corpus() -> Callable[[int, Path], list[Path]]:
    spec = importlib.util.spec_from_file_location("bench_corpus", REPO / "bench" / "corpus.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate


@dataclass
class Inbox:
    raw: Path
    files: list[Path]           # every raw file handed to ingest
    site: Path
    run: Run
    report: dict                # --report JSON


def _inbox(root: Path) -> tuple[Path, list[Path]]:
    raw = root / "inbox"
    _bench_corpus()(250, raw / "wire")
    shutil.copytree(RAW_FIXTURES, raw / "planted")                       # 41 hostile files
    (raw / "planted" / "again").mkdir()
    shutil.copy2(raw / "wire" / "000007.txt", raw / "planted" / "again" / "same-bytes.txt")   # a second copy
    files = sorted(p for p in raw.rglob("*.txt"))
    return raw, files


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Inbox:
    root = tmp_path_factory.mktemp("inbox")
    raw, files = _inbox(root)
    site = write_site(root / "site")
    report = root / "ingest.json"
    run = sitegen(site, "ingest", str(raw), "--report", str(report), env={"PYTHONHASHSEED": "1"}, expect=1)
    return Inbox(raw, files, site, run, json.loads(report.read_text(encoding="utf-8")))


def test_every_raw_file_ends_as_exactly_one_outcome(inbox: Inbox) -> None:
    outcomes = inbox.report["files"]
    assert sorted(o["raw"] for o in outcomes) == sorted(str(p) for p in inbox.files)      # each exactly once
    counts = inbox.report["counts"]
    assert sum(counts.values()) == len(inbox.files) == 250 + 41 + 1
    assert counts == {"converted": 250 + 28, "updated": 0, "unchanged": 2, "skipped": 1, "rejected": 11}
    lines = (inbox.site / ".sitegen" / "ingest-report.txt").read_text(encoding="utf-8").splitlines()
    per_file = [line for line in lines if line.split("\t")[0] in counts]
    assert sorted(line.split("\t")[1] for line in per_file) == sorted(str(p) for p in inbox.files)
    err = inbox.run.err().splitlines()
    for o in outcomes:
        if o["status"] == "rejected":
            assert o["reason"].startswith(o["raw"] + ":") and o["reason"] in err and not o["article"]
        else:
            assert (inbox.site / o["article"]).is_file(), o


@pytest.fixture(scope="module")
def inbox_built(inbox: Inbox, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the ingested site, built (hash seed 1, two workers)."""
    site = tmp_path_factory.mktemp("inbox-built") / "site"
    shutil.copytree(inbox.site, site)
    sitegen(site, "build", "-q", env={"SOURCE_DATE_EPOCH": EPOCH_2026, "PYTHONHASHSEED": "1", "SITEGEN_JOBS": "2"})
    return site


def test_every_converted_article_is_one_file_and_one_page(inbox: Inbox, inbox_built: Path) -> None:
    converted = sorted(o["article"] for o in inbox.report["files"] if o["status"] == "converted")
    on_disk = sorted(p.relative_to(inbox.site).as_posix() for p in (inbox.site / "content").rglob("*.md"))
    assert on_disk == converted and len(set(converted)) == len(converted)
    for rel in converted:
        path = Path(rel).relative_to("content/articles")
        page = inbox_built / "public" / path.parent / path.stem / "index.html"
        assert page.is_file() or path.parts[0] == "2999", rel      # the one future article waits for its day


def _ingest_again(inbox: Inbox, tmp_path: Path) -> tuple[Path, dict[str, str], dict[str, int]]:
    site = tmp_path / "site"
    shutil.copytree(inbox.site, site)
    before = digests(site / "content")
    report = tmp_path / "again.json"
    sitegen(site, "ingest", str(inbox.raw), "--report", str(report), expect=1)
    return site, before, json.loads(report.read_text(encoding="utf-8"))["counts"]


def test_ingest_again_adds_nothing_and_accounts_for_every_file(inbox: Inbox, tmp_path: Path) -> None:
    site, before, counts = _ingest_again(inbox, tmp_path)
    assert counts["converted"] == counts["updated"] == 0 and counts["rejected"] == 11
    assert sum(counts.values()) == len(inbox.files) and digests(site / "content") == before


LONG_FRONT_MATTER = ("intake.ContentIndex reads only the first 4,096 bytes of each article file (HEAD_BYTES), and "
                     "markup.summarize caps words, not characters: a long summary (CJK text has no spaces) pushes "
                     "provenance.raw_sha256 out of reach, so the same raw file is not recognised")


def test_ingest_again_reports_every_known_file_as_unchanged(inbox: Inbox, tmp_path: Path) -> None:
    _, _, counts = _ingest_again(inbox, tmp_path)
    assert counts == {"converted": 0, "updated": 0, "unchanged": 250 + 28 + 2, "skipped": 1, "rejected": 11}


def test_ingesting_a_long_cjk_article_twice_keeps_one_article(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site")
    sentence = "東京都は月曜日、新しい防災計画を発表した。計画では、大規模な地震に備えて避難所の数を増やす"
    raw = tmp_path / "inbox" / "tokyo.txt"
    raw.parent.mkdir()
    paragraph = sentence * 12                             # about 550 characters, no spaces
    raw.write_text(f" date 2025-07-01\n東京都が新しい防災計画を発表\n(NHK) {paragraph}\n{paragraph}\n{paragraph}\n",
                   encoding="utf-8")
    first = ingest(load_config(site), [raw]).outcomes[0]
    again = ingest(load_config(site), [raw]).outcomes[0]
    assert first.status == "converted" and (again.status, again.article) == ("unchanged", first.article)
    assert len(list((site / "content").rglob("*.md"))) == 1


# --- reproducible ----------------------------------------------------------------------------------------------------
def test_ingest_and_build_are_byte_identical_across_hash_seeds_and_worker_counts(
        inbox: Inbox, inbox_built: Path, tmp_path: Path) -> None:
    other = write_site(tmp_path / "other")
    report = tmp_path / "ingest.json"
    sitegen(other, "ingest", str(inbox.raw), "--report", str(report), env={"PYTHONHASHSEED": "2"}, expect=1)
    assert digests(other / "content") == digests(inbox.site / "content")
    again = json.loads(report.read_text(encoding="utf-8"))
    assert (again["files"], again["counts"], again["warnings"]) == (
        inbox.report["files"], inbox.report["counts"], inbox.report["warnings"])
    sitegen(other, "build", "-q", env={"SOURCE_DATE_EPOCH": EPOCH_2026, "PYTHONHASHSEED": "2", "SITEGEN_JOBS": "1"})
    built = digests(inbox_built / "public")
    assert len(built) > 500 and digests(other / "public") == built


def test_the_same_sitegen_from_another_checkout_publishes_the_same_bytes(tmp_path: Path, frozen_code: Path) -> None:
    other = tmp_path / "checkout"
    shutil.copytree(frozen_code / "sitegen", other / "sitegen", copy_function=shutil.copy)   # same files, new mtimes
    built = []
    for name, code in (("a", frozen_code), ("b", other)):
        site = write_site(tmp_path / name)
        corpus(site, 20)
        sitegen(site, "build", "-q", env={"PYTHONPATH": str(code)})
        built.append(digests(site / "public"))
    marker = ".sitegen-output"
    assert {k: v for k, v in built[0].items() if k != marker} == {k: v for k, v in built[1].items() if k != marker}
    assert built[0][marker] == built[1][marker]


CLOCK_CALLS = {"now", "today", "utcnow"}
TIME_CALLS = {"time", "time_ns", "localtime", "gmtime", "ctime", "asctime", "strftime"}


def _clock_reads() -> set[tuple[str, str, str]]:
    """(module, function, call) of every wall-clock read in sitegen/ (durations via perf_counter do not count)."""
    found = set()
    for path in sorted((CODE / "sitegen").glob("*.py")):        # the snapshot the module runs
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                    name, owner = node.func.attr, node.func.value
                    if name in CLOCK_CALLS or (name in TIME_CALLS and isinstance(owner, ast.Name)
                                               and owner.id == "time"):
                        found.add((path.stem, fn.name, name))
    return found


def test_the_build_reads_the_clock_only_through_source_date_epoch() -> None:
    # The one clock read decides which articles are still in the future, and honours SOURCE_DATE_EPOCH.
    assert _clock_reads() == {("inputs", "build_time", "now")}


def test_source_date_epoch_decides_what_is_in_the_future(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = write_site(tmp_path / "site")
    article(site, "articles/before.md", "title: Just before\ndate: 2025-06-30T23:59:59+00:00")
    article(site, "articles/after.md", "title: Just after\ndate: 2025-07-01T00:00:01+00:00")
    midnight = int(dt.datetime(2025, 7, 1, tzinfo=dt.UTC).timestamp())
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(midnight))
    report = build(load_config(site))
    assert report.articles == 1 and report.warnings == [
        ("content/articles/after.md:2: date 2025-07-01T00:00:01+00:00 is in the future: left out until then (use "
        "--future to include it)")]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(midnight + 2))
    assert build(load_config(site)).articles == 2


def test_output_depends_on_no_clock(tmp_path: Path) -> None:
    sites = []
    for name, epoch in (("clock", None), ("epoch", EPOCH_2026), ("later", "4102444800")):   # now, 2026, 2100
        site = write_site(tmp_path / name)
        corpus(site, 60)
        sitegen(site, "build", "-q", env={"SOURCE_DATE_EPOCH": epoch})
        sites.append(digests(site / "public"))
    assert sites[0] == sites[1] == sites[2]


@pytest.mark.parametrize("value", ["soon", "-1", "1.5e9"])
def test_malformed_source_date_epoch_fails_the_build(tmp_path: Path, value: str,
                                                     capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    site = write_site(tmp_path / "site")
    article(site, "articles/a.md", "title: A\ndate: 2025-07-01")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    assert main(["--site", str(site), "build"]) == 2
    assert "SOURCE_DATE_EPOCH" in capsys.readouterr().err and not (site / "public").exists()


# --- --strict: any warning fails and publishes nothing --------------------------------------------------------------
STRICT_CASES = {
    "unknown key": ("title: Has extra\ndate: 2025-07-03\ncolour: blue",
                    ("content/articles/new.md:2: colour: unknown front matter key, ignored (known: author, date, "
                    "draft, entities, id, provenance, slug, source, summary, tags, title, topic_scores, topics, "
                    "updated, via)")),
    "unclean slug": ("title: Odd slug\ndate: 2025-07-03\nslug: ../Odd Slug",
                     "content/articles/new.md:2: slug: '../Odd Slug' is not a clean slug; using 'odd-slug'"),
    "duplicate slug": ("title: First story\ndate: 2025-07-01",
                       ("content/articles/new.md:1: slug 'first-story' already used on 2025-07-01; published as "
                       "first-story-2 (set a distinct 'slug:' to choose)")),
    "future date": ("title: Tomorrow\ndate: 2999-01-01",
                    ("content/articles/new.md:2: date 2999-01-01T00:00:00+00:00 is in the future: left out until "
                    "then (use --future to include it)")),
    "long title": ("title: " + "long " * 80 + "\ndate: 2025-07-03",
                   "content/articles/new.md:2: title: longer than 300 characters; shortened"),
    "bad article": ("title: No date", ("content/articles/new.md:2: date: missing: every article needs a "
                    "'date: YYYY-MM-DD' line in its front matter")),
}


@pytest.mark.parametrize("case", sorted(STRICT_CASES))
def test_strict_fails_on_any_warning_and_publishes_nothing(tmp_path: Path, case: str,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    site = write_site(tmp_path / "site")
    article(site, "articles/first.md", "title: First story\ndate: 2025-07-01\ntopics: [politics]")
    assert main(["--site", str(site), "build", "-q"]) == 0
    before = digests(site / "public")
    capsys.readouterr()
    front, message = STRICT_CASES[case]
    article(site, "articles/new.md", front)
    assert main(["--site", str(site), "build", "--strict"]) == 1
    out, err = capsys.readouterr()
    assert err.splitlines() == [message, "build: aborted under --strict (1 problem); public/ left as it was"]
    assert out == "" and digests(site / "public") == before and leftovers(site) == []
    assert main(["--site", str(site), "build", "-q"]) == (1 if case == "bad article" else 0)   # without --strict


def test_strict_first_build_creates_no_public_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = write_site(tmp_path / "site")
    article(site, "articles/a.md", "title: A\ndate: 2025-07-01\ncolour: blue")
    assert main(["--site", str(site), "build", "--strict"]) == 1
    assert not (site / "public").exists() and leftovers(site) == []


def test_strict_ingest_fails_on_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = write_site(tmp_path / "site")
    latin1 = RAW_FIXTURES / "latin1.txt"
    assert main(["--site", str(site), "ingest", "--strict", str(latin1)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        (f"warning: {latin1}:2: not valid UTF-8 (byte 0xe9); read as Windows-1252: check the accents, or re-save "
        "the file as UTF-8")]


def test_strict_build_of_a_clean_site_succeeds(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site")
    article(site, "articles/a.md", "title: A\ndate: 2025-07-01\ntopics: [politics]")
    assert main(["--site", str(site), "build", "--strict", "-q"]) == 0
    assert main(["--site", str(site), "build", "--strict", "-q"]) == 0      # the no-change shortcut too

