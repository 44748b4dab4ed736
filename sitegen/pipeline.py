"""The two stages as a table of contents: `ingest(cfg, paths) -> IngestReport`, `build(cfg) -> BuildReport`."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from . import cache, content, frontmatter, group, intake, jobs, markup, pages, sitemap, syndicate
from . import search as searching
from .config import Config
from .errors import BuildAborted, ConfigError, SourceError
from .ingest import RawArticle, parse_bytes
from .model import Article
from .render import Renderer, static_dirs, theme_dirs
from .report import BuildReport, IngestReport, Outcome
from .slugs import slugify
from .text import clean, clean_line
from .topics import Taxonomy
from .write import Patch, Staging, build_lock, check_output, clean_stale_staging, interrupted, write_atomic

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
        else:
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
BuildProgress = Callable[[str, int, int], None]


def content_files(cfg: Config) -> list[tuple[str, str]]:
    """(absolute path, site-relative path) of every article file: content/**/*.md except hidden entries and
    `pages/`, sorted."""
    root = str(cfg.content_dir)
    prefix = cfg.content_dir.relative_to(cfg.root).as_posix() if cfg.content_dir.is_relative_to(cfg.root) \
        else str(cfg.content_dir)
    out: list[tuple[str, str]] = []
    for folder, dirs, files in os.walk(root):
        rel_dir = os.path.relpath(folder, root)
        dirs[:] = [d for d in dirs if not d.startswith(".") and not (rel_dir == "." and d == "pages")]
        base = prefix if rel_dir == "." else f"{prefix}/{rel_dir.replace(os.sep, '/')}"
        out.extend((os.path.join(folder, name), f"{base}/{name}") for name in files
                   if name.endswith(".md") and not name.startswith("."))
    return sorted(out, key=lambda pair: pair[1])


def _now() -> dt.datetime:
    """The build's notion of now: SOURCE_DATE_EPOCH when set (reproducible builds), else the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return dt.datetime.now(tz=dt.UTC)
    try:
        if not epoch.strip().isdigit():
            raise ValueError(epoch)
        return dt.datetime.fromtimestamp(int(epoch.strip()), tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        # The reproducible-builds specification: a malformed value is an error, never silently the clock.
        raise ConfigError([f"SOURCE_DATE_EPOCH={epoch[:40]!r}: must be a whole number of seconds since 1970 "
                           "(or unset)"]) from None


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


Scan = list[tuple[str, str, os.stat_result]]   # (path, site-relative path, stat) of every article file


def scan(cfg: Config) -> Scan:
    """Every article file with its stat."""
    return [(path, rel, os.stat(path)) for path, rel in content_files(cfg)]


def read_articles(cfg: Config, files: Scan, taxonomy: Taxonomy, state: cache.State,
                  report: BuildReport) -> list[Article]:
    """Load every article (from the cache when its file is unchanged); bad ones are reported and skipped."""
    global _READ
    old, fresh = state.records, {}
    todo: list[tuple[str, str, str]] = []
    stats: dict[str, os.stat_result] = {}
    for path, rel, st in files:
        stats[rel] = st
        entry = old.get(rel)
        if entry and entry.mtime_ns == st.st_mtime_ns and entry.size == st.st_size:
            fresh[rel] = entry
        else:
            todo.append((path, rel, entry.source_hash if entry else ""))
    _READ = (cfg, taxonomy)
    try:
        results = jobs.map_parallel(_load_one, todo)
    finally:
        _READ = None
    for rel, result in results:
        st = stats[rel]
        if isinstance(result, SourceError):
            report.skipped.append(str(result))
        elif result == "same":
            fresh[rel] = cache.Entry(st.st_mtime_ns, st.st_size, old[rel].source_hash, old[rel].loaded)
        else:
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


def _published(articles: list[Article], drafts: bool, future: bool,
               report: BuildReport) -> tuple[list[Article], dt.datetime | None]:
    """Articles to publish, and when the earliest one left out for its future date comes due."""
    now = _now()
    out = []
    counts = {"drafts": 0, "future": 0}
    due: dt.datetime | None = None
    for art in articles:
        if art.draft and not drafts:
            counts["drafts"] += 1
        elif art.date > now and not future:
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


def _body_for(cfg: Config) -> Callable[[Article], str]:
    """Rendered bodies on demand, remembered for the build (full-text feeds share many articles)."""
    memo: dict[str, str] = {}

    def body_for(art: Article) -> str:
        html = memo.get(art.digest)
        if html is None:
            html = memo[art.digest] = content.body_html((cfg.root / art.path).read_bytes(), art.path)
        return html
    return body_for


def plan(cfg: Config, site: group.Site, r: Renderer, extra: list[tuple[str, str, str]],
         search: bool | None = None) -> list[jobs.Job]:
    """Every output of the site as a job, in a fixed order; two jobs never share a path."""
    body_for = _body_for(cfg)
    out: list[jobs.Job] = []
    if cfg.search:   # first: the index bundles are the slowest jobs, and workers take jobs in this order
        out += searching.search_jobs(site, r, body_for, index=search is not False)
    out += pages.home(site, r)
    out += pages.editions(site, r)
    out += pages.archives(site, r)
    out += pages.articles(site, r, body_for)
    out += pages.terms(site, r)
    out += pages.threads(site, r)
    out += pages.standalone(r, extra)
    out += syndicate.feed_jobs(site, r, body_for)
    out += syndicate.feed_index(site, r)
    out += pages.extras(r)
    out += sitemap.sitemap_jobs(site, r.urls, [f"{slug}/" for slug, _, _ in extra])
    seen = {j.path for j in out}
    for folder in static_dirs(cfg):
        for path in sorted(folder.rglob("*")):
            parts = path.relative_to(folder).parts
            rel = "static/" + "/".join(parts)
            if path.is_file() and rel not in seen and not any(p.startswith(".") for p in parts):
                seen.add(rel)
                out.append(jobs.data_job(rel, path.read_bytes()))
    return out


def _output_salt(cfg: Config, taxonomy: Taxonomy) -> str:
    settings = {k: v for k, v in vars(cfg).items() if k not in ("root", "content_dir", "output_dir", "cache_dir")}
    return cache.salt("outputs", cache.package_digest(), settings,
                      [(t.slug, t.name, t.description) for t in taxonomy.topics])


def build(cfg: Config, drafts: bool = False, future: bool = False, strict: bool = False,
          use_cache: bool = True, progress: BuildProgress | None = None,
          on_wait: Callable[[str], None] | None = None, search: bool | None = None) -> BuildReport:
    """Read all content, then render what changed and publish the whole site atomically (under a lock)."""
    with build_lock(cfg.state_dir, on_wait=on_wait):
        clean_stale_staging(cfg.output_dir)
        return _build(cfg, drafts, future, strict, use_cache, progress, search)


def _inputs(cfg: Config, files: Scan, drafts: bool, future: bool) -> str:
    """A fingerprint of everything a build reads: articles, pages, templates, static files, settings, sitegen."""
    parts = [cache.package_digest(), repr(sorted(vars(cfg).items(), key=lambda kv: kv[0])), str((drafts, future))]
    parts += [f"{rel}|{st.st_mtime_ns}|{st.st_size}" for _, rel, st in files]
    folders = [cfg.content_dir / "pages", *theme_dirs(cfg), *static_dirs(cfg)]
    for folder in folders:
        for path, dirs, names in os.walk(folder):
            dirs.sort()
            for name in sorted(names):
                st = os.stat(os.path.join(path, name))
                parts.append(f"{os.path.join(path, name)}|{st.st_mtime_ns}|{st.st_size}")
    yaml_st = os.stat(cfg.root / "site.yaml") if (cfg.root / "site.yaml").exists() else None
    parts.append(f"site.yaml|{yaml_st.st_mtime_ns if yaml_st else 0}|{yaml_st.st_size if yaml_st else 0}")
    return jobs.fingerprint("\n".join(parts))


def _unchanged(cfg: Config, quick: cache.Quick | None, inputs: str, report: BuildReport) -> bool:
    """Answer a rebuild from the last one when nothing it read has changed (and nothing future came due)."""
    if (quick is None or quick.inputs != inputs or interrupted(cfg.state_dir / "publish-journal")
            or cache.output_build_id(cfg.output_dir) != quick.build_id
            or (quick.valid_until and _now() >= dt.datetime.fromisoformat(quick.valid_until))):
        return False
    saved = quick.report
    report.articles, report.pages, report.unchanged = saved["articles"], saved["pages"], saved["pages"]
    report.skipped, report.warnings, report.excluded = saved["skipped"], saved["warnings"], saved["excluded"]
    return True


def _build(cfg: Config, drafts: bool, future: bool, strict: bool, use_cache: bool,
           progress: BuildProgress | None, search: bool | None = None) -> BuildReport:
    from .topics import load_taxonomy

    report = BuildReport()
    clock = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        report.timings[name] = now - clock[0]
        clock[0] = now

    files = scan(cfg)
    finding = searching.mode(cfg, search)   # whether Pagefind runs here is an input too
    inputs = _inputs(cfg, files, drafts, future) + finding.key
    report.search = finding.state
    if use_cache and _unchanged(cfg, cache.load_quick(cfg.cache_dir), inputs, report):
        lap("read")
        if strict and (report.skipped or report.warnings):
            raise BuildAborted([*report.skipped, *report.warnings])
        return report
    taxonomy = load_taxonomy(cfg.topics, cfg.topics_replace)
    records_salt = cache.salt("records", cache.package_digest(), cfg.timezone, cfg.max_article_bytes,
                              cfg.topics, cfg.topics_replace)
    state = cache.load(cfg.cache_dir, records_salt) if use_cache else cache.State(records_salt)
    report.warnings += [finding.warning] if finding.warning else []
    articles, due = _published(read_articles(cfg, files, taxonomy, state, report), drafts, future, report)
    extra = read_pages(cfg, report)
    lap("read")
    if strict and (report.skipped or report.warnings):
        raise BuildAborted([*report.skipped, *report.warnings])
    site = group.build_site(articles, [t.slug for t in taxonomy.topics], cfg.entity_min_articles)
    report.articles = len(site.articles)
    renderer = Renderer(cfg, taxonomy)
    planned = plan(cfg, site, renderer, extra, search)
    lap("plan")
    _publish(cfg, planned, renderer, taxonomy, state, report, use_cache, progress)
    lap("render")
    jobs.forget()
    syndicate.forget()
    if use_cache:
        cache.save(cfg.cache_dir, state)
        saved = {"articles": report.articles, "pages": report.pages, "skipped": report.skipped,
                 "warnings": report.warnings, "excluded": report.excluded}
        cache.save_quick(cfg.cache_dir, cache.Quick(inputs, state.build_id, due.isoformat() if due else None, saved))
    return report


PATCH_LIMIT = 2000   # more changed files than this: publish a whole new tree instead of patching in place


def _publish(cfg: Config, planned: list[jobs.Job], r: Renderer, taxonomy: Taxonomy, state: cache.State,
             report: BuildReport, use_cache: bool, progress: BuildProgress | None) -> None:
    """Make the jobs whose keys changed and publish them: nothing at all when none did, a journaled patch of
    the output when few did, else a complete new tree swapped in atomically."""
    salt = _output_salt(cfg, taxonomy)
    templates = jobs.template_digests(r.env, sorted({j.template for j in planned if j.template}))
    keys = {j.path: jobs.key(salt, templates.get(j.template or "", ""), j) for j in planned}
    if len(keys) != len(planned):
        raise BuildAborted([f"two outputs would be written to {p}" for p in _duplicates(planned)])
    build_id = jobs.fingerprint(sorted(keys.items()))
    journal = cfg.state_dir / "publish-journal"
    trusted = (use_cache and bool(state.build_id) and not interrupted(journal)
               and cache.output_build_id(cfg.output_dir) == state.build_id)
    old = state.manifest if trusted else {}
    todo = [i for i, j in enumerate(planned) if old.get(j.path) != keys[j.path]]
    removed = sorted(set(old) - set(keys))
    report.pages = len(planned)
    if trusted and not todo and not removed:
        report.unchanged = len(planned)
        return
    check_output(cfg.output_dir)
    target: Staging | Patch = (Patch(cfg.output_dir, journal) if trusted and len(todo) + len(removed) <= PATCH_LIMIT
                               else Staging(cfg.output_dir))
    try:
        for rel in removed + [planned[i].path for i in todo if planned[i].tree and planned[i].path in old]:
            target.remove(rel)
        tick = (lambda n, total: progress("render", n, total)) if progress else None
        report.bytes_written, written = jobs.run(planned, todo, target.put, tick)
        target.commit(build_id)
    except BaseException:
        target.abort()
        raise
    journal.unlink(missing_ok=True)
    report.rendered, report.written, report.unchanged = len(todo), written, len(planned) - written
    state.manifest, state.build_id = keys, build_id


def _duplicates(planned: list[jobs.Job]) -> list[str]:
    seen: set[str] = set()
    return sorted({j.path for j in planned if j.path in seen or seen.add(j.path)})  # type: ignore[func-returns-value]
