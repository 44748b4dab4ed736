"""Search: calendar bundles, deterministic Pagefind output, re-indexing only what changed, and search off
(site.yaml, --no-search, serve, a missing or broken binary) with everything else built."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import re
from pathlib import Path

import pytest
from sitehelpers import article, write_site

from sitegen import cache, inputs, jobs, pagefind, pipeline, reading, search
from sitegen.cli import main, parser
from sitegen.config import load_config
from sitegen.errors import SitegenError
from sitegen.group import build_site
from sitegen.model import Article
from sitegen.render import Renderer
from sitegen.report import BuildReport
from sitegen.topics import load_taxonomy

UTC = dt.UTC
WORDS = ["market", "vote", "storm", "court", "match", "vaccine", "museum", "rocket", "harbour", "violin",
         "glacier", "tariff"]
needs_pagefind = pytest.mark.skipif(not search.probe()[0], reason=f"pagefind cannot run: {search.probe()[1]}")


def _art(slug: str, month: int, day: int, hour: int = 12) -> Article:
    return Article(path=f"{slug}.md", title=slug, date=dt.datetime(2025, month, day, hour, tzinfo=UTC),
                   slug=slug, topics=("politics",), source="AP").with_digest()


def _write(site: Path, n: int, month: int, day: int, words: str = "") -> Path:
    body = f"Report {n} on the {WORDS[n % len(WORDS)]} and the {WORDS[(n * 7) % len(WORDS)]}. {words}\n"
    front = (f"title: Story {n} {WORDS[(n * 3) % len(WORDS)]}\n"
             f"date: 2025-{month:02d}-{day:02d}T{8 + n % 10:02d}:00:00Z\n"
             f"source: {'AP' if n % 2 else 'Wire'}\n"
             f"topics: [{'politics' if n % 3 else 'economy-business'}]\n")
    return article(site, f"articles/2025/{month:02d}/{day:02d}/story-{n}.md", front, body)


def _site(root: Path, extra_yaml: str = "") -> Path:
    site = write_site(root, extra_yaml)
    for n in range(12):
        _write(site, n, 6 + n % 2, 1 + n)       # June and July
    return site


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _keys(site: Path) -> dict[str, str]:
    """Every job's fingerprint as the next build would compute it (what `_publish` compares with the last
    build's, settings and templates being the same)."""
    cfg = load_config(site)
    taxonomy = load_taxonomy(cfg.topics, cfg.topics_replace)
    articles = reading.read_articles(cfg, inputs.scan(cfg), taxonomy, cache.State("test"), BuildReport())
    site_ = build_site(articles, [t.slug for t in taxonomy.topics])
    planned = pipeline.plan(cfg, site_, Renderer(cfg, taxonomy), [])
    jobs.forget()
    return {j.path: j.fingerprint for j in planned}


@pytest.fixture
def no_pagefind(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Point Pagefind's lookup at a file that is not there."""
    missing = tmp_path / "bin" / "pagefind"
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(missing))
    return missing


def _fake_pagefind(path: Path, script: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    path.chmod(0o755)
    return path


def _crashing_pagefind(tmp_path: Path) -> Path:
    """A pagefind that reports its version, then panics when asked to index."""
    return _fake_pagefind(tmp_path / "bin" / "pagefind",
                          'if [ "$1" = --version ]; then echo "pagefind 1.5.2"; exit 0; fi\n'
                          "echo 'thread main panicked: out of memory' >&2\nexit 101\n")


# --- bundles (pure) -------------------------------------------------------------------------------------
def test_months_split_into_quarters_then_days_only_when_too_big() -> None:
    arts = [_art(f"june-{i}", 6, 1 + i % 28) for i in range(5)]                      # small: one bundle
    arts += [_art(f"july-{i}", 7, 1 + i % 10, i % 24) for i in range(30)]           # big: quarters
    arts += [_art(f"busy-{i}", 7, 9, i % 24) for i in range(4)]                     # 9 July: one busy day
    site = build_site(arts, ["politics"])
    got = {b.name: len(b.articles) for b in search.bundles(site, limit=12)}
    # 1-7 July holds 21 articles (> 12): one bundle a day; 8-14 July holds 13 (> 12): days too
    assert got == {"2025-06": 5, "2025-07-01": 3, "2025-07-02": 3, "2025-07-03": 3, "2025-07-04": 3,
                   "2025-07-05": 3, "2025-07-06": 3, "2025-07-07": 3, "2025-07-08": 3, "2025-07-09": 7,
                   "2025-07-10": 3}
    every = sorted(a.slug for b in search.bundles(site, limit=12) for a in b.articles)
    assert every == sorted(a.slug for a in arts)
    got = {b.name: len(b.articles) for b in search.bundles(site, limit=25)}
    assert got == {"2025-06": 5, "2025-07-q1": 21, "2025-07-q2": 13}
    assert [b.name for b in search.bundles(site, limit=100)] == ["2025-06", "2025-07"]


def test_adding_an_article_keeps_every_other_bundle() -> None:
    arts = [_art(f"a{i}", 7, 1 + i % 28, i % 24) for i in range(80)]
    before = {b.name: b for b in search.bundles(build_site(arts, ["politics"]), limit=30)}
    more = build_site([*arts, _art("new", 7, 20)], ["politics"])
    after = {b.name: b for b in search.bundles(more, limit=30)}
    assert [n for n in after if after[n] != before.get(n)] == ["2025-07-q3"]


def test_text_of_body_html() -> None:
    html = "<p>Tom &amp; Jerry</p>\n<ul><li>one</li><li>two &lt;3</li></ul>"
    assert search.text_of(html) == "Tom & Jerry one two <3"


# --- building -------------------------------------------------------------------------------------------
@needs_pagefind
def test_bundles_are_deterministic_and_hold_only_the_index(tmp_path: Path) -> None:
    first, second = _site(tmp_path / "a"), _site(tmp_path / "b")
    for n in range(12, 80):    # enough records for Pagefind to process them concurrently
        _write(first, n, 7, 1 + n % 28, " ".join(WORDS[: n % len(WORDS)]))
        _write(second, n, 7, 1 + n % 28, " ".join(WORDS[: n % len(WORDS)]))
    reports = [pipeline.build(load_config(s), use_cache=False) for s in (first, second)]
    assert [r.search for r in reports] == ["on", "on"] and reports[0].warnings == []
    a, b = _files(first / "public" / "pagefind"), _files(second / "public" / "pagefind")
    assert a == b and len(a) > 20
    folders = sorted({p.split("/")[0] for p in a})
    assert folders == ["2025-06", "2025-07", "main"]
    assert [p for p in a if p.startswith("2025-07/")] and all(
        search.INDEX_FILES.fullmatch(p.split("/", 1)[1]) for p in a if not p.startswith("main/"))
    assert {"main/pagefind.js", "main/pagefind-worker.js", "main/wasm.en.pagefind"} <= set(a)
    entry = json.loads(a["2025-07/pagefind-entry.json"])
    assert entry["languages"]["en"]["page_count"] == 74
    page = (first / "public" / "search" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'data-pagefind="/pagefind/main/#[0-9a-f]{12}"', page)
    assert re.search(r'data-bundles="/pagefind/2025-06/#[0-9a-f]{12} /pagefind/2025-07/#[0-9a-f]{12}"', page)
    assert '<a href="/search/">Search</a>' in (first / "public" / "index.html").read_text(encoding="utf-8")


@needs_pagefind
def test_one_pagefind_service_makes_bundle_after_bundle_with_the_same_bytes_as_a_fresh_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    started: list[list[str]] = []
    real = subprocess.Popen
    monkeypatch.setattr(subprocess, "Popen", lambda cmd, **kw: started.append(cmd) or real(cmd, **kw))
    pagefind.close_service()

    def records(prefix: str, n: int) -> list[dict]:
        return [{"url": f"/{prefix}{i}/", "content": f"{prefix} {' '.join(WORDS[: 3 + i % len(WORDS)])}",
                 "language": "en", "meta": {"title": f"{prefix} {i}"}} for i in range(n)]

    alone = pagefind.index_files(records("budget", 30), "en", search.INDEX_FILES, "a")
    pagefind.close_service()
    started.clear()
    pagefind.index_files(records("harbour", 40), "en", search.INDEX_FILES, "b")
    after = pagefind.index_files(records("budget", 30), "en", search.INDEX_FILES, "a")
    assert after == alone and len(started) == 1   # one process made both, and its second index is the same
    pagefind.close_service()


@needs_pagefind
def _tags(site: Path) -> dict[str, str]:
    page = (site / "public" / "search" / "index.html").read_text(encoding="utf-8")
    return dict(re.findall(r"/pagefind/([\w-]+)/#([0-9a-f]{12})", page))


def test_only_the_changed_month_reindexes(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _site(site)
    pipeline.build(load_config(site))
    before = _keys(site)
    tags = _tags(site)
    _write(site, 40, 7, 20)                                   # a new July article from an existing source
    after = _keys(site)
    changed = sorted(p for p in after if after[p] != before.get(p))
    assert [p for p in changed if p.startswith("pagefind/")] == ["pagefind/2025-07/"]
    assert "search/index.html" in changed                     # it counts the articles: a cheap page
    june = _files(site / "public" / "pagefind" / "2025-06")
    stamps = {p: p.stat().st_mtime_ns for p in (site / "public" / "pagefind" / "2025-06").rglob("*")}

    indexed: list[str] = []
    real = search.index_files
    monkeypatch.setenv("SITEGEN_JOBS", "1")   # index here, not in a forked worker, so `indexed` sees it
    monkeypatch.setattr(search, "index_files",
                        lambda recs, lang, keep, what: indexed.append(what) or real(recs, lang, keep, what))
    report = pipeline.build(load_config(site))
    assert indexed == ["2025-07"] and report.search == "on"
    now = _tags(site)   # the search page's cache tags: July's changes; June's and the runtime's stay
    assert now["2025-06"] == tags["2025-06"] and now["main"] == tags["main"] and now["2025-07"] != tags["2025-07"]
    assert _files(site / "public" / "pagefind" / "2025-06") == june
    assert {p: p.stat().st_mtime_ns for p in (site / "public" / "pagefind" / "2025-06").rglob("*")} == stamps

    indexed.clear()          # nothing an index holds changed: Pagefind does not run at all
    (site / "templates").mkdir()
    (site / "templates" / "404.html").write_text('{% extends "default/404.html" %}', encoding="utf-8")
    report = pipeline.build(load_config(site))
    assert indexed == [] and report.rendered >= 1 and report.search == "on"
    assert pipeline.build(load_config(site)).written == 0 and indexed == []


def test_search_false_in_site_yaml_leaves_out_page_link_and_index(site: Path) -> None:
    _site(site, "search: false\n")
    report = pipeline.build(load_config(site))
    assert report.search == "off" and report.warnings == []
    public = site / "public"
    assert not (public / "search").exists() and not (public / "pagefind").exists()
    assert "/search/" not in (public / "index.html").read_text(encoding="utf-8")


@needs_pagefind
def test_no_search_flag_drops_the_index_and_keeps_every_other_page(site: Path) -> None:
    _site(site)
    out = site / "report.json"
    assert main(["--site", str(site), "-q", "build"]) == 0
    assert (site / "public" / "pagefind" / "main" / "pagefind.js").is_file()
    assert main(["--site", str(site), "-q", "build", "--no-search", "--report", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["search"] == "off" and data["warnings"] == [] and data["counts"]["rendered"] == 1   # the page
    assert [p for p in (site / "public" / "pagefind").rglob("*") if p.is_file()] == []
    page = (site / "public" / "search" / "index.html").read_text(encoding="utf-8")
    assert "Search is off in this build" in page and "<script" not in page
    assert '<a href="/search/">Search</a>' in (site / "public" / "index.html").read_text(encoding="utf-8")
    # switching it back on is not mistaken for a rebuild with nothing to do
    assert main(["--site", str(site), "-q", "build", "--report", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["search"] == "on"
    assert (site / "public" / "pagefind" / "2025-07" / "pagefind-entry.json").is_file()


def test_flags_build_no_search_and_serve_search() -> None:
    assert parser().parse_args(["build"]).search is None            # site.yaml decides
    assert parser().parse_args(["build", "--no-search"]).search is False
    assert parser().parse_args(["serve"]).search is False           # serve leaves it off ...
    assert parser().parse_args(["serve", "--search"]).search is True   # ... unless asked


def test_serve_builds_without_search_unless_asked(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sitegen import serve

    asked: list[object] = []
    monkeypatch.setattr(pipeline, "build", lambda cfg, **kw: asked.append(kw.get("search")) or BuildReport())
    state = serve.LiveState()

    class Log:
        def info(self, line: str) -> None: ...
        problem = detail = info

    _site(site)
    for flag in (False, True):
        serve.Rebuilder(site, "http://127.0.0.1:1/", site / "out", state, Log(), search=flag).build()
    assert asked == [False, True]


def test_a_missing_binary_turns_search_off_and_builds_the_rest(site: Path, no_pagefind: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    _site(site)
    out = site / "report.json"
    assert main(["--site", str(site), "build", "--report", str(out)]) == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "search is off" in line]
    assert len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith("warning: search is off: the pagefind binary is not installed") or \
        lines[0].startswith(f"warning: search is off: cannot run {no_pagefind}")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["search"] == "off" and len(data["warnings"]) == 1
    public = site / "public"
    assert (public / "index.html").is_file() and (public / "2025" / "07" / "02").is_dir()
    assert not (public / "pagefind").exists()
    assert "Search is not available" in (public / "search" / "index.html").read_text(encoding="utf-8")


def test_a_binary_that_cannot_run_turns_search_off(site: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    broken = _fake_pagefind(tmp_path / "bin" / "pagefind",
                            "echo 'cannot execute: wrong architecture' >&2\nexit 126\n")
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(broken))
    _site(site)
    report = pipeline.build(load_config(site))
    assert report.search == "off"
    assert report.warnings == [(f"search is off: {broken} --version failed (exit 126): cannot execute: "
                                "wrong architecture; the rest of the site is built (pip install "
                                "'pagefind[bin]', or build --no-search to silence this)")]
    assert (site / "public" / "index.html").is_file() and not (site / "public" / "pagefind").exists()
    # once it runs again, the next build makes the index (the last build's answer is not reused)
    monkeypatch.delenv("PAGEFIND_BINARY_PATH")
    if search.probe()[0]:
        assert pipeline.build(load_config(site)).search == "on"
        assert (site / "public" / "pagefind" / "main" / "pagefind.js").is_file()


def test_pagefind_failing_while_indexing_is_one_clear_error(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(_crashing_pagefind(tmp_path)))
    record = {"url": "/a/", "content": "words", "language": "en", "meta": {"title": "A"}}
    with pytest.raises(SitegenError) as caught:
        pagefind.index_files([record], "en", search.INDEX_FILES, "2025-07")
    assert str(caught.value) == ("search index 2025-07: pagefind failed: thread main panicked: out of memory "
                                 "(build --no-search builds the site without search)")


@needs_pagefind
def test_records_carry_title_date_source_and_topics(site: Path) -> None:
    _site(site)
    cfg = load_config(site)
    taxonomy = load_taxonomy(cfg.topics, cfg.topics_replace)
    r = Renderer(cfg, taxonomy)
    art = _art("budget", 7, 3)
    rec = search._article_record(art, r, lambda a: "<p>The <b>budget</b> &amp; taxes</p>", "en")
    assert rec["url"] == "/2025/07/03/budget/"
    assert rec["meta"] == {"title": "budget", "date": "2025-07-03", "day": "3 Jul 2025", "source": "AP",
                           "topics": "Politics and government"}
    assert rec["content"] == "budget\nThe budget & taxes\nAP\nPolitics and government"
    assert os.path.basename(pagefind.executable() or "").startswith("pagefind")


@needs_pagefind
def test_bundles_started_early_equal_bundles_made_in_process(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Changed bundles start in a worker of their own while the rest is planned (workers.Early); the site is
    byte for byte the one a single-process build makes, cold and after an edit."""
    from sitegen import workers

    sites = [_site(tmp_path / "alone"), _site(tmp_path / "early")]
    for site in sites:
        for n in range(12, 40):
            _write(site, n, 6 + n % 2, 1 + n % 28, " ".join(WORDS[: n % len(WORDS)]))
    started: list[list[str]] = []
    real = workers.Early.start
    monkeypatch.setattr(workers.Early, "start",
                        lambda self, jobs, ix: started.append([jobs[i].path for i in ix]) or real(self, jobs, ix))
    monkeypatch.setattr(workers, "workers", lambda: 1)
    pipeline.build(load_config(sites[0]))
    monkeypatch.setattr(workers, "workers", lambda: 2)
    pipeline.build(load_config(sites[1]))
    assert started[-1] == ["pagefind/main/", "pagefind/2025-06/", "pagefind/2025-07/"]
    assert _files(sites[0] / "public") == _files(sites[1] / "public")
    for site, jobs_ in zip(sites, (1, 2), strict=True):
        _write(site, 50, 7, 9, "glacier tariff")
        monkeypatch.setattr(workers, "workers", lambda n=jobs_: n)
        pipeline.build(load_config(site))
    assert started[-1] == ["pagefind/2025-07/"] and multiprocessing.active_children() == []
    assert _files(sites[0] / "public") == _files(sites[1] / "public")


def test_a_bundle_failing_in_the_early_worker_fails_the_build_cleanly(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(_crashing_pagefind(tmp_path)))
    monkeypatch.setattr("sitegen.workers.workers", lambda: 2)
    site = _site(tmp_path / "site")
    with pytest.raises(SitegenError, match="pagefind failed: thread main panicked"):
        pipeline.build(load_config(site))
    assert multiprocessing.active_children() == [] and not (site / "public").exists()
