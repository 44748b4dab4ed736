"""Full-text search: `Site` -> Pagefind index bundles (tree jobs) and the /search/ page that merges them.

Articles are indexed in calendar bundles, so a change re-indexes only the bundle it falls in: one bundle per
month (`pagefind/2025-07/`), or, when a month holds more than BUNDLE_LIMIT articles, one per quarter of it
(`pagefind/2025-07-q2/` holds days 8-14; q4 runs from the 22nd to the month's end), or per day
(`pagefind/2025-07-09/`) when a quarter is still too big. `pagefind/main/` holds Pagefind's runtime (its JS,
web worker and WebAssembly) and a small primary index of the topics and sources; the search page loads it and
merges every bundle in the browser (Pagefind's `mergeIndex`). Each bundle is an index of its own, fed
records (title, summary, body text, source, topics, date) and read back in memory (`pagefind.index_files`).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from . import versions
from .config import Config
from .group import Site
from .jobs import Job, fingerprint
from .model import Article
from .pagefind import index_files, probe
from .render import PageInfo, Renderer, short_date
from .urls import Urls

BodyFor = Callable[[Article], str]
BUNDLE_LIMIT = 250          # articles per bundle before a month is split: re-indexing a full one takes ~0.5 s
FOLDER = "pagefind/"
MAIN = FOLDER + "main/"
# What a bundle keeps of Pagefind's output: the index itself; `main/` also keeps the runtime it loads.
INDEX_FILES = re.compile(r"pagefind-entry\.json|pagefind\.[^/]+\.pf_meta|(index|fragment|filter)/[^/]+")
RUNTIME_FILES = re.compile(r"pagefind\.js|pagefind-worker\.js|wasm\.[^/]+\.pagefind")
_TAG = re.compile(r"<[^>]*>")


# --- bundles ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Bundle:
    """The articles of one index bundle, oldest first."""

    name: str                        # "2025-07", "2025-07-q2" or "2025-07-09"
    articles: tuple[Article, ...]

    @property
    def path(self) -> str:
        return f"{FOLDER}{self.name}/"


def bundles(site: Site, limit: int = BUNDLE_LIMIT) -> list[Bundle]:
    """Every article with a page in exactly one bundle; bundles oldest first. Boundaries are calendar days,
    so an article added to a day changes only the bundle holding that day (or splits its month, once)."""
    months: dict[tuple[int, int], dict[dt.date, list[Article]]] = defaultdict(lambda: defaultdict(list))
    for a in site.articles:
        months[(a.day.year, a.day.month)][a.day].append(a)
    out: list[Bundle] = []
    for (year, month), by_day in sorted(months.items()):
        # site.articles are newest first by (date, slug), which no two share: reversed, oldest first
        days = [(day, tuple(reversed(by_day[day]))) for day in sorted(by_day)]
        name = f"{year:04d}-{month:02d}"
        if sum(len(arts) for _, arts in days) <= limit:
            out.append(Bundle(name, tuple(a for _, arts in days for a in arts)))
            continue
        for q, (first, last) in enumerate(((1, 7), (8, 14), (15, 21), (22, 31)), 1):
            part = [(day, arts) for day, arts in days if first <= day.day <= last]
            if sum(len(arts) for _, arts in part) <= limit:
                if part:
                    out.append(Bundle(f"{name}-q{q}", tuple(a for _, arts in part for a in arts)))
            else:
                out.extend(Bundle(day.isoformat(), arts) for day, arts in part)
    return out


def text_of(body_html: str) -> str:
    """Plain text of sanitised body HTML, whitespace collapsed."""
    return " ".join(html.unescape(_TAG.sub(" ", body_html)).split())


def language(cfg: Config) -> str:
    """Pagefind's language code for the site: the primary subtag of its `language`."""
    return cfg.language.split("-")[0].lower()


def _article_record(a: Article, r: Renderer, body_for: BodyFor, lang: str) -> dict:
    topics = [r.topic_name(t) for t in a.topics]
    parts = (a.title, a.summary, text_of(body_for(a)), a.source or "", ", ".join(topics))
    content = "\n".join(x for x in parts if x)
    meta = {"title": a.title, "date": a.day.isoformat(), "day": short_date(a.day)}
    if a.source:
        meta["source"] = a.source
    if topics:
        meta["topics"] = ", ".join(topics)
    return {"url": "/" + Urls.article(a.day, a.slug), "content": content, "language": lang, "meta": meta}


def _main_records(site: Site, r: Renderer, lang: str) -> list[dict]:
    """The primary index: every topic and source page, so names find their page (and, as Pagefind cannot
    load an index without pages, the search page itself when there are none)."""
    out = []
    for t in site.topics:
        name, about = r.topic_name(t.slug), r.topic_description(t.slug)
        out.append({"url": "/" + Urls.topic(t.slug), "content": f"{name}\n{about}".strip(), "language": lang,
                    "meta": {"title": name, "kind": "Topic"}})
    for t in site.sources:
        out.append({"url": "/" + Urls.source(t.slug), "content": t.name, "language": lang,
                    "meta": {"title": t.name, "kind": "Source"}})
    if not out:   # articles without topics or sources
        out.append({"url": "/search/", "content": f"Search {r.cfg.title}", "language": lang,
                    "meta": {"title": "Search", "kind": "Page"}})
    return out


# --- jobs -----------------------------------------------------------------------------------------------
def search_jobs(site: Site, renderer: Renderer, body_for: BodyFor, index: bool = True) -> Iterator[Job]:
    """The search page; when `index` and Pagefind runs here, `pagefind/main/` and a tree job per bundle too.

    The page says so when the index is not made, so links to it never break, and switching the index off
    (build --no-search, serve) re-renders this page alone.
    """
    r = renderer
    version = probe()[0] if index else ""
    parts = bundles(site) if version else []
    lang = language(r.cfg)
    made: list[Job] = []
    if parts:
        # All a bundle's bytes depend on besides its articles: its fingerprint alone then names its content
        # (the search page uses it to tag the bundle's URLs for browser caches).
        base = fingerprint("pagefind", version, lang, versions.package_digest(),
                           [(t.slug, t.name) for t in r.taxonomy.topics])
        topics = [(t.slug, r.topic_name(t.slug), r.topic_description(t.slug)) for t in site.topics]
        sources = [(t.slug, t.name) for t in site.sources]
        keep = re.compile(f"{INDEX_FILES.pattern}|{RUNTIME_FILES.pattern}")
        made.append(Job(MAIN, None, fingerprint(base, "main", r.cfg.title, topics, sources),
                        lambda: index_files(_main_records(site, r, lang), lang, keep, "main")))
        made += [_bundle_job(b, r, body_for, base, lang) for b in parts]
    state = "on" if parts else ("empty" if version else ("unavailable" if index else "off"))
    page = PageInfo("search", "search/", "Search", f"Search every article of {r.cfg.title}", noindex=True)
    # Each bundle's fingerprint tags its pagefind-entry.json URL (Pagefind's metaCacheTag): browsers may
    # cache an entry until its bundle changes, instead of fetching every entry again on every visit.
    tagged = [(j.path, j.fingerprint[:12]) for j in made]
    context = {"state": state, "main": tagged[:1], "bundles": tagged[1:], "count": len(site.articles)}
    yield Job(Urls.file("search/"), "search.html", fingerprint(page, context),
              lambda: r.render("search.html", page, **context))
    yield from made


def _bundle_job(b: Bundle, r: Renderer, body_for: BodyFor, base: str, lang: str) -> Job:
    def make() -> dict[str, bytes]:
        records = [_article_record(a, r, body_for, lang) for a in b.articles]
        return index_files(records, lang, INDEX_FILES, b.name)

    # The records derive from the articles (their digests cover the files' bytes, so the bodies too), and
    # from what `base` covers: the code, the taxonomy's names and the Pagefind version that writes them.
    return Job(b.path, None, fingerprint(base, b.name, list(b.articles)), make)
