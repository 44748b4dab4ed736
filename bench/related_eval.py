"""Evaluate related reading on a labelled corpus: do an article's related picks share its gold label?

    .venv/bin/python bench/related_eval.py [--corpus DIR] [--limit N] [--work DIR]

Ingests the corpus (default: ../shared/corpora/reuters21578/seed_format, real dates, multi-label economic
topics) into a scratch site, reads it back as a build does, and scores related reading two ways over the
same articles: as sitegen works it out (names and words weighed within the three weeks around each article,
stories.py) and weighed over the whole corpus at once (what sitegen did before it worked a week at a time).
Precision: the share of labelled picks that share at least one label with the article; coverage: the share
of labelled articles that get at least one pick. A baseline (the five articles nearest in time) shows what
picking without reading gives. Exits 0 with a note when the corpus is absent.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sitegen import cache, group, inputs, reading, relations, stories
from sitegen.config import load_config
from sitegen.model import Article
from sitegen.report import BuildReport
from sitegen.topics import load_taxonomy

DEFAULT = REPO.parent / "shared" / "corpora" / "reuters21578" / "seed_format"


def gold_labels(corpus: Path, limit: int | None) -> tuple[list[Path], dict[str, frozenset[str]]]:
    """The raw files to ingest and, by the article id in each one's header, its gold labels."""
    files, labels = [], {}
    with open(corpus / "labels.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            path = corpus / row["file"]
            files.append(path)
            header = path.read_text(encoding="utf-8", errors="replace").split("\n", 1)[0].split()
            if len(header) == 3 and row["all_labels"]:
                labels[header[2]] = frozenset(row["all_labels"].split("|"))
            if limit and len(files) >= limit:
                break
    return files, labels


def load(files: Sequence[Path], work: Path) -> list[Article]:
    """Ingest `files` into a fresh site under `work` and read its articles back, as a build does."""
    shutil.rmtree(work, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "sitegen.cli", "new", str(work)], check=True, stdout=subprocess.DEVNULL)
    shutil.rmtree(work / "content" / "articles")
    inbox = work / "inbox"
    inbox.mkdir()
    for path in files:
        shutil.copy(path, inbox / path.name)
    subprocess.run([sys.executable, "-m", "sitegen.cli", "--site", str(work), "-q", "ingest", str(inbox)],
                   check=False)
    cfg = load_config(work)
    taxonomy = load_taxonomy(cfg.topics, cfg.topics_replace)
    report = BuildReport()
    return reading.read_articles(cfg, inputs.scan(cfg), taxonomy, cache.State("eval"), report)


def score(related: Callable[[Article], Sequence[Article]], shown: Sequence[Article],
          labels: dict[str, frozenset[str]]) -> tuple[float, float, int]:
    """(precision, coverage, articles scored) of `related` over the labelled articles of `shown`."""
    hits = picks = covered = scored = 0
    for art in shown:
        gold = labels.get(art.id or "")
        if not gold:
            continue
        scored += 1
        labelled = [labels[r.id or ""] for r in related(art) if labels.get(r.id or "")]
        covered += bool(labelled)
        picks += len(labelled)
        hits += sum(bool(gold & other) for other in labelled)
    return (hits / picks if picks else 0.0), (covered / scored if scored else 0.0), scored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT)
    parser.add_argument("--limit", type=int, help="only the first N files")
    parser.add_argument("--work", type=Path, default=Path("/tmp/sitegen-related-eval"))
    args = parser.parse_args()
    if not (args.corpus / "labels.csv").is_file():
        print(f"{args.corpus}: no labelled corpus here; nothing to evaluate")
        return
    files, labels = gold_labels(args.corpus, args.limit)
    articles = load(files, args.work)
    site = group.build_site(articles, [t.slug for t in load_taxonomy().topics])
    weekly = site.stories.related
    ordered = sorted(site.shown, key=lambda a: a.sort_key)   # one context for everything: corpus-wide weights
    picks, _ = relations.week_relations(ordered, range(len(ordered)))
    whole = {stories.key(a): tuple(ordered[j] for j in p) for a, p in zip(ordered, picks, strict=True)}
    # Baseline: the five articles nearest in time, whatever they are about.
    nearest = {stories.key(a): _nearest(ordered, i) for i, a in enumerate(ordered)}
    print(f"{len(articles)} articles read, {len(site.shown)} shown (one copy per story), "
          f"{sum(1 for a in site.shown if labels.get(a.id or ''))} with labels")
    print("| weighting | precision | coverage | articles scored |\n|---|---|---|---|")
    tables: list[tuple[str, Mapping]] = [("three weeks around each article (sitegen)", weekly),
                                      ("whole corpus at once", whole), ("baseline: the five nearest in time", nearest)]
    for name, table in tables:
        precision, coverage, n = score(partial(_picks, table), site.shown, labels)
        print(f"| {name} | {precision:.1%} | {coverage:.1%} | {n:,} |")


def _nearest(ordered: Sequence[Article], i: int, k: int = 5) -> tuple[Article, ...]:
    """The `k` articles nearest in time to `ordered[i]` (oldest first)."""
    around = list(ordered[max(0, i - k):i]) + list(ordered[i + 1:i + 1 + k])
    when = ordered[i].date
    return tuple(sorted(around, key=lambda b: abs((b.date - when).total_seconds()))[:k])


def _picks(table: Mapping, art: Article) -> Sequence[Article]:
    return table.get(stories.key(art), ())


if __name__ == "__main__":
    main()
