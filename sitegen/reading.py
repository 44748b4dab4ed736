"""The build's read side: the content tree -> [Article] (through the cache: unchanged files are not read
again), what is published (drafts, future dates), standalone pages, and article bodies on demand.

Only this module reads article files (inputs.py lists and stats them; intake.py writes them at ingest).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import operator
import os
import shutil
import tempfile
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


class Bodies:
    """Article bodies rendered while reading, kept for the rest of one build in pack files (one per reading
    process, appended to) in a folder of the state directory: the article's page, full-text feeds and search
    record read them back instead of parsing and rendering the Markdown twice more. Nothing is kept between
    builds (records of unchanged files come from the cache, and their bodies are rendered on demand)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.where: dict[str, tuple[str, int, int]] = {}   # article path -> (pack file, offset, length)
        self._fds: dict[str, int] = {}                      # this process's descriptors (pack file -> fd)
        self._pid, self._end = 0, 0                         # whose they are; its own pack's size

    def _mine(self) -> dict[str, int]:
        if self._pid != os.getpid():   # a new (forked) process: descriptors of its own, and a pack of its own
            self._pid, self._fds, self._end = os.getpid(), {}, 0
        return self._fds

    def put(self, html: str) -> tuple[str, int, int] | None:
        """Append one body to this process's pack; return where it is (None if it could not be kept)."""
        fds, data = self._mine(), html.encode("utf-8")
        name, offset = str(self._pid), self._end
        try:
            if "" not in fds:
                fds[""] = os.open(self.folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            wrote = os.write(fds[""], data)   # unbuffered: other processes can read it once this returns
        except OSError:
            return None                       # a full disk: this body is rendered again when needed
        self._end += wrote
        return (name, offset, len(data)) if wrote == len(data) else None

    def get(self, path: str) -> str | None:
        """The body kept for the article at `path`, or None."""
        loc = self.where.get(path)
        if loc is None:
            return None
        name, offset, length = loc
        fds = self._mine()
        try:
            if name not in fds:
                fds[name] = os.open(self.folder / name, os.O_RDONLY)
            data = os.pread(fds[name], length, offset)
        except OSError:
            return None
        return data.decode("utf-8") if len(data) == length else None

    def close(self) -> None:
        """Close this process's descriptors and delete the packs."""
        if self._pid == os.getpid():
            for fd in self._fds.values():
                os.close(fd)
        self._fds, self._pid = {}, 0
        shutil.rmtree(self.folder, ignore_errors=True)


def open_bodies(cfg: Config) -> Bodies:
    """A fresh pack folder for this build, after removing any a killed build left (the caller holds the
    build lock, so no other build is using one)."""
    cfg.state_dir.mkdir(parents=True, exist_ok=True)
    for old in cfg.state_dir.glob("bodies-*"):
        shutil.rmtree(old, ignore_errors=True)
    return Bodies(Path(tempfile.mkdtemp(prefix="bodies-", dir=cfg.state_dir)))


# Set before forking readers: what _load_one needs besides its argument.
_READ: tuple[Config, Taxonomy, Bodies | None] | None = None


def _load_one(item: tuple[str, str, str]) -> tuple[str, object, tuple[str, int, int] | None]:
    """Read one content file in a worker: (rel, Loaded | SourceError | "same" when its hash is unchanged,
    where its body was kept)."""
    assert _READ is not None
    cfg, taxonomy, bodies = _READ
    path, rel, known_hash = item
    try:
        if os.stat(path).st_size > cfg.max_article_bytes:
            raise SourceError(rel, None, f"file is over the {cfg.max_article_bytes:,}-byte limit "
                              "(max_article_bytes in site.yaml)")
        data = Path(path).read_bytes()
        if known_hash and content.source_hash(data) == known_hash:
            return rel, "same", None
        loaded, html = content.load_rendered(data, rel, cfg.tz, taxonomy)
        return rel, loaded, bodies.put(html) if bodies is not None else None
    except SourceError as exc:
        return rel, exc, None


def read_articles(cfg: Config, files: Scan, taxonomy: Taxonomy, state: cache.State,
                  report: BuildReport, bodies: Bodies | None = None) -> list[Article]:
    """Load every article (from the cache when its file is unchanged); bad ones are reported and skipped.
    The bodies of the articles actually read are kept in `bodies`, when given."""
    global _READ
    old, fresh = state.records, dict[str, "cache.Entry | None"]()   # in the scan's order: by path
    todo: list[tuple[str, str, str]] = []
    stats: dict[str, Stat] = {}
    for path, rel, st in files:
        entry = old.get(rel)
        if entry and entry.stat == st:
            fresh[rel] = entry
        else:
            fresh[rel], stats[rel] = None, st   # its place, taken when it is read
            todo.append((path, rel, entry.source_hash if entry else ""))
    _READ = (cfg, taxonomy, bodies)
    if len(todo) >= workers.MIN_PARALLEL:
        taxonomy.scorer()   # made once here rather than once per forked worker
    try:
        results = workers.map_parallel(_load_one, todo)
    finally:
        _READ = None
    canon: dict = {}   # records from workers share nothing: give repeated names one copy (model.shared)
    for rel, result, kept in results:
        st = stats[rel]
        if kept is not None and bodies is not None:
            bodies.where[rel] = kept
        if isinstance(result, SourceError):
            report.skipped.append(str(result))
            del fresh[rel]
        elif result == "same":
            fresh[rel] = cache.Entry(st, old[rel].source_hash, old[rel].loaded)
        else:
            result = content.Loaded(shared(result.article, canon), result.warnings)
            fresh[rel] = cache.Entry(st, result.article.source_hash, result)
    records: dict[str, cache.Entry] = fresh   # type: ignore[assignment]   # every place is taken now
    state.records = records
    loaded = list(map(_LOADED, records.values()))
    for said in filter(None, map(_WARNINGS, loaded)):
        report.warnings.extend(said)
    articles, warnings = group.dedupe_slugs(list(map(_ARTICLE, loaded)))
    report.warnings.extend(warnings)
    articles, warnings = group.dedupe_ids(articles)
    report.warnings.extend(warnings)
    return articles


def published(articles: list[Article], drafts: bool, future: bool,
               report: BuildReport) -> tuple[list[Article], dt.datetime | None]:
    """Articles to publish, and when the earliest one left out for its future date comes due."""
    cutoff = build_time()
    counts = {"drafts": 0, "future": 0}
    report.excluded = counts
    if articles and not any(map(_DRAFT, articles)) and max(map(_DATE, articles)) <= cutoff:
        return list(articles), None   # the usual case, told by two C-level passes
    out = []
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
    return out, due


def read_pages(cfg: Config, report: BuildReport, made: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """Standalone pages from content/pages/*.md as (slug, title, body HTML); bad ones reported and skipped.
    `made` maps a digest of each body to its HTML: the last build's on the way in, this one's on the way out
    (a rebuild need not load Markdown for an about page that did not change)."""
    known = dict(made or {})
    if made is not None:
        made.clear()
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
            text = clean(body)
            key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
            html = known[key] if key in known else markup.to_html(text)
            if made is not None:
                made[key] = html
            out.append((slug, title, html))
        except SourceError as exc:
            report.skipped.append(str(exc))
    return out


def body_for(cfg: Config, bodies: Bodies | None = None) -> Callable[[Article], str]:
    """Rendered bodies on demand: kept from reading when they were (`bodies`), else rendered from the file.
    The last few hundred are remembered (full-text feeds made one after another share their newest
    articles), never all of them: a worker renders tens of thousands."""
    @functools.lru_cache(maxsize=BODIES_KEPT)
    def rendered(path: str, digest: str) -> str:
        kept = bodies.get(path) if bodies is not None else None
        return kept if kept is not None else content.body_html((cfg.root / path).read_bytes(), path)

    def body(art: Article) -> str:
        return rendered(art.path, art.digest)
    return body


BODIES_KEPT = 512
_LOADED, _WARNINGS, _ARTICLE = (operator.attrgetter(name) for name in ("loaded", "warnings", "article"))
_DRAFT, _DATE = operator.attrgetter("draft"), operator.attrgetter("date")
