"""The two stages as a table of contents: `ingest(cfg, paths) -> IngestReport`, `build(cfg) -> BuildReport`."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator

from . import content, frontmatter, group, intake, markup, pages, syndicate
from .config import Config
from .errors import BuildAborted, SourceError
from .ingest import RawArticle, parse_bytes
from .model import Article
from .render import Renderer, static_dirs
from .report import BuildReport, IngestReport, Outcome
from .slugs import slugify
from .text import clean, clean_line
from .topics import Taxonomy
from .write import OutputFile, Staging, write_atomic

Progress = Callable[[int, int], None]


def raw_files(paths: Iterable[Path]) -> list[Path]:
    """Expand files and folders (recursively: `*.txt`, hidden entries skipped) into a sorted, unique list."""
    found: dict[str, Path] = {}
    for path in paths:
        if path.is_dir():
            for child in path.rglob("*.txt"):
                if child.is_file() and not any(p.startswith(".") for p in child.relative_to(path).parts):
                    found.setdefault(str(child.resolve()), child)
        else:
            found.setdefault(str(path.resolve()), path)
    return [found[k] for k in sorted(found)]


def _read_raw(path: Path, cap: int) -> RawArticle:
    try:
        size = path.stat().st_size
        if size > cap:
            raise SourceError(str(path), None, f"file is {size:,} bytes, over the {cap:,}-byte limit "
                              "(max_article_bytes in site.yaml): split it or raise the limit")
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(str(path), None, "no such file") from None
    except OSError as exc:
        raise SourceError(str(path), None, f"cannot read: {exc.strerror}") from None
    if not data.strip():
        raise SourceError(str(path), 1, "empty file: no header, title or body")
    return parse_bytes(data, str(path))


def ingest(cfg: Config, paths: Iterable[Path], update: bool = False,
           progress: Progress | None = None) -> IngestReport:
    """Turn raw files into article files under content/articles; one bad file never stops the rest."""
    from .topics import load_taxonomy

    started = time.perf_counter()
    report = IngestReport()
    files = raw_files(paths)
    index = intake.ContentIndex.scan(cfg.articles_dir)
    taxonomy = load_taxonomy(cfg.topics, cfg.topics_replace)
    report.timings["scan"] = time.perf_counter() - started
    for n, path in enumerate(files, 1):
        try:
            raw = _read_raw(path, cfg.max_article_bytes)
        except SourceError as exc:
            report.outcomes.append(Outcome(str(path), "rejected", reason=str(exc)))
            continue
        report.warnings.extend(raw.warnings)
        report.outcomes.append(_ingest_one(cfg, raw, path, index, taxonomy, update))
        if progress:
            progress(n, len(files))
    report.timings["convert"] = time.perf_counter() - started - report.timings["scan"]
    return report


def _ingest_one(cfg: Config, raw: RawArticle, path: Path, index: intake.ContentIndex, taxonomy,
                update: bool) -> Outcome:
    existing = index.find(raw)
    if existing is not None:
        rel = existing.relative_to(cfg.root).as_posix()
        if not update:
            same = index.by_hash.get(raw.raw_sha256) == existing
            why = "same text" if same else "same date and id, different text: use --update to replace it"
            return Outcome(str(path), "unchanged" if same else "skipped", rel,
                           "" if same else f"{path}: already ingested as {rel} ({why})")
        old_text = existing.read_text(encoding="utf-8")
        if intake.edited_by_hand(old_text):
            return Outcome(str(path), "skipped", rel, f"{path}: {rel} was edited by hand; not overwritten "
                           "(delete it, then ingest again, to regenerate it)")
        slug = existing.stem
        text = intake.article_text(raw, slug, _topics(taxonomy, raw), path.name)
        if text == old_text:
            return Outcome(str(path), "unchanged", rel)
        write_atomic(existing, text.encode("utf-8"))
        return Outcome(str(path), "updated", rel)
    slug = index.unique_slug(raw)
    target = cfg.articles_dir / intake.relative_path(raw, slug)
    text = intake.article_text(raw, slug, _topics(taxonomy, raw), path.name)
    write_atomic(target, text.encode("utf-8"))
    index.add(target, {"id": raw.id or "", "date": raw.date.isoformat(), "raw_sha256": raw.raw_sha256})
    return Outcome(str(path), "converted", target.relative_to(cfg.root).as_posix())


def _topics(taxonomy, raw: RawArticle) -> list[tuple[str, float]]:
    return taxonomy.classify(raw.title, "\n".join(raw.paragraphs))


# --- build -----------------------------------------------------------------------------------------------
def content_files(cfg: Config) -> list[Path]:
    """Every article file under the content folder (hidden files and `pages/` left out), sorted."""
    if not cfg.content_dir.is_dir():
        return []
    out = []
    for path in cfg.content_dir.rglob("*.md"):
        rel = path.relative_to(cfg.content_dir).parts
        if rel[0] != "pages" and not any(p.startswith(".") for p in rel) and path.is_file():
            out.append(path)
    return sorted(out)


def _now() -> dt.datetime:
    """The build's notion of now: SOURCE_DATE_EPOCH when set (reproducible builds), else the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
    return dt.datetime.now(tz=dt.timezone.utc)


def read_articles(cfg: Config, taxonomy: Taxonomy, report: BuildReport) -> tuple[list[Article], dict[tuple[dt.date, str], str]]:
    """Load every article; bad ones are reported and skipped."""
    loaded: list[content.Loaded] = []
    for path in content_files(cfg):
        rel = path.relative_to(cfg.root).as_posix()
        try:
            if path.stat().st_size > cfg.max_article_bytes:
                raise SourceError(rel, None, f"file is over the {cfg.max_article_bytes:,}-byte limit "
                                  "(max_article_bytes in site.yaml)")
            item = content.load(path.read_bytes(), rel, cfg.tz, taxonomy)
        except SourceError as exc:
            report.skipped.append(str(exc))
            continue
        report.warnings.extend(item.warnings)
        loaded.append(item)
    articles, warnings = group.dedupe_slugs([x.article for x in loaded])
    report.warnings.extend(warnings)
    by_path = {x.article.path: x.html for x in loaded}
    return articles, {(a.day, a.slug): by_path[a.path] for a in articles}


def _published(articles: list[Article], drafts: bool, future: bool, report: BuildReport) -> list[Article]:
    now = _now()
    out = []
    counts = {"drafts": 0, "future": 0}
    for art in articles:
        if art.draft and not drafts:
            counts["drafts"] += 1
        elif art.date > now and not future:
            counts["future"] += 1
            report.warnings.append(f"{art.path}:2: date {art.date.isoformat()} is in the future: left out "
                                   "until then (use --future to include it)")
        else:
            out.append(art)
    report.excluded = counts
    return out


def build(cfg: Config, drafts: bool = False, future: bool = False, strict: bool = False) -> BuildReport:
    """Read all content, then render and publish the whole site into the output folder atomically."""
    from .topics import load_taxonomy

    report = BuildReport()
    clock = time.perf_counter()
    taxonomy = load_taxonomy(cfg.topics, cfg.topics_replace)
    articles, bodies = read_articles(cfg, taxonomy, report)
    articles = _published(articles, drafts, future, report)
    extra = read_pages(cfg, report)
    report.timings["read"] = time.perf_counter() - clock
    if strict and (report.skipped or report.warnings):
        raise BuildAborted([*report.skipped, *report.warnings])
    site = group.build_site(articles, [t.slug for t in taxonomy.topics])
    report.articles = len(site.articles)
    report.timings["group"] = time.perf_counter() - clock - report.timings["read"]
    renderer = Renderer(cfg, taxonomy)
    body_for = lambda a: bodies[(a.day, a.slug)]  # noqa: E731
    staging = Staging(cfg.output_dir)
    try:
        for out in site_outputs(site, renderer, body_for, extra):
            staging.add(out.path, out.data)
            report.pages += 1
        for folder in static_dirs(cfg):
            staging.copy_tree(folder, "static")
        staging.commit()
    except BaseException:
        staging.abort()
        raise
    report.written, report.unchanged, report.bytes_written = staging.written, staging.linked, staging.bytes_written
    report.timings["render"] = time.perf_counter() - clock - report.timings["read"] - report.timings["group"]
    return report


def site_outputs(site: group.Site, r: Renderer, body_for, extra: list[tuple[str, str, str]]) -> Iterator[OutputFile]:
    """Every generated file of the site, in a fixed order."""
    yield from pages.home(site, r)
    yield from pages.editions(site, r)
    yield from pages.archives(site, r)
    yield from pages.articles(site, r, body_for)
    yield from pages.terms(site, r)
    yield from pages.standalone(r, extra)
    yield from syndicate.feed_files(site, r, body_for)
    yield from syndicate.feed_index(site, r)
    yield from pages.extras(site, r, pages.sitemap_entries(site, [f"{slug}/" for slug, _, _ in extra]))


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
