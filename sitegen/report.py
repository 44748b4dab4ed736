"""What a run did, as data: `IngestReport` / `BuildReport` -> summary line, text report, JSON.

The human summary line and the machine-readable JSON (`--report FILE.json`) come from the same fields.
JSON schema (`schema: sitegen-report/1`): see docs/ci.md.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

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
        return f"ingest: {len(self.outcomes)} files: {parts}; {len(self.warnings)} warnings"

    def text(self) -> str:
        """The report file: one line per raw file, then the warnings."""
        lines = [self.summary(), ""]
        for o in self.outcomes:
            detail = o.reason or o.article
            lines.append(f"{o.status}\t{o.raw}\t{detail}")
        if self.warnings:
            lines += ["", "warnings:"] + [f"  {w}" for w in self.warnings]
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict[str, Any]:
        """The machine-readable report."""
        return {"schema": "sitegen-report/1", "command": "ingest", "counts": self.counts(),
                "files": [vars(o) for o in self.outcomes], "warnings": self.warnings,
                "timings": {k: round(v, 4) for k, v in self.timings.items()}}


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

    def summary(self) -> str:
        """One line for the terminal and CI logs."""
        total = sum(self.timings.values())
        excluded = "".join(f", {n} {k}" for k, n in sorted(self.excluded.items()) if n)
        return (f"build: {self.articles} articles ({len(self.skipped)} skipped{excluded}), "
                f"{self.pages} files ({self.written} written, {self.unchanged} unchanged), "
                f"{len(self.warnings)} warnings, {total:.2f} s")

    def to_json(self) -> dict[str, Any]:
        """The machine-readable report."""
        return {"schema": "sitegen-report/1", "command": "build",
                "counts": {"articles": self.articles, "skipped": len(self.skipped), **self.excluded,
                           "pages": self.pages, "written": self.written, "unchanged": self.unchanged,
                           "rendered": self.rendered, "bytes_written": self.bytes_written},
                "skipped": self.skipped, "warnings": self.warnings, "search": self.search,
                "timings": {k: round(v, 4) for k, v in self.timings.items()}}


def dump_json(data: dict[str, Any]) -> str:
    """Serialise a report deterministically."""
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
