"""What a run did, as data: `IngestReport` / `BuildReport` -> summary line, text report, JSON.

The human summary line and the machine-readable JSON (`--report FILE.json`) come from the same fields.
The JSON is a stable, versioned schema (`schema: sitegen-report/1`): docs/report.schema.json says exactly
what it holds and docs/ci.md what each field means. Within /1 fields are only ever added; a rename or removal
makes it /2.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from . import __version__

SCHEMA = "sitegen-report/1"
INGEST_STATUSES = ("converted", "updated", "unchanged", "skipped", "rejected")


@dataclass
class Outcome:
    """What happened to one raw file."""

    raw: str
    status: str          # one of INGEST_STATUSES
    article: str = ""    # the article file it became or matched
    reason: str = ""     # for skipped/rejected: why, as `path:line: message`


@dataclass
class IngestReport:
    """Every raw file handed to ingest, exactly once, with its outcome."""

    outcomes: list[Outcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Outcomes per status, every status present."""
        c = Counter(o.status for o in self.outcomes)
        return {s: c.get(s, 0) for s in INGEST_STATUSES}

    @property
    def rejected(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "rejected"]

    def summary(self) -> str:
        """One line for the terminal and CI logs."""
        c = self.counts()
        parts = ", ".join(f"{c[s]} {s}" for s in INGEST_STATUSES)
        return f"ingest: {counted(len(self.outcomes), 'file')}: {parts}; {counted(len(self.warnings), 'warning')}"

    def text(self) -> str:
        """The report file: one line per raw file, then the warnings."""
        lines = [self.summary(), ""]
        for o in self.outcomes:
            detail = o.reason or o.article
            lines.append(f"{o.status}\t{o.raw}\t{detail}")
        if self.warnings:
            lines += ["", "warnings:"] + [f"  {w}" for w in self.warnings]
        return "\n".join(lines) + "\n"

    def to_json(self, exit_code: int) -> dict[str, Any]:
        """The machine-readable report of a run that exits with `exit_code`."""
        return {**_head("ingest", exit_code, self.summary()), "counts": self.counts(),
                "files": [vars(o) for o in self.outcomes], "warnings": self.warnings,
                "timings": _seconds(self.timings)}


def counted(n: int, noun: str) -> str:
    """"1 warning", "2 warnings": for summaries and page descriptions."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


@dataclass
class BuildReport:
    """What a build read, skipped and wrote."""

    articles: int = 0
    skipped: list[str] = field(default_factory=list)      # `path:line: message` of articles left out
    excluded: dict[str, int] = field(default_factory=dict)  # drafts / future, by reason
    warnings: list[str] = field(default_factory=list)
    pages: int = 0
    written: int = 0
    unchanged: int = 0
    bytes_written: int = 0
    rendered: int = 0
    search: str = "off"
    timings: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)         # what stopped the build (--strict): nothing published
    output_dir: str = "public"                               # the output folder's name, for the summary line

    def summary(self) -> str:
        """One line for the terminal and CI logs."""
        if self.errors:
            return (f"build: aborted under --strict ({counted(len(self.errors), 'problem')}); {self.output_dir}/ "
                    "left as it was")
        total = sum(self.timings.values())
        excluded = "".join(f", {n} {k}" for k, n in sorted(self.excluded.items()) if n)
        return (f"build: {counted(self.articles, 'article')} ({len(self.skipped)} skipped{excluded}), "
                f"{counted(self.pages, 'file')} ({self.written} written, {self.unchanged} unchanged), "
                f"{counted(len(self.warnings), 'warning')}, {total:.2f} s")

    def to_json(self, exit_code: int) -> dict[str, Any]:
        """The machine-readable report of a run that exits with `exit_code`."""
        counts = {"articles": self.articles, "skipped": len(self.skipped),
                  "drafts": self.excluded.get("drafts", 0), "future": self.excluded.get("future", 0),
                  "pages": self.pages, "written": self.written, "unchanged": self.unchanged,
                  "rendered": self.rendered, "bytes_written": self.bytes_written}
        return {**_head("build", exit_code, self.summary()), "counts": counts, "skipped": self.skipped,
                "warnings": self.warnings, "errors": self.errors, "search": self.search,
                "timings": _seconds(self.timings)}


def _head(command: str, exit_code: int, summary: str) -> dict[str, Any]:
    """The fields every report starts with."""
    return {"schema": SCHEMA, "command": command, "sitegen": __version__, "exit_code": exit_code,
            "summary": summary}


def _seconds(timings: dict[str, float]) -> dict[str, float]:
    """Stage timings in seconds, rounded so reports stay readable."""
    return {k: round(v, 4) for k, v in timings.items()}


def dump_json(data: dict[str, Any]) -> str:
    """Serialise a report deterministically."""
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
