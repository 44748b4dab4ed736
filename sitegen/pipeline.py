"""The two stages as a table of contents: `ingest(cfg, paths) -> IngestReport`, `build(cfg) -> BuildReport`."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from . import cache, inputs, jobs, pagefind, workers
from .config import Config
from .errors import BuildAborted, SourceError
from .report import BuildReport, IngestReport, Outcome
from .write import Patch, Staging, build_lock, check_output, clean_stale_staging, interrupted

if TYPE_CHECKING:
    from . import delta, group, reading
    from .render import Renderer
    from .topics import Taxonomy

# The reading, grouping, rendering and feed modules (Markdown, Jinja2, feedgen, lxml) are imported by the
# functions that use them: a no-change rebuild, answered from `inputs.fingerprint`, never loads them.

Progress = Callable[[int, int], None]


def ingest(cfg: Config, paths: Iterable[Path], update: bool = False,
           progress: Progress | None = None) -> IngestReport:
    """Turn raw files into article files under content/articles; one bad file never stops the rest."""
    from . import intake
    from .topics import load_taxonomy

    started = time.perf_counter()
    report = IngestReport()
    files = intake.raw_files(paths, report.warnings)
    index = intake.ContentIndex.scan(cfg.articles_dir)
    taxonomy = load_taxonomy(cfg.topics, cfg.topics_replace)
    report.timings["scan"] = time.perf_counter() - started
    for n, path in enumerate(files, 1):
        try:
            raw = intake.read_raw(path, cfg.max_article_bytes)
        except SourceError as exc:
            report.outcomes.append(Outcome(str(path), "rejected", reason=str(exc)))
        else:
            report.warnings.extend(raw.warnings)
            report.outcomes.append(intake.ingest_one(cfg, raw, path, index, taxonomy, update))
        if progress:
            progress(n, len(files))
    report.timings["convert"] = time.perf_counter() - started - report.timings["scan"]
    return report


# --- build -----------------------------------------------------------------------------------------------
BuildProgress = Callable[[str, int, int], None]


def plan(cfg: Config, site: group.Site, r: Renderer, extra: list[tuple[str, str, str]],
         search: bool | None = None, plans: jobs.Plans | None = None,
         bodies: reading.Bodies | None = None, since: delta.Since | None = None,
         early: Callable[[list[jobs.Job]], None] | None = None) -> list[jobs.Job]:
    """Every output of the site as a job, in a fixed order; two jobs never share a path. `plans` carries
    the page groups planned by the last build (a fresh one plans everything); `bodies`, the article bodies
    reading kept; `since`, what changed since the last build (None: anything); `early` is given the search
    jobs, the first ones, as soon as they are planned."""
    from . import listings, pages, reading, sitemap, syndicate
    from . import search as searching

    plans = plans or jobs.Plans(_output_salt(cfg, r.taxonomy))
    body_for = reading.body_for(cfg, bodies)
    out: list[jobs.Job] = []
    if cfg.search:   # first: the index bundles are the slowest jobs, and workers take jobs in this order
        out += searching.search_jobs(site, r, body_for, index=search is not False)
        if early:
            early(out)
    out += pages.home(site, r)
    out += pages.editions(site, r, plans)
    out += pages.archives(site, r)
    if since is None:
        out += pages.articles(site, r, body_for)
        out += listings.terms(site, r, plans)
    else:
        out += pages.articles(site, r, body_for, since.articles, since.last.pages if since.last else None,
                              since.now.pages)
        out += listings.terms(site, r, plans, since.terms)
    out += pages.threads(site, r)
    out += pages.standalone(r, extra)
    out += syndicate.feed_jobs(site, r, body_for)
    out += syndicate.feed_index(site, r)
    out += pages.extras(r)
    out += sitemap.sitemap_jobs(site, r.urls, [f"{slug}/" for slug, _, _ in extra], plans)
    seen = {j.path for j in out}
    for folder in inputs.static_dirs(cfg):
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


def _unchanged(cfg: Config, quick: cache.Quick | None, read: str, report: BuildReport) -> bool:
    """Answer a rebuild from the last one when nothing it read has changed (and nothing future came due)."""
    if (quick is None or quick.inputs != read or interrupted(cfg.state_dir / "publish-journal")
            or cache.output_build_id(cfg.output_dir) != quick.build_id
            or (quick.valid_until and inputs.build_time() >= dt.datetime.fromisoformat(quick.valid_until))):
        return False
    saved = quick.report
    report.articles, report.pages, report.unchanged = saved["articles"], saved["pages"], saved["pages"]
    report.skipped, report.warnings, report.excluded = saved["skipped"], saved["warnings"], saved["excluded"]
    return True


def _build(cfg: Config, drafts: bool, future: bool, strict: bool, use_cache: bool,
           progress: BuildProgress | None, search: bool | None = None) -> BuildReport:
    report = BuildReport()
    clock = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        report.timings[name] = now - clock[0]
        clock[0] = now

    files = inputs.scan(cfg)
    finding = pagefind.mode(cfg, search)   # whether Pagefind runs here is an input too
    read = inputs.fingerprint(cfg, files, cache.package_digest(), drafts, future, finding.key)
    report.search = finding.state
    if use_cache and _unchanged(cfg, cache.load_quick(cfg.cache_dir), read, report):
        lap("read")
        if strict and (report.skipped or report.warnings):
            raise BuildAborted([*report.skipped, *report.warnings])
        return report
    from . import reading
    bodies = reading.open_bodies(cfg)
    early = workers.Early()
    try:
        with workers.gc_quiet() as settle:
            state, renderer, taxonomy, planned, due = _read_and_plan(cfg, files, drafts, future, strict,
                                                                     use_cache, search, finding, report, lap,
                                                                     bodies, early)
            settle()
            _publish(cfg, planned, renderer, taxonomy, state, report, use_cache, progress, early)
    finally:
        early.stop()
        bodies.close()
        pagefind.close_service()   # this process's, if it indexed anything (workers' end with them)
    lap("render")
    from . import syndicate
    jobs.forget()
    syndicate.forget()
    if use_cache:
        # The collector is off while saving: the build's heap was just thawed into the oldest generation, and
        # the allocations of pickling would set off a collection of all of it (2 s at 100,000 articles).
        with workers.gc_quiet():
            cache.save(cfg.cache_dir, state)
        saved = {"articles": report.articles, "pages": report.pages, "skipped": report.skipped,
                 "warnings": report.warnings, "excluded": report.excluded}
        cache.save_quick(cfg.cache_dir, cache.Quick(read, state.build_id, due.isoformat() if due else None, saved))
    if LEFT is not None:
        LEFT.append((state, planned, renderer))
    return report


# Set (to a list) by a caller whose process ends right after the build (cli.run): the build's heap is left
# there instead of being freed object by object on return (0.1 s at 10,000 articles, 0.75 s at 100,000).
LEFT: list[object] | None = None


def _read_and_plan(cfg: Config, files: inputs.Scan, drafts: bool, future: bool, strict: bool, use_cache: bool,
                   search: bool | None, finding: pagefind.Mode, report: BuildReport,
                   lap: Callable[[str], None], bodies: reading.Bodies, early: workers.Early
                   ) -> tuple[cache.State, Renderer, Taxonomy, list[jobs.Job], dt.datetime | None]:
    """Read every article (through the cache), group them into the site and plan its outputs; the search
    bundles whose keys changed are started (`early`) as soon as they are planned."""
    from . import delta, group, reading, weeks
    from .render import Renderer
    from .topics import load_taxonomy

    taxonomy = load_taxonomy(cfg.topics, cfg.topics_replace)
    records_salt = cache.salt("records", cache.package_digest(), cfg.timezone, cfg.max_article_bytes,
                              cfg.topics, cfg.topics_replace)
    state = cache.load(cfg.cache_dir, records_salt) if use_cache else cache.State(records_salt)
    report.warnings += [finding.warning] if finding.warning else []
    articles, due = reading.published(reading.read_articles(cfg, files, taxonomy, state, report, bodies),
                                      drafts, future, report)
    extra = reading.read_pages(cfg, report)
    lap("read")
    if strict and (report.skipped or report.warnings):
        raise BuildAborted([*report.skipped, *report.warnings])
    memo = weeks.Memo(state.weeks)
    site = group.build_site(articles, [t.slug for t in taxonomy.topics], cfg.entity_min_articles, memo)
    state.weeks = memo.new
    report.articles = len(site.articles)
    renderer = Renderer(cfg, taxonomy)
    salt = _output_salt(cfg, taxonomy)
    plans = jobs.Plans(salt, state.plans, state.plan_index)
    published = delta.snapshot(site, salt)
    since = delta.since(site, published, state.published, state.origin)

    def start(ahead: list[jobs.Job]) -> None:
        keys = _keys(ahead, renderer, salt)
        old = state.manifest if _trusted(cfg, state, use_cache) else {}
        early.start(ahead, [i for i, j in enumerate(ahead) if j.tree and old.get(j.path) != keys[j.path]])

    planned = plan(cfg, site, renderer, extra, search, plans, bodies, since, start)
    # saved only with the outputs they describe (after publishing)
    state.plans, state.plan_index, state.published = plans.new, (salt, plans.index), published
    lap("plan")
    return state, renderer, taxonomy, planned, due


PATCH_LIMIT = 2000   # more changed files than this: publish a whole new tree instead of patching in place


def _keys(planned: list[jobs.Job], r: Renderer, salt: str) -> dict[str, str]:
    """Each job's key by its path."""
    templates = jobs.template_digests(r.env, sorted({j.template for j in planned if j.template}))
    return {j.path: jobs.key(salt, templates.get(j.template or "", ""), j) for j in planned}


def _trusted(cfg: Config, state: cache.State, use_cache: bool) -> bool:
    """Whether the output folder is what the cached manifest describes (so unchanged keys need no work)."""
    return (use_cache and bool(state.build_id) and not interrupted(cfg.state_dir / "publish-journal")
            and cache.output_build_id(cfg.output_dir) == state.build_id)


def _publish(cfg: Config, planned: list[jobs.Job], r: Renderer, taxonomy: Taxonomy, state: cache.State,
             report: BuildReport, use_cache: bool, progress: BuildProgress | None,
             early: workers.Early | None = None) -> None:
    """Make the jobs whose keys changed and publish them: nothing at all when none did, a journaled patch of
    the output when few did, else a complete new tree swapped in atomically. Jobs `early` has under way
    are not made again."""
    keys = _keys(planned, r, _output_salt(cfg, taxonomy))
    if len(keys) != len(planned):
        raise BuildAborted([f"two outputs would be written to {p}" for p in _duplicates(planned)])
    build_id = jobs.digest("\n".join(f"{path}\x1f{k}" for path, k in sorted(keys.items())))
    journal = cfg.state_dir / "publish-journal"
    trusted = _trusted(cfg, state, use_cache)
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
        report.bytes_written, written = workers.run(planned, todo, target.put, tick, early=early)
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
