"""The two stages as a table of contents: `ingest(cfg, paths) -> IngestReport`, `build(cfg) -> BuildReport`."""

from __future__ import annotations

import datetime as dt
import operator
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from . import cache, inputs, jobs, pagefind, publish, versions, workers
from .config import Config
from .errors import BuildAborted, SourceError
from .outputs import clean_stale_staging, interrupted
from .plans import Plans
from .publish import BuildProgress
from .report import BuildReport, IngestReport, Outcome
from .write import build_lock

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


def plan(cfg: Config, site: group.Site, r: Renderer, extra: list[tuple[str, str, str]],
         search: bool | None = None, plans: Plans | None = None,
         bodies: reading.Bodies | None = None, since: delta.Since | None = None,
         early: Callable[[list[jobs.Job]], None] | None = None) -> list[jobs.Job]:
    """Every output of the site as a job, in a fixed order; two jobs never share a path. `plans` carries
    the page groups planned by the last build (a fresh one plans everything), and collects the entries of
    outputs carried over without a job when it carries; `bodies`, the article bodies reading kept; `since`,
    what changed since the last build (None: anything); `early` is given the search jobs, the first ones,
    as soon as they are planned."""
    from . import listings, pages, reading, sitemap, syndicate
    from . import search as searching

    plans = plans or Plans(_output_salt(cfg, r.taxonomy))
    body_for = reading.body_for(cfg, bodies)
    out: list[jobs.Job] = []
    if cfg.search:   # first: the index bundles are the slowest jobs, and workers take jobs in this order
        out += searching.search_jobs(site, r, body_for, index=search is not False)
        if early:
            early(out)
    out += pages.home(site, r)
    printed = pages.day_prints(site)
    out += pages.editions(site, r, plans, printed)
    out += pages.archives(site, r, plans, printed)
    out += pages.articles(site, r, body_for, plans, since)
    out += listings.terms(site, r, plans, since.terms if since else None)
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
    return versions.salt("outputs", versions.package_digest(), settings,
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
    read = inputs.fingerprint(cfg, files, versions.package_digest(), drafts, future, finding.key)
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
            state, renderer, planned, due = _read_and_plan(cfg, files, drafts, future, strict, use_cache, search,
                                                           finding, report, lap, bodies, early)
            settle()
            publish.publish(cfg, planned, renderer, state, report, use_cache, progress, early)
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
        cache.save_quick(cfg.cache_dir, cache.Quick(read, state.manifest.build_id, due.isoformat() if due else None,
                                                    saved))
    if LEFT is not None:
        LEFT.append((state, planned, renderer))
    return report


_PATH, _FINGERPRINT = operator.itemgetter(0), operator.itemgetter(2)   # of a jobs.Entry

# Set (to a list) by a caller whose process ends right after the build (cli.run): the build's heap is left
# there instead of being freed object by object on return (0.1 s at 10,000 articles, 0.75 s at 100,000).
LEFT: list[object] | None = None


def _read_and_plan(cfg: Config, files: inputs.Scan, drafts: bool, future: bool, strict: bool, use_cache: bool,
                   search: bool | None, finding: pagefind.Mode, report: BuildReport,
                   lap: Callable[[str], None], bodies: reading.Bodies, early: workers.Early
                   ) -> tuple[cache.State, Renderer, publish.Planned, dt.datetime | None]:
    """Read every article (through the cache), group them into the site and plan its outputs; the search
    bundles whose keys changed are started (`early`) as soon as they are planned."""
    from . import delta, group, reading, weeks
    from .render import Renderer
    from .topics import load_taxonomy

    taxonomy = load_taxonomy(cfg.topics, cfg.topics_replace)
    records_salt = versions.salt("records", versions.package_digest(), cfg.timezone, cfg.max_article_bytes,
                              cfg.topics, cfg.topics_replace)
    state = cache.load(cfg.cache_dir, records_salt) if use_cache else cache.State(records_salt)
    report.warnings += [finding.warning] if finding.warning else []
    articles, due = reading.published(reading.read_articles(cfg, files, taxonomy, state, report, bodies),
                                      drafts, future, report)
    extra = reading.read_pages(cfg, report, state.pages)
    lap("read")
    if strict and (report.skipped or report.warnings):
        raise BuildAborted([*report.skipped, *report.warnings])
    memo = weeks.Memo(state.weeks)
    site = group.build_site(articles, [t.slug for t in taxonomy.topics], cfg.entity_min_articles, memo)
    state.weeks = memo.new
    report.articles = len(site.articles)
    renderer = Renderer(cfg, taxonomy)
    salt = _output_salt(cfg, taxonomy)
    published = delta.snapshot(site, salt)
    since = delta.since(site, published, state.published, state.origin)
    last = state.manifest if publish.trusted(cfg, state, use_cache) and state.manifest.salt == salt else None
    was = (last.fingerprints if last else None) or {}

    def start(ahead: list[jobs.Job]) -> None:
        early.start(ahead, [i for i, j in enumerate(ahead) if j.tree and was.get(j.path) != j.fingerprint])

    plans = Plans(salt, state.plans, state.plan_index, publish.carrying(last, since, renderer))
    planned = plan(cfg, site, renderer, extra, search, plans, bodies, since, start)
    carried = plans.carried
    if not all(map(operator.eq, map(was.get, map(_PATH, carried)), map(_FINGERPRINT, carried))):
        # Never expected (the output holds what the last build made): plan every job, to be sure.
        plans = Plans(salt, state.plans, state.plan_index)
        planned = plan(cfg, site, renderer, extra, search, plans, bodies, since)
    # saved only with the outputs they describe (after publishing)
    state.plans, state.plan_index, state.published = plans.new, plans.remembered(), published
    lap("plan")
    return state, renderer, publish.Planned(planned, plans.carried, salt), due
