"""CI annotations: problem lines (`path:line: message`) -> GitHub workflow commands or a GitLab Code Quality file.

On GitHub Actions each problem is also printed as `::error file=F,line=N::message`, which the runner turns into
an annotation on that line of the pull request. GitLab has no such log command; its merge requests show a
Code Quality report instead (a JSON file declared as `artifacts: reports: codequality`), so there we write one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LEVELS = ("error", "warning", "notice")
SEVERITY = {"error": "major", "warning": "minor", "notice": "info"}   # GitLab's Code Quality scale
DEFAULT_CODE_QUALITY = Path("gl-code-quality.json")
GITHUB_SHOWN = 10   # annotations of each level GitHub shows per step (50 per job); the rest are dropped

# A path is anything up to the first ": " (a colon not followed by a space, as in `C:\`, stays in the path).
_PATH = r"(?P<path>[^\s:](?:[^:\n]|:(?! ))*?)"
_LOCATED = re.compile(_PATH + r":(?P<line>\d+): (?P<message>.*)", re.DOTALL)
_PATHED = re.compile(_PATH + r": (?P<message>.*)", re.DOTALL)
_FILE_LIKE = re.compile(r"[/\\]|\.\w+$")     # has a folder or an extension: `build` in `build: ...` is no file
_PREFIX = re.compile(r"(?:warning|error): ")  # how the CLI marks a line; not part of the path


@dataclass(frozen=True)
class Annotation:
    """One problem, located when its text names a file (and line)."""

    level: str               # one of LEVELS
    message: str
    path: str | None = None
    line: int | None = None


def parse(text: str, level: str = "error") -> Annotation:
    """Split a problem line (`path:line: message`, `path: message` or a bare message) into its parts."""
    if level not in LEVELS:
        raise ValueError(f"annotation level must be one of {', '.join(LEVELS)}, not {level!r}")
    text = text.rstrip("\n")
    prefix = _PREFIX.match(text)
    if prefix:
        text = text[prefix.end():]
    located = _LOCATED.fullmatch(text)
    if located and _FILE_LIKE.search(located["path"]):
        line = int(located["line"])
        return Annotation(level, located["message"], located["path"], line or None)
    pathed = _PATHED.fullmatch(text)
    if pathed and _FILE_LIKE.search(pathed["path"]):
        return Annotation(level, pathed["message"], pathed["path"])
    return Annotation(level, text)


def repo_path(path: str, base: Path, root: Path) -> str:
    """`path` (absolute, or relative to `base`) made relative to the repository root `root`, with `/`."""
    full = Path(path) if Path(path).is_absolute() else base / path
    try:
        return full.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:   # outside the repository: no line to point at, but the path still names the file
        return full.as_posix()


# --- GitHub: workflow commands, escaped as actions/toolkit's command.ts does -------------------------------
def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_command(a: Annotation, title: str = "") -> str:
    """The `::error file=F,line=N,title=T::message` line that makes `a` an annotation on GitHub."""
    props = []
    if a.path:
        props.append(f"file={_escape_property(a.path)}")
        if a.line:
            props.append(f"line={a.line}")
    if title:
        props.append(f"title={_escape_property(title)}")
    head = f"::{a.level}" + (" " + ",".join(props) if props else "")
    return f"{head}::{_escape_data(a.message)}"


# --- GitLab: a Code Quality report (a subset of the Code Climate issue format) -----------------------------
def code_quality_entry(a: Annotation, command: str, anchor: str) -> dict[str, Any]:
    """One Code Quality issue; problems without a file are pinned to `anchor` (the site's site.yaml)."""
    path = a.path or anchor
    # stable across runs while the problem stands (no line: an edit above it must not make it "new")
    fingerprint = hashlib.sha256(f"{command}\0{a.level}\0{path}\0{a.message}".encode()).hexdigest()[:32]
    return {"description": a.message, "check_name": f"sitegen/{command}/{a.level}", "fingerprint": fingerprint,
            "severity": SEVERITY[a.level], "location": {"path": path, "lines": {"begin": a.line or 1}}}


def write_code_quality(path: Path, command: str, entries: list[dict[str, Any]]) -> None:
    """Write `entries` into the report at `path`, replacing only this command's earlier entries, so one file
    can collect `ingest`, `build` and `check` of the same job."""
    from .write import write_atomic

    kept: list[Any] = []
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):   # absent or not ours: start afresh
        old = []
    if isinstance(old, list):
        mine = f"sitegen/{command}/"
        kept = [e for e in old if not (isinstance(e, dict) and str(e.get("check_name", "")).startswith(mine))]
    text = json.dumps(kept + entries, indent=2, ensure_ascii=False) + "\n"
    write_atomic(path, text.encode("utf-8"), sync=False)


# --- which host, and the collector the CLI feeds ----------------------------------------------------------
@dataclass(frozen=True)
class Targets:
    """Where annotations go: workflow commands on stdout, and/or a Code Quality file."""

    github: bool = False
    code_quality: Path | None = None


def targets(flag: bool | None, file: Path | None, env: Mapping[str, str]) -> Targets:
    """Decide from `--annotate`/`--no-annotate` (`flag`), `--annotate-file` and the CI host in `env`.

    Auto (no flag): GitHub Actions (`GITHUB_ACTIONS=true`) gets workflow commands, GitLab CI (`GITLAB_CI`) a
    Code Quality file (`gl-code-quality.json` unless `file` names one). `--annotate` turns the host's kind on
    anyway (workflow commands where no host is recognised); `--no-annotate` turns both off. An explicit `file`
    is always written.
    """
    on_github = env.get("GITHUB_ACTIONS") == "true"
    on_gitlab = bool(env.get("GITLAB_CI"))
    enabled = flag if flag is not None else (on_github or on_gitlab)
    github = bool(enabled) and not on_gitlab
    quality = file or (DEFAULT_CODE_QUALITY if enabled and on_gitlab else None)
    return Targets(github, quality)


def workspace(env: Mapping[str, str]) -> Path:
    """The repository root that annotation paths are relative to."""
    return Path(env.get("GITHUB_WORKSPACE") or env.get("CI_PROJECT_DIR") or os.getcwd())


class Annotator:
    """Collects one command's problems and hands them to the CI host; does nothing when no target is on."""

    def __init__(self, command: str, where: Targets, root: Path, site: Path) -> None:
        self.command, self.where, self.root = command, where, root
        self.anchor = repo_path("site.yaml", site, root)
        self.entries: list[dict[str, Any]] = []
        self.seen: dict[str, int] = {}
        self.counts: dict[str, int] = {}

    @property
    def enabled(self) -> bool:
        return self.where.github or self.where.code_quality is not None

    def add(self, level: str, text: str, base: Path | None) -> None:
        """Annotate one problem line; its path is relative to `base` (None: the line names no source file)."""
        if not self.enabled:
            return
        a = parse(text, level) if base is not None else Annotation(level, text)
        if a.path and base is not None:
            a = Annotation(a.level, a.message, repo_path(a.path, base, self.root), a.line)
        if self.where.github:
            self.counts[a.level] = self.counts.get(a.level, 0) + 1
            print(github_command(a, f"sitegen {self.command}"), file=sys.stdout)
        if self.where.code_quality is not None:
            entry = code_quality_entry(a, self.command, self.anchor)
            fingerprint = entry["fingerprint"]
            self.seen[fingerprint] = n = self.seen.get(fingerprint, 0) + 1
            if n > 1:   # the same message twice in one file (other lines): GitLab needs unique fingerprints
                entry["fingerprint"] = hashlib.sha256(f"{fingerprint}\0{n}".encode()).hexdigest()[:32]
            self.entries.append(entry)

    def close(self) -> None:
        """Say what GitHub leaves out; write the Code Quality file (also when empty: this command found nothing)."""
        hidden = {level: n - GITHUB_SHOWN for level, n in self.counts.items() if n > GITHUB_SHOWN}
        if hidden:   # GitHub drops the rest silently; the plain log above still lists every problem
            more = ", ".join(f"{n} more {level}{'s' * (n > 1)}" for level, n in sorted(hidden.items()))
            print(github_command(Annotation("notice", f"{more} than GitHub shows as annotations "
                                            f"({GITHUB_SHOWN} of each kind per step): see the log"),
                                 f"sitegen {self.command}"), file=sys.stdout)
        if self.where.code_quality is not None:
            write_code_quality(self.where.code_quality, self.command, self.entries)
