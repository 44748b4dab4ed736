"""The command line as a new user meets it: --help of every command, `new` -> `build` -> `check`, progress."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from sitegen.cli import main, parser
from sitegen.progress import Progress

COMMANDS = ["new", "ingest", "build", "serve", "check", "topics"]


def _help(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main([*argv, "--help"]) == 0
    return capsys.readouterr().out


def test_every_command_is_listed_and_explains_itself_with_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    subs = next(a for a in parser()._actions if a.dest == "command")
    assert sorted(subs.choices) == sorted(COMMANDS)  # type: ignore[union-attr]
    top = _help(capsys)
    for name in COMMANDS:
        assert f"\n    {name} " in top                      # listed with its one-line purpose
        text = _help(capsys, name)
        assert text.startswith(f"usage: sitegen {name}")
        examples = text.split("examples:\n", 1)[1]
        assert f"  sitegen {name}" in examples or f"&& sitegen {name}" in examples
        assert "exit codes: 0 ok, 1 content errors" in text
        description = text.split("\n\n", 1)[1].split("options:")[0]
        assert len(description) > 150                         # says what it does, not only its name
    assert "sitegen serve" in top and "sitegen check" in top


def test_new_site_is_ready_to_build_and_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--site", str(tmp_path), "new", "digest"]) == 0
    site = tmp_path / "digest"
    articles = sorted((site / "content" / "articles").rglob("*.md"))
    assert [p.relative_to(site).as_posix() for p in articles] == [
        "content/articles/2025/01/01/sitegen-makes-its-first-edition.md"]
    assert "sitegen build" in capsys.readouterr().out
    assert main(["--site", str(site), "build"]) == 0
    assert "build: 1 article (0 skipped)" in capsys.readouterr().out
    home = (site / "public" / "index.html").read_text(encoding="utf-8")
    assert "sitegen makes its first edition" in home
    assert (site / "public" / "about" / "index.html").is_file()
    assert main(["--site", str(site), "check"]) == 0
    out, err = capsys.readouterr()
    assert "0 problems" in out and err == ""


def test_new_refuses_a_folder_with_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "digest").mkdir()
    (tmp_path / "digest" / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["--site", str(tmp_path), "new", "digest"]) == 2
    assert "exists and is not empty" in capsys.readouterr().err


def _fake_clock(times: list[float]):  # type: ignore[no-untyped-def]
    return lambda: times[0]


def test_progress_bar_on_a_terminal_shows_counts_and_rate() -> None:
    stream, now = io.StringIO(), [100.0]
    bar = Progress("ingest", "files", stream, tty=True, clock=_fake_clock(now))
    now[0] = 160.0             # a slow setup before the first file must not count against the rate
    bar(1, 201)
    now[0] = 162.0
    bar(51, 201)
    now[0] = 164.0
    bar(201, 201)
    bar.close()
    text = stream.getvalue()
    assert "\ringest [........................] 1/201 files (0%) -/s" in text
    assert "\ringest [######..................] 51/201 files (25%) 25.0/s" in text
    assert "\ringest [########################] 201/201 files (100%) 50.0/s" in text
    assert text.endswith("\r\x1b[K")                       # the bar is erased before the summary line


def test_progress_redraws_at_most_ten_times_a_second() -> None:
    stream, now = io.StringIO(), [0.0]
    bar = Progress("build", "pages", stream, tty=True, clock=_fake_clock(now))
    for n in range(1, 1001):
        bar(n, 2000)                                         # all within the same instant
    assert stream.getvalue().count("\r") == 1


def test_progress_off_a_terminal_is_quiet_or_line_oriented() -> None:
    quiet = io.StringIO()
    bar = Progress("ingest", "files", quiet, tty=False)
    for n in range(1, 101):
        bar(n, 100)
    bar.close()
    assert quiet.getvalue() == ""
    lines = io.StringIO()
    bar = Progress("ingest", "files", lines, tty=False, verbose=True)
    for n in range(1, 101):
        bar(n, 100)
    out = lines.getvalue()
    assert "\r" not in out and "\x1b" not in out and out.count("\n") == 10
    assert out.splitlines()[-1].startswith("ingest [########################] 100/100 files (100%)")
    unknown = Progress("check", "pages", io.StringIO(), tty=True, clock=_fake_clock([0.0]))
    unknown(1, 0)
    unknown.done = 8
    assert unknown.line(2.0) == "check 8 pages 3.5/s"


def test_each_stage_of_a_build_counts_afresh() -> None:
    stream, now = io.StringIO(), [0.0]
    bar = Progress("build", "files", stream, tty=True, clock=_fake_clock(now))
    bar.stage("render", 1, 10)
    now[0] = 1.0
    bar.stage("render", 10, 10)
    now[0] = 5.0
    bar.stage("links", 1, 4)
    now[0] = 6.0
    bar.stage("links", 4, 4)
    assert "build render [########################] 10/10 files (100%) 9.0/s" in stream.getvalue()
    assert stream.getvalue().endswith("build links [########################] 4/4 files (100%) 3.0/s\x1b[K")


def test_quiet_silences_the_bar_even_on_a_terminal() -> None:
    stream = io.StringIO()
    bar = Progress("ingest", "files", stream, tty=True, quiet=True)
    bar(1, 1)
    bar.close()
    assert stream.getvalue() == ""


def test_ingest_off_a_terminal_prints_no_bar(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--site", str(tmp_path), "new", "digest"]) == 0
    raw = tmp_path / "inbox"
    raw.mkdir()
    for n in range(3):
        (raw / f"{n}.txt").write_text(f" date 2025-07-2{n} {n}\nStory number {n}\n(Wire) Text of story {n}.\n",
                                      encoding="utf-8")
    capsys.readouterr()
    assert main(["--site", str(tmp_path / "digest"), "ingest", str(raw)]) == 0
    out, err = capsys.readouterr()
    assert "3 converted" in out and "\r" not in out + err and "[#" not in out + err


def test_build_no_cache_renders_everything_without_touching_the_cache(tmp_path: Path) -> None:
    import json

    assert main(["--site", str(tmp_path), "new", "digest"]) == 0
    site = tmp_path / "digest"
    report = tmp_path / "report.json"
    assert main(["--site", str(site), "-q", "build", "--no-search"]) == 0
    cached = {p: p.stat().st_mtime_ns for p in (site / ".sitegen" / "cache").glob("*.*")}
    before = {p: p.read_bytes() for p in (site / "public").rglob("*") if p.is_file() and p.name != ".sitegen-output"}
    assert main(["--site", str(site), "-q", "build", "--no-search", "--report", str(report)]) == 0
    assert json.loads(report.read_text())["counts"]["rendered"] == 0        # the cache answers
    assert main(["--site", str(site), "-q", "build", "--no-search", "--no-cache", "--report", str(report)]) == 0
    counts = json.loads(report.read_text())["counts"]
    assert counts["rendered"] == counts["pages"] > 0 and counts["written"] == 0   # all made again, same bytes
    assert {p: p.read_bytes() for p in before} == before
    assert {p: p.stat().st_mtime_ns for p in cached} == cached
