"""Evaluate topic assignment on the labelled practice corpora: seed_format folders -> report on stdout.

    .venv/bin/python bench/topics_eval.py [--corpora DIR] [--only NAME] [--limit N]

For each corpus with a section in bench/topic_label_map.yaml: top-1 accuracy (a hit when the primary topic is
one of the slugs the gold label maps to), per-topic precision/recall, a confusion table, classify speed. For
HuffPost only the held-out split (see `heldout`) is scored: the shipped model never trained on it. For
reuters21578 also the share of economic articles whose primary topic is economy-business. Exits 0 with a
note when the corpora folder is absent.
"""

from __future__ import annotations

import argparse
import csv
import re
import subprocess
import sys
import time
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sitegen.topics import MODEL_PATH, load_taxonomy

DEFAULT_CORPORA = REPO.parent / "shared" / "corpora"
LABEL_MAP = REPO / "bench" / "topic_label_map.yaml"
_SOURCE = re.compile(r"^\(([^()\n]{1,60})\)\s*")
HUFFPOST = "huffpost_news_category"
REUTERS = "reuters21578"


def heldout(file_name: str) -> bool:
    """Tell whether a HuffPost file is in the 20% held-out split (CRC-32 of its name: stable anywhere)."""
    return zlib.crc32(file_name.encode("utf-8")) % 5 == 0


def read_article(path: Path) -> tuple[str, str]:
    """Read a raw seed-format file -> (title, body): header line dropped, "(SOURCE) " prefix stripped."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:   # the 1987 Reuters files are partly Latin-1
        text = data.decode("cp1252", errors="replace")
    lines = text.splitlines()
    title = lines[1].strip() if len(lines) > 1 else ""
    paras = [line.strip() for line in lines[2:] if line.strip()]
    if paras:
        paras[0] = _SOURCE.sub("", paras[0])
    return title, "\n".join(paras)


def read_corpus(folder: Path) -> list[tuple[str, list[str], str, str]]:
    """Read a seed_format folder -> [(file, labels, title, body)] in labels.csv order."""
    rows = []
    with open(folder / "labels.csv", newline="", encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            labels = [x for x in (rec["all_labels"] or rec["label"]).split("|") if x]
            rows.append((rec["file"], labels, *read_article(folder / rec["file"])))
    return rows


def label_map(name: str, spec: dict) -> tuple[dict[str, list[str]], set[str], set[str]]:
    """Return (label -> allowed slugs, labels deliberately left out, economic labels) for one corpus."""
    section = spec[name]
    if name == REUTERS:
        economic = {label for group in section["economic"].values() for label in group}
        mapping = {label: ["economy-business"] for label in economic}
        mapping.update(section.get("labels", {}))
        return mapping, set(), economic
    if name == HUFFPOST:
        return section["labels"], set(section.get("unmapped", [])), set()
    return section, set(), set()


@dataclass
class Tally:
    """Counts for one corpus: hits, confusion, per-topic precision/recall, economic share, speed."""

    n: int = 0
    hits: int = 0
    any_hits: int = 0    # a mapped topic among all 1..3 returned, not just the primary
    seconds: float = 0.0
    left_out: Counter[str] = field(default_factory=Counter)
    confusion: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    row_hits: Counter[str] = field(default_factory=Counter)
    pred_n: Counter[str] = field(default_factory=Counter)     # predictions per topic
    pred_ok: Counter[str] = field(default_factory=Counter)    # ... that were right
    gold_n: Counter[str] = field(default_factory=Counter)     # articles per main gold topic
    gold_ok: Counter[str] = field(default_factory=Counter)    # ... scored right
    econ: list[int] = field(default_factory=lambda: [0, 0])   # [economic articles, in economy-business]

    def add(self, labels: list[str], allowed: list[str], result: list[tuple[str, float]],
            economic: bool) -> None:
        """Count one scored article; `allowed` lists its mapped slugs, the label's main topic first."""
        pred = result[0][0]
        ok = pred in allowed
        self.any_hits += any(slug in allowed for slug, _ in result)
        self.n += 1
        self.hits += ok
        self.confusion[labels[0]][pred] += 1
        self.row_hits[labels[0]] += ok
        self.pred_n[pred] += 1
        self.pred_ok[pred] += ok
        self.gold_n[allowed[0]] += 1
        self.gold_ok[allowed[0]] += ok
        if economic:
            self.econ[0] += 1
            self.econ[1] += pred == "economy-business"


def evaluate(name: str, rows: list, spec: dict, taxonomy) -> Tally:
    """Classify one corpus and print its report."""
    mapping, _unmapped, economic = label_map(name, spec)
    tally = Tally()
    for _file, labels, title, body in rows:
        allowed = list(dict.fromkeys(slug for label in labels for slug in mapping.get(label, [])))
        if not allowed:
            tally.left_out["(no label)" if not labels else labels[0]] += 1
            continue
        started = time.perf_counter()
        result = taxonomy.classify(title, body)
        tally.seconds += time.perf_counter() - started
        tally.add(labels, allowed, result, bool(economic) and all(label in economic for label in labels))
    report(name, tally)
    return tally


def report(name: str, t: Tally) -> None:
    """Print one corpus's numbers."""
    print(f"\n== {name}: {t.n} articles scored, top-1 accuracy {t.hits / max(t.n, 1):.1%} "
          f"(a right topic anywhere in the 1-3 returned: {t.any_hits / max(t.n, 1):.1%})")
    if t.left_out:
        print(f"   left out (unlabelled, or label deliberately unmapped): {sum(t.left_out.values())}: "
              + ", ".join(f"{k} {v}" for k, v in t.left_out.most_common(8)))
    if t.econ[0]:
        share = t.econ[1] / t.econ[0]
        print(f"   economic labels -> economy-business: {share:.1%} ({t.econ[1]}/{t.econ[0]})")
    print(f"   classify: {1000 * t.seconds / max(t.n, 1):.3f} ms/article (title + body as given)")
    print("   topic               predicted precision |  gold  recall   (gold: articles whose label maps first"
          " to it; recall: share of those right)")
    for slug in sorted(set(t.pred_n) | set(t.gold_n)):
        prec = f"{t.pred_ok[slug] / t.pred_n[slug]:9.1%}" if t.pred_n[slug] else "        -"
        rec = f"{t.gold_ok[slug] / t.gold_n[slug]:7.1%}" if t.gold_n[slug] else "      -"
        print(f"   {slug:20}{t.pred_n[slug]:9} {prec} | {t.gold_n[slug]:5} {rec}")
    print_confusion(t.confusion, t.row_hits)


def _abbrev(slug: str) -> str:
    return slug[:4]


def print_confusion(confusion: dict[str, Counter[str]], hits: Counter[str], max_rows: int = 20) -> None:
    """Print gold label (rows, most frequent first, with accuracy) x predicted topic (columns)."""
    slugs = sorted({s for row in confusion.values() for s in row})
    print("   confusion (rows: gold label, with accuracy; columns: primary topic, first 4 letters)")
    head = " ".join(f"{_abbrev(s):>4}" for s in slugs)
    print(f"   {'label':22} {'n':>5} {'acc':>5} {head}")
    ranked = sorted(confusion, key=lambda k: (-sum(confusion[k].values()), k))
    for label in ranked[:max_rows]:
        row = confusion[label]
        total = sum(row.values())
        acc = hits[label] / total
        cells = " ".join(f"{row[s]:4}" if row[s] else "   ." for s in slugs)
        print(f"   {label[:22]:22} {total:5} {acc:5.0%} {cells}")
    if len(ranked) > max_rows:
        rest = sum(sum(confusion[k].values()) for k in ranked[max_rows:])
        print(f"   ... {len(ranked) - max_rows} more labels, {rest} articles")


def cold_load_ms() -> float:
    """Time import + load_taxonomy() in a fresh interpreter (what a build pays once)."""
    code = ("import time; t = time.perf_counter(); from sitegen.topics import load_taxonomy; "
            "load_taxonomy(); print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    return 1000 * float(out.stdout.strip())


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation over every labelled corpus found."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA,
                        help="folder holding <corpus>/seed_format")
    parser.add_argument("--only", help="evaluate just this corpus")
    parser.add_argument("--limit", type=int, default=0, help="read at most N articles per corpus")
    args = parser.parse_args(argv)
    if not args.corpora.is_dir():
        print(f"corpora folder {args.corpora} not found: nothing to evaluate (pass --corpora DIR)")
        return 0
    spec = yaml.safe_load(LABEL_MAP.read_text("utf-8"))
    print(f"model {MODEL_PATH.name}: {MODEL_PATH.stat().st_size / 1024:.0f} KiB; "
          f"cold import + load_taxonomy(): {cold_load_ms():.0f} ms")
    taxonomy = load_taxonomy()
    for name in sorted(spec):
        folder = args.corpora / name / "seed_format"
        if (args.only and name != args.only) or not (folder / "labels.csv").is_file():
            continue
        rows = read_corpus(folder)
        if name == HUFFPOST:
            rows = [r for r in rows if heldout(r[0])]
        evaluate(name, rows[: args.limit or None], spec, taxonomy)
    return 0


if __name__ == "__main__":
    sys.exit(main())
