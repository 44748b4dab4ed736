"""Command line: `sitegen [--site DIR] new|ingest|build|serve|check|topics ...` -> exit code.

Exit codes: 0 success; 1 content errors (bad articles were reported and skipped, or --strict tripped);
2 usage or configuration errors (nothing was done).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Sequence

from . import __version__
from .config import Config, load_config
from .errors import BuildAborted, ConfigError, SitegenError
from .report import dump_json

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2
EPILOG = """exit codes: 0 ok, 1 content errors (reported; the rest was processed), 2 usage or config errors

examples:
  sitegen new my-digest            make a new site
  sitegen ingest inbox/            turn raw articles into content/articles/**.md
  sitegen build                    build the site into public/
  sitegen --site my-digest build   act on another folder's site"""


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
    common.add_argument("--site", type=Path, default=argparse.SUPPRESS,
                        help="the site folder (holding site.yaml); default: the current folder")
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                        help="print only problems")
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="print every warning and file")
    return common


def _sub(subs, name: str, help: str, example: str, common) -> argparse.ArgumentParser:
    return subs.add_parser(name, parents=[common], help=help, description=help,
                           epilog=f"example:\n  {example}\n\n" + EPILOG.split("\n\n")[0],
                           formatter_class=argparse.RawDescriptionHelpFormatter)


def parser() -> argparse.ArgumentParser:
    """The full argument parser (also used to document the commands)."""
    common = _common()
    p = argparse.ArgumentParser(prog="sitegen", parents=[common], epilog=EPILOG,
                                description="A static site generator for news digests.",
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"sitegen {__version__}")
    subs = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    new = _sub(subs, "new", "make a new, ready-to-build site in DIR", "sitegen new my-digest", common)
    new.add_argument("dir", type=Path, help="folder to create (must be empty or absent)")

    ing = _sub(subs, "ingest", "turn raw articles (files or folders of *.txt) into Markdown articles",
               "sitegen ingest inbox/ ../more/article.txt", common)
    ing.add_argument("paths", type=Path, nargs="+", help="raw article files or folders (searched recursively)")
    ing.add_argument("--update", action="store_true",
                     help="regenerate articles already ingested (files edited by hand are never overwritten)")
    ing.add_argument("--report", type=Path, help="also write the report as JSON to this file")
    ing.add_argument("--strict", action="store_true", help="treat warnings as errors (exit 1)")

    bld = _sub(subs, "build", "build the site into the output folder (public/ by default)",
               "sitegen build --strict", common)
    bld.add_argument("--drafts", action="store_true", help="include articles marked draft: true")
    bld.add_argument("--future", action="store_true", help="include articles dated in the future")
    bld.add_argument("--strict", action="store_true", help="fail (exit 1, nothing published) on any warning")
    bld.add_argument("--report", type=Path, help="also write the build report as JSON to this file")
    bld.add_argument("--base-url", help="override base_url from site.yaml for this build")

    top = _sub(subs, "topics", "list the taxonomy, or explain an article's topics",
               "sitegen topics --explain content/articles/2025/07/22/ukraine.md", common)
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


def cmd_new(args: argparse.Namespace, out: Output) -> int:
    from .scaffold import new_site

    target = args.dir if args.dir.is_absolute() else _site(args) / args.dir
    new_site(target)
    out.info(f"new site in {target}: cd {args.dir} && sitegen build")
    return EXIT_OK


def cmd_ingest(args: argparse.Namespace, out: Output) -> int:
    from .pipeline import ingest
    from .write import write_atomic

    cfg = _config(args)
    report = ingest(cfg, args.paths, update=args.update)
    for o in report.rejected:
        out.problem(o.reason)
    for w in report.warnings:
        out.problem(f"warning: {w}")
    for o in report.outcomes:
        if o.status == "skipped":
            out.detail(o.reason)
    text_report = cfg.state_dir / "ingest-report.txt"
    write_atomic(text_report, report.text().encode("utf-8"))
    if args.report:
        write_atomic(args.report, dump_json(report.to_json()).encode("utf-8"))
    out.info(f"{report.summary()} (report: {text_report.relative_to(cfg.root)})")
    failed = report.rejected or (args.strict and report.warnings)
    return EXIT_CONTENT if failed else EXIT_OK


def cmd_build(args: argparse.Namespace, out: Output) -> int:
    from .pipeline import build
    from .write import write_atomic

    cfg = _config(args, **({"base_url": args.base_url} if args.base_url else {}))
    try:
        report = build(cfg, drafts=args.drafts, future=args.future, strict=args.strict)
    except BuildAborted as exc:
        for e in exc.errors:
            out.problem(str(e))
        out.problem(f"build: aborted under --strict ({len(exc.errors)} problems); {cfg.output_dir.name}/ "
                    "left as it was")
        return EXIT_CONTENT
    for line in report.skipped:
        out.problem(line)
    for w in report.warnings:
        out.problem(f"warning: {w}")
    if args.report:
        write_atomic(args.report, dump_json(report.to_json()).encode("utf-8"))
    out.info(report.summary())
    return EXIT_CONTENT if report.skipped else EXIT_OK


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
    "new": cmd_new, "ingest": cmd_ingest, "build": cmd_build, "topics": cmd_topics,
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
        for line in exc.problems:
            out.problem(line)
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


if __name__ == "__main__":
    sys.exit(main())
