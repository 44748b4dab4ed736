"""The build's read side: the content tree -> [Article] (through the cache: unchanged files are not read
again), what is published (drafts, future dates), standalone pages, and article bodies on demand.

Only this module reads article files (inputs.py lists and stats them; intake.py writes them at ingest).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Callable
from pathlib import Path

from . import cache, content, frontmatter, group, markup, pages, workers
from .config import Config
from .errors import SourceError
from .inputs import Scan, Stat, build_time
from .model import Article, shared
from .report import BuildReport
from .slugs import slugify
from .text import clean, clean_line
from .topics import Taxonomy

# Set before forking readers: what _load_one needs besides its argument.
_READ: tuple[Config, Taxonomy] | None = None


def _load_one(item: tuple[str, str, str]) -> tuple[str, object]:
    """Read one content file in a worker: (rel, Loaded | SourceError | "same" when its hash is unchanged)."""
    assert _READ is not None
    cfg, taxonomy = _READ
    path, rel, known_hash = item
    try:
        if os.stat(path).st_size > cfg.max_article_bytes:
            raise SourceError(rel, None, f"file is over the {cfg.max_article_bytes:,}-byte limit "
                              "(max_article_bytes in site.yaml)")
        data = Path(path).read_bytes()
        if known_hash and content.source_hash(data) == known_hash:
            return rel, "same"
        return rel, content.load(data, rel, cfg.tz, taxonomy)
    except SourceError as exc:
        return rel, exc


def read_articles(cfg: Config, files: Scan, taxonomy: Taxonomy, state: cache.State,
                  report: BuildReport) -> list[Article]:
    """Load every article (from the cache when its file is unchanged); bad ones are reported and skipped."""
    global _READ
    old, fresh = state.records, {}
    todo: list[tuple[str, str, str]] = []
    stats: dict[str, Stat] = {}
    for path, rel, st in files:
        stats[rel] = st
        entry = old.get(rel)
        if entry and entry.mtime_ns == st.st_mtime_ns and entry.size == st.st_size:
            fresh[rel] = entry
        else:
            todo.append((path, rel, entry.source_hash if entry else ""))
    _READ = (cfg, taxonomy)
    try:
        results = workers.map_parallel(_load_one, todo)
    finally:
        _READ = None
    canon: dict = {}   # records from workers share nothing: give repeated names one copy (model.shared)
    for rel, result in results:
        st = stats[rel]
        if isinstance(result, SourceError):
            report.skipped.append(str(result))
        elif result == "same":
            fresh[rel] = cache.Entry(st.st_mtime_ns, st.st_size, old[rel].source_hash, old[rel].loaded)
        else:
            result = content.Loaded(shared(result.article, canon), result.warnings)
            fresh[rel] = cache.Entry(st.st_mtime_ns, st.st_size, result.article.source_hash, result)
    state.records = fresh
    loaded = [fresh[rel].loaded for rel in sorted(fresh)]
    for item in loaded:
        report.warnings.extend(item.warnings)
    articles, warnings = group.dedupe_slugs([x.article for x in loaded])
    report.warnings.extend(warnings)
    articles, warnings = group.dedupe_ids(articles)
    report.warnings.extend(warnings)
    return articles


def published(articles: list[Article], drafts: bool, future: bool,
               report: BuildReport) -> tuple[list[Article], dt.datetime | None]:
    """Articles to publish, and when the earliest one left out for its future date comes due."""
    cutoff = build_time()
    out = []
    counts = {"drafts": 0, "future": 0}
    due: dt.datetime | None = None
    for art in articles:
        if art.draft and not drafts:
            counts["drafts"] += 1
        elif art.date > cutoff and not future:
            counts["future"] += 1
            due = art.date if due is None else min(due, art.date)
            report.warnings.append(f"{art.path}:2: date {art.date.isoformat()} is in the future: left out "
                                   "until then (use --future to include it)")
        else:
            out.append(art)
    report.excluded = counts
    return out, due


def read_pages(cfg: Config, report: BuildReport) -> list[tuple[str, str, str]]:
    """Standalone pages from content/pages/*.md as (slug, title, body HTML); bad ones reported and skipped."""
    out: list[tuple[str, str, str]] = []
    folder = cfg.content_dir / "pages"
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        rel = path.relative_to(cfg.root).as_posix()
        try:
            meta, body, _ = frontmatter.split(content.decode(path.read_bytes(), rel), rel)
            title = clean_line(str(meta.get("title") or ""))
            slug = slugify(str(meta.get("slug") or path.stem))
            if not title:
                raise SourceError(rel, 2, "title: missing: a page needs a 'title:' line")
            if not slug or slug in pages.RESERVED or slug.isdigit():
                raise SourceError(rel, 2, f"slug: {slug!r} is reserved for the site's own pages; choose another")
            out.append((slug, title, markup.to_html(clean(body))))
        except SourceError as exc:
            report.skipped.append(str(exc))
    return out


def body_for(cfg: Config) -> Callable[[Article], str]:
    """Rendered bodies on demand; the last few hundred are remembered (full-text feeds made one after
    another share their newest articles), never all of them: a worker renders tens of thousands."""
    @functools.lru_cache(maxsize=BODIES_KEPT)
    def rendered(path: str, digest: str) -> str:
        return content.body_html((cfg.root / path).read_bytes(), path)

    def body(art: Article) -> str:
        return rendered(art.path, art.digest)
    return body


BODIES_KEPT = 512
