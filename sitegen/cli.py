"""Command line: `sitegen [--site DIR] new|ingest|build|serve|check|topics ...` -> exit code.

Exit codes: 0 success; 1 content errors (bad articles were reported and skipped, or --strict tripped);
2 usage or configuration errors (nothing was done); 130 interrupted. Under CI (or --annotate) every problem is
also printed as an annotation of the host (annotate.py).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__
from .annotate import Annotator, targets, workspace
from .config import Config, load_config
from .errors import BuildAborted, ConfigError, SitegenError
from .progress import Progress
from .report import BuildReport, dump_json

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2
EPILOG = """exit codes: 0 ok, 1 content errors (reported; the rest was processed), 2 usage or config errors
  (ingest: 1 when a raw file was rejected; build: 1 when an article was skipped, or --strict found any
  problem and published nothing; check: 1 on any problem; 2: bad arguments or site.yaml, nothing was done)

in CI: on GitHub Actions every error and warning is also printed as a ::error/::warning annotation,
  on GitLab CI written to a Code Quality report (gl-code-quality.json); see docs/ci.md

examples:
  sitegen new my-digest            make a new site
  sitegen ingest inbox/            turn raw articles into content/articles/**.md
  sitegen build                    build the site into public/
  sitegen serve                    preview on http://127.0.0.1:8000/, rebuilt and reloaded as you edit
  sitegen check                    build into a temporary folder and check links, assets and feeds
  sitegen --site my-digest build   act on another folder's site

'sitegen COMMAND --help' explains each command."""


class Output:
    """Where messages go: problems to stderr, summaries to stdout, honouring --quiet/--verbose."""

    def __init__(self, quiet: bool = False, verbose: bool = False) -> None:
        self.quiet, self.verbose = quiet, verbose

    def problem(self, line: str) -> None:
        print(line, file=sys.stderr)

    def info(self, line: str) -> None:
        if not self.quiet:
            print(line)

    def detail(self, line: str) -> None:
        if self.verbose:
            print(line)


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--site", type=Path, default=argparse.SUPPRESS, metavar="DIR",
                        help="the site folder (holding site.yaml); default: the current folder")
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                        help="print only problems")
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="print every warning and file")
    return common


def _sub(subs, name: str, help: str, examples: str, common, about: str = "") -> argparse.ArgumentParser:
    """A subcommand whose --help shows what it does (`about`), worked examples and the exit codes."""
    return subs.add_parser(name, parents=[common], help=help, description=f"{help}.\n\n{about}".strip(),
                           epilog=f"examples:\n{examples}\n\n" + "\n\n".join(EPILOG.split("\n\n")[:2]),
                           formatter_class=argparse.RawDescriptionHelpFormatter)


def _annotate_flags(p: argparse.ArgumentParser) -> None:
    """--annotate/--no-annotate and --annotate-file: CI annotations of every error and warning."""
    p.add_argument("--annotate", action=argparse.BooleanOptionalAction, default=None,
                   help="also print each problem as a GitHub workflow-command annotation (::error file=,line=::); "
                   "default: on under GitHub Actions (GITHUB_ACTIONS=true), and a Code Quality file under GitLab "
                   "CI (GITLAB_CI)")
    p.add_argument("--annotate-file", type=Path, metavar="FILE",
                   help="also write every problem to FILE as a GitLab Code Quality report (default under "
                   "GitLab CI: gl-code-quality.json); entries of other sitegen commands in FILE are kept")


def parser() -> argparse.ArgumentParser:
    """The full argument parser (also used to document the commands)."""
    common = _common()
    p = argparse.ArgumentParser(prog="sitegen", parents=[common], epilog=EPILOG,
                                description="A static site generator for news digests.",
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"sitegen {__version__}")
    subs = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    new = _sub(subs, "new", "make a new, ready-to-build site in DIR",
               "  sitegen new my-digest && cd my-digest && sitegen serve", common,
               "Writes site.yaml (every setting commented), content/articles/ with one sample article,\n"
               "content/pages/about.md, templates/ for your overrides, a README and a .gitignore.\n"
               "DIR must be absent or empty; a relative DIR is taken from --site.")
    new.add_argument("dir", type=Path, help="folder to create (must be empty or absent)")

    ing = _sub(subs, "ingest", "turn raw articles (files or folders of *.txt) into Markdown articles",
               "  sitegen ingest inbox/ ../more/article.txt\n"
               "  sitegen ingest --update --report ingest.json inbox/", common,
               "Each raw file becomes content/articles/YYYY/MM/DD/<slug>.md with front matter (topics,\n"
               "summary, source). Raw files are never changed; ingesting again changes nothing; every file\n"
               "gets one line in .sitegen/ingest-report.txt. Shows a progress bar on a terminal.")
    ing.add_argument("paths", type=Path, nargs="+", help="raw article files or folders (searched recursively)")
    ing.add_argument("--update", action="store_true",
                     help="regenerate articles already ingested (files edited by hand are never overwritten)")
    ing.add_argument("--report", type=Path, metavar="FILE", help="also write the report as JSON to FILE "
                     "(schema sitegen-report/1: docs/report.schema.json)")
    ing.add_argument("--strict", action="store_true", help="treat warnings as errors (exit 1)")
    _annotate_flags(ing)

    bld = _sub(subs, "build", "build the site into the output folder (public/ by default)",
               "  sitegen build\n  sitegen build --strict --report build.json   # for CI\n"
               "  sitegen build --base-url https://example.org/news/", common,
               "Reads every article, then writes pages, feeds and the sitemap into a staging folder that\n"
               "replaces the output folder only when complete. Bad articles are reported as path:line:\n"
               "message and skipped (exit 1); --strict publishes nothing if anything is wrong.")
    bld.add_argument("--drafts", action="store_true", help="include articles marked draft: true")
    bld.add_argument("--future", action="store_true", help="include articles dated in the future")
    bld.add_argument("--strict", action="store_true", help="fail (exit 1, nothing published) on any warning")
    bld.add_argument("--report", type=Path, metavar="FILE", help="also write the build report as JSON to FILE "
                     "(schema sitegen-report/1: docs/report.schema.json)")
    bld.add_argument("--base-url", help="override base_url from site.yaml for this build")
    bld.add_argument("--no-search", dest="search", action="store_false", default=None,
                     help="skip the search index for this build (search: false in site.yaml turns search off)")
    bld.add_argument("--no-cache", dest="cache", action="store_false",
                     help="a clean build: read and render everything, ignoring the build cache (the cache "
                     "is left as it was; the next build still uses it)")
    _annotate_flags(bld)

    srv = _sub(subs, "serve", "preview the site locally, rebuilding and reloading pages as you edit",
               "  sitegen serve                    # http://127.0.0.1:8000/\n"
               "  sitegen serve --port 0 --drafts  # any free port, drafts included", common,
               "Builds into a temporary folder (public/ is left alone) with base_url set to the local\n"
               "address, serves it, and watches content/, themes/, templates/, static/ and site.yaml.\n"
               "On a change it rebuilds and open browser tabs reload themselves; a failed build is shown\n"
               "in the terminal and as a banner in the page while the last good build stays up. Ctrl-C stops.")
    srv.add_argument("--port", type=int, default=8000, metavar="N", help="port to listen on (0: any free port; "
                     "default 8000)")
    srv.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 "
                     "shares the preview with your network)")
    srv.add_argument("--drafts", action="store_true", help="include articles marked draft: true")
    srv.add_argument("--future", action="store_true", help="include articles dated in the future")
    srv.add_argument("--search", action="store_true",
                     help="also build the search index (off by default: it costs seconds per thousand articles)")

    chk = _sub(subs, "check", "check content, config and the built output without publishing",
               "  sitegen check\n  sitegen check --strict   # warnings fail too (CI)", common,
               "Builds into a temporary folder (public/ is not touched), then checks that every internal\n"
               "link and asset resolves to a file (fragments included), every feed, sitemap and OPML file\n"
               "is well-formed with its required elements, and no two output paths collide. Each problem\n"
               "is printed as 'page: problem'; exit 1 if there is any.")
    chk.add_argument("--drafts", action="store_true", help="include articles marked draft: true")
    chk.add_argument("--future", action="store_true", help="include articles dated in the future")
    chk.add_argument("--strict", action="store_true", help="treat warnings as problems (exit 1)")
    _annotate_flags(chk)

    top = _sub(subs, "topics", "list the taxonomy, or explain an article's topics",
               "  sitegen topics --list\n"
               "  sitegen topics --explain content/articles/2025/07/22/ukraine.md", common,
               "--list prints the site's taxonomy (slug and name); --explain shows how the classifier\n"
               "scored one raw (.txt) or Markdown (.md) article, to see why it got its topics.")
    group = top.add_mutually_exclusive_group(required=True)
    group.add_argument("--explain", type=Path, metavar="FILE", help="raw (.txt) or Markdown (.md) article")
    group.add_argument("--list", action="store_true", help="print the site's topics")
    return p


def _site(args: argparse.Namespace) -> Path:
    return Path(getattr(args, "site", None) or Path.cwd())


def _config(args: argparse.Namespace, **overrides: str) -> Config:
    cfg = load_config(_site(args))
    if overrides:
        from .config import config_from_mapping
        from .frontmatter import load_yaml

        raw = load_yaml((cfg.root / "site.yaml").read_text(encoding="utf-8-sig"), "site.yaml") or {}
        cfg = config_from_mapping(cfg.root, {**raw, **overrides})
    return cfg


def _annotator(args: argparse.Namespace) -> Annotator:
    """Where this command's problems are annotated for the CI host (nowhere outside CI, by default)."""
    where = targets(getattr(args, "annotate", None), getattr(args, "annotate_file", None), os.environ)
    return Annotator(args.command, where, workspace(os.environ), _site(args))


def _problems(out: Output, ann: Annotator, lines: Sequence[str], level: str, base: Path | None,
              prefix: str = "") -> None:
    """Print problem lines and annotate each; `base` is what their paths are relative to."""
    for line in lines:
        out.problem(prefix + line)
        ann.add(level, line, base)


def cmd_new(args: argparse.Namespace, out: Output) -> int:
    from .scaffold import new_site

    target = args.dir if args.dir.is_absolute() else _site(args) / args.dir
    new_site(target)
    out.info(f"new site in {target}: cd {args.dir} && sitegen serve   (or: sitegen build)")
    return EXIT_OK


def cmd_ingest(args: argparse.Namespace, out: Output) -> int:
    from .pipeline import ingest
    from .write import write_atomic

    cfg = _config(args)
    with Progress("ingest", "files", quiet=out.quiet, verbose=out.verbose) as bar:
        report = ingest(cfg, args.paths, update=args.update, progress=bar)
    ann, here = _annotator(args), Path.cwd()   # raw paths are as given on the command line
    _problems(out, ann, [o.reason for o in report.rejected], "error", here)
    _problems(out, ann, report.warnings, "error" if args.strict else "warning", here, "warning: ")
    for o in report.outcomes:
        if o.status == "skipped":
            out.detail(o.reason)
            ann.add("notice", o.reason, here)
    text_report = cfg.state_dir / "ingest-report.txt"
    write_atomic(text_report, report.text().encode("utf-8"))
    failed = report.rejected or (args.strict and report.warnings)
    code = EXIT_CONTENT if failed else EXIT_OK
    if args.report:
        write_atomic(args.report, dump_json(report.to_json(code)).encode("utf-8"))
    ann.close()
    out.info(f"{report.summary()} (report: {text_report.relative_to(cfg.root)})")
    return code


def cmd_build(args: argparse.Namespace, out: Output) -> int:
    from . import pipeline
    from .pipeline import build
    from .write import write_atomic

    if _EXITING:   # one build, then the process ends: no need to free its heap (see `run`)
        pipeline.LEFT = []

    cfg = _config(args, **({"base_url": args.base_url} if args.base_url else {}))
    ann = _annotator(args)
    try:
        with Progress("build", "files", quiet=out.quiet, verbose=out.verbose) as bar:
            report = build(cfg, drafts=args.drafts, future=args.future, strict=args.strict,
                           use_cache=args.cache, progress=bar.stage, on_wait=out.info, search=args.search)
    except BuildAborted as exc:
        report = BuildReport(errors=[str(e) for e in exc.errors], output_dir=cfg.output_dir.name)
        _problems(out, ann, report.errors, "error", cfg.root)
        out.problem(report.summary())
    else:
        _problems(out, ann, report.skipped, "error", cfg.root)
        _problems(out, ann, report.warnings, "warning", cfg.root, "warning: ")
        out.info(report.summary())
    code = EXIT_CONTENT if report.skipped or report.errors else EXIT_OK
    if args.report:
        write_atomic(args.report, dump_json(report.to_json(code)).encode("utf-8"))
    ann.close()
    return code


def cmd_serve(args: argparse.Namespace, out: Output) -> int:
    from .serve import ServeError, serve

    try:
        return serve(_site(args), out, host=args.host, port=args.port, drafts=args.drafts, future=args.future,
                     verbose=out.verbose, search=args.search)
    except ServeError as exc:
        out.problem(f"sitegen serve: {exc}")
        return EXIT_USAGE


def cmd_check(args: argparse.Namespace, out: Output) -> int:
    from .check import check_site

    cfg = _config(args)
    with Progress("check", "pages", quiet=out.quiet, verbose=out.verbose) as bar:
        report = check_site(cfg, drafts=args.drafts, future=args.future, progress=bar.stage)
    ann = _annotator(args)
    _problems(out, ann, report.build.skipped, "error", cfg.root)
    _problems(out, ann, report.build.warnings, "error" if args.strict else "warning", cfg.root, "warning: ")
    # problems name built pages (about/index.html), not files in the repository: annotated without a file
    _problems(out, ann, [str(p) for p in report.problems], "error", None)
    ann.close()
    out.info(report.summary())
    failed = report.problems or report.build.skipped or (args.strict and report.build.warnings)
    return EXIT_CONTENT if failed else EXIT_OK


def cmd_topics(args: argparse.Namespace, out: Output) -> int:
    from .topics import load_taxonomy

    cfg = _config(args)
    taxonomy = load_taxonomy(cfg.topics, cfg.topics_replace)
    if args.list:
        for t in taxonomy.topics:
            out.info(f"{t.slug:20} {t.name}")
        return EXIT_OK
    from .content import title_and_text

    title, text = title_and_text(args.explain.read_bytes(), str(args.explain))
    print(taxonomy.explain(title, text))
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace, Output], int]] = {
    "new": cmd_new, "ingest": cmd_ingest, "build": cmd_build, "serve": cmd_serve, "check": cmd_check,
    "topics": cmd_topics,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code."""
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    out = Output(getattr(args, "quiet", False), getattr(args, "verbose", False))
    try:
        return COMMANDS[args.command](args, out)
    except ConfigError as exc:
        ann = _annotator(args) if args.command in ("ingest", "build", "check") else None
        for line in exc.problems:
            out.problem(line)
            if ann:
                ann.add("error", line, _site(args))   # site.yaml's problems name it relative to the site
        if ann:
            ann.close()
        return EXIT_USAGE
    except SitegenError as exc:
        out.problem(f"sitegen: {exc}")
        return EXIT_CONTENT
    except (FileExistsError, FileNotFoundError, NotADirectoryError, PermissionError) as exc:
        out.problem(f"sitegen: {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        out.problem("sitegen: interrupted; nothing was half-written")
        return 130


_EXITING = False   # set by `run`: the process ends when `main` returns


def run() -> None:
    """The `sitegen` command: `main`, then exit without tearing the heap down object by object.

    Everything is written and closed by the time `main` returns (outputs and the cache atomically, worker
    pools joined); freeing a build's records one by one at interpreter exit only costs time, 0.2 s at 10,000
    articles and seconds at 100,000, so the process ends at once after flushing its output (and `build`
    leaves its heap in place: `pipeline.LEFT`)."""
    global _EXITING
    _EXITING = True
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
