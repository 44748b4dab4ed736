"""The one place for URLs and output paths: page identity -> site-relative URL -> file path in `public/`.

Every URL is a pretty folder URL (`/2025/07/22/`) served from `index.html`; links carry the base path of
`base_url` so a site can live under a sub-folder, and `absolute()` gives canonical and feed links.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Urls:
    """URL scheme of one site, built from its `base_url`."""

    base_url: str   # always ends with "/"

    @functools.cached_property
    def base_path(self) -> str:
        """The path part of base_url, e.g. "/" or "/digest/" (worked out once: links call it a million times)."""
        return urlsplit(self.base_url).path or "/"

    # --- site-relative paths (no leading slash); "" is the home page -----------------------------------
    @staticmethod
    def day(day: dt.date) -> str:
        # what f"{day:%Y/%m/%d}/" gives (an unpadded year, as glibc's strftime), without strftime's cost
        return f"{day.year}/{day.month:02d}/{day.day:02d}/"

    @staticmethod
    def month(year: int, month: int) -> str:
        return f"{year:04d}/{month:02d}/"

    @staticmethod
    def year(year: int) -> str:
        return f"{year:04d}/"

    @staticmethod
    def article(day: dt.date, slug: str) -> str:
        return f"{day.year}/{day.month:02d}/{day.day:02d}/{slug}/"

    @staticmethod
    def paged(path: str, page: int) -> str:
        """Archive page `page` of the listing at `path` (page 1 holds the oldest articles)."""
        return f"{path}page/{page}/"

    @staticmethod
    def topic(slug: str) -> str:
        return f"topics/{slug}/"

    @staticmethod
    def source(slug: str) -> str:
        return f"sources/{slug}/"

    @staticmethod
    def entity(kind: str, slug: str) -> str:
        return f"{kind}/{slug}/"

    @staticmethod
    def thread(thread_id: str) -> str:
        return f"threads/{thread_id}/"

    # --- turning paths into links and files --------------------------------------------------------------
    def link(self, path: str) -> str:
        """A root-relative link to a site path (keeps the base path)."""
        return self.base_path + path

    def absolute(self, path: str) -> str:
        """An absolute URL to a site path."""
        return self.base_url + path

    @staticmethod
    def file(path: str) -> str:
        """The output file for a site path: folder URLs get `index.html`."""
        return path + "index.html" if path == "" or path.endswith("/") else path
