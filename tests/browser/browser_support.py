"""What the browser suite shares: a hand-written test site (12 articles over 3 days, 4 topics, 3 sources,
one standalone page), one page of every kind in it, and where the test tools live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NODE_MODULES = Path(os.environ.get("SITEGEN_NODE_MODULES", REPO / ".ci" / "node_modules"))
CHROMIUM = os.environ.get("SITEGEN_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = REPO / "test-output" / "screenshots"
SITE = "Browser test digest"
KINDS = {  # name -> site path: one page of every main kind
    "home": "", "day": "2025/07/22/", "month": "2025/07/", "year": "2025/", "archive": "archive/",
    "article": "2025/07/22/early-election-called-for-autumn/", "topics": "topics/", "topic": "topics/politics/",
    "topic-page-2": "topics/politics/page/2/", "sources": "sources/", "source": "sources/wire-one/",
    "feeds": "feeds/", "page": "about/", "search": "search/", "404": "404.html",
}


def missing(reason: str) -> None:
    """Skip a test whose tool is absent; fail instead under .ci/run, where everything must be installed."""
    if os.environ.get("SITEGEN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}; SITEGEN_REQUIRE_BROWSER=1 (set by .ci/run) makes this a failure")
    pytest.skip(reason)


def tool(*parts: str) -> Path:
    """A file from .ci/node_modules, or skip the test saying how to get it."""
    path = NODE_MODULES.joinpath(*parts)
    if not path.is_file():
        missing(f"{path} is missing (npm install --prefix .ci; .ci/run does)")
    return path

SITE_YAML = """\
title: Browser test digest
description: Twelve hand-written articles for the browser, accessibility and HTML checks.
base_url: {base_url}
timezone: UTC
page_size: 2
topics_replace: true
topics:
  politics: {{name: Politics, description: 'Governments, elections and parliaments.'}}
  economy: {{name: Economy, description: 'Markets, trade and prices.'}}
  science: {{name: Science, description: Research and discovery.}}
  sport: {{name: Sport, description: Games and athletes.}}
"""

# (day, slug, title, source, topics)
ARTICLES = [
    ("2025-07-20", "parliament-passes-budget", "Parliament passes the budget", "Wire One", "politics, economy"),
    ("2025-07-20", "central-bank-holds-rates", "Central bank holds rates", "Wire One", "economy"),
    ("2025-07-20", "probe-reaches-comet", "Probe reaches a comet", "Science Daily", "science"),
    ("2025-07-20", "cup-final-draw", "Cup final ends in a draw", "Sports Desk", "sport"),
    ("2025-07-21", "minister-resigns", "Minister resigns after vote", "Wire One", "politics"),
    ("2025-07-21", "trade-talks-resume", "Trade talks resume & markets rise", "Wire One", "economy"),
    ("2025-07-21", "new-species-found", "New species found in the deep sea", "Science Daily", "science"),
    ("2025-07-21", "team-signs-striker", "Team signs a \"record\" striker", "Sports Desk", "sport"),
    ("2025-07-22", "election-called", "Early election called for <autumn>", "Wire One", "politics"),
    ("2025-07-22", "prices-fall", "Prices fall for the third month", "Wire One", "economy"),
    ("2025-07-22", "telescope-first-light", "Telescope sees first light", "Science Daily", "science"),
    ("2025-07-22", "marathon-record", "Marathon record falls in the heat", "Sports Desk", "sport, science"),
]

BODY = """\
{title}: the first paragraph says what happened, who was involved and why it matters to readers today.

A second paragraph adds detail. It quotes an official who said the decision "was expected" and notes what
comes next, with a [link to the edition](/{day_path}/) and a [link elsewhere](https://example.org/).

- one point
- another point
"""


def make_site(root: Path, base_url: str) -> Path:
    """Write the test site into `root` (which must not exist yet or be empty); return it."""
    (root / "content" / "pages").mkdir(parents=True, exist_ok=True)
    (root / "site.yaml").write_text(SITE_YAML.format(base_url=base_url), encoding="utf-8")
    (root / "content" / "pages" / "about.md").write_text(
        "---\ntitle: About this digest\n---\nA test site for [sitegen](https://example.org/sitegen).\n",
        encoding="utf-8")
    for n, (day, slug, title, source, topics) in enumerate(ARTICLES):
        path = root / "content" / "articles" / day.replace("-", "/") / f"{slug}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        front = (f"title: '{title}'\ndate: {day}T{8 + n % 4:02d}:30:00+00:00\nid: '{n + 1}'\n"
                 f"source: {source}\ntopics: [{topics}]\nsummary: A short summary of article {n + 1}.\n")
        body = BODY.format(title=title, day_path=day.replace("-", "/"))
        path.write_text(f"---\n{front}---\n{body}", encoding="utf-8")
    return root
