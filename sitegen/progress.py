"""Progress of long work: `Progress(label)` is a `(n, total) -> None` callback drawing a bar on a terminal.

On a TTY it redraws one line (bar, counts, rate) at most ten times a second; elsewhere (CI logs, pipes) it
stays quiet, or with `verbose` prints a plain line at every tenth of the work. No dependencies.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Self, TextIO

Clock = Callable[[], float]
WIDTH = 24          # bar cells
REDRAW_EVERY = 0.1  # seconds between terminal redraws, so tight loops are not slowed by printing


class Progress:
    """Call with `(done, total)` as work advances (`total` 0 when unknown), then `close()`."""

    def __init__(self, label: str, unit: str = "files", stream: TextIO | None = None, *,
                 quiet: bool = False, verbose: bool = False, tty: bool | None = None,
                 clock: Clock = time.monotonic) -> None:
        self.label, self.unit = label, unit
        self._base, self._stage = label, ""
        self.stream = stream if stream is not None else sys.stderr
        is_tty = self.stream.isatty() if tty is None else tty
        self.mode = "off" if quiet else "bar" if is_tty else "lines" if verbose else "off"
        self.clock = clock
        self._origin: tuple[float, int] | None = None   # (time, count) of the first report: setup time
        self._last_draw = float("-inf")
        self._last_tenth = 0
        self._drawn = False
        self.done = self.total = 0

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        if self._origin is None:   # the rate counts from the first report, so setup time does not drag it
            self._origin = (self.clock(), done)
        if self.mode == "bar":
            now = self.clock()
            if now - self._last_draw >= REDRAW_EVERY or (total and done >= total):
                self._last_draw = now
                self._write("\r" + self.line(now) + "\x1b[K")
                self._drawn = True
        elif self.mode == "lines" and total:
            tenth = done * 10 // total
            if tenth > self._last_tenth:
                self._last_tenth = tenth
                self._write(self.line(self.clock()) + "\n")

    def stage(self, stage: str, done: int, total: int) -> None:
        """The `(stage, done, total)` form of the callback (build's hook): each stage counts afresh."""
        if stage != self._stage:
            self._stage, self.label = stage, f"{self._base} {stage}"
            self._origin, self._last_tenth = None, 0
        self(done, total)

    def line(self, now: float) -> str:
        """The status text: `label [#####.....] 120/400 files (30%) 85.2/s`."""
        t0, n0 = self._origin or (now, self.done)
        rate = f"{(self.done - n0) / (now - t0):,.1f}/s" if now - t0 >= 0.5 else "-/s"   # too soon to tell
        if not self.total:
            return f"{self.label} {self.done:,} {self.unit} {rate}"
        share = min(self.done / self.total, 1.0)
        filled = int(share * WIDTH)
        bar = "#" * filled + "." * (WIDTH - filled)
        return f"{self.label} [{bar}] {self.done:,}/{self.total:,} {self.unit} ({share:.0%}) {rate}"

    def close(self) -> None:
        """End the bar's line so the next message starts on a fresh one (erased on a terminal)."""
        if self._drawn:
            self._write("\r\x1b[K")
            self._drawn = False

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
