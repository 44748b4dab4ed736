"""Numbers for the archive charts: a month -> calendar grid, a year -> bars per month (drawn as SVG by the theme)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from .group import Month, Year


@dataclass(frozen=True)
class Cell:
    """One day of a month calendar: where it sits, how many articles, how dark to draw it."""

    day: dt.date
    col: int      # 0 = Monday
    row: int
    count: int
    level: int    # 0 (none) .. 4 (busiest day of the month)


@dataclass(frozen=True)
class Bar:
    """One month of a year chart."""

    year: int
    month: int
    count: int
    height: int   # 0..100, relative to the busiest month of the year


def _level(count: int, peak: int) -> int:
    if count == 0 or peak == 0:
        return 0
    return min(4, 1 + (4 * count - 1) // peak) if peak > 1 else 4


def month_cells(month: Month) -> tuple[Cell, ...]:
    """Every day of the month in calendar position, with its article count."""
    counts = {d.day: len(d.articles) for d in month.days}
    peak = max(counts.values(), default=0)
    first_col = dt.date(month.year, month.month, 1).weekday()
    ndays = calendar.monthrange(month.year, month.month)[1]
    cells = []
    for n in range(1, ndays + 1):
        day = dt.date(month.year, month.month, n)
        pos = first_col + n - 1
        count = counts.get(day, 0)
        cells.append(Cell(day, pos % 7, pos // 7, count, _level(count, peak)))
    return tuple(cells)


def year_bars(year: Year) -> tuple[Bar, ...]:
    """Twelve bars, one per month, scaled to the busiest month."""
    counts = {m.month: m.count for m in year.months}
    peak = max(counts.values(), default=0)
    return tuple(Bar(year.year, m, counts.get(m, 0), round(100 * counts.get(m, 0) / peak) if peak else 0)
                 for m in range(1, 13))
