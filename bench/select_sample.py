"""Rebuild the sample site's articles (content/articles/) from the practice corpora and the seed article.

    .venv/bin/python bench/select_sample.py            # needs ../shared/corpora and ../shared/seeds

The sample is the seed article plus every HuffPost item (News Category Dataset v3, Rishabh Misra, 2022,
CC BY 4.0) dated from --since to --until: a few hundred articles over several weeks. Reuters-21578 and AG News
are not redistributed (research-only and non-commercial licences). The raw files are copied to a scratch
folder and ingested with `sitegen ingest`, exactly as a user would.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", type=Path, default=SHARED / "corpora")
    parser.add_argument("--seeds", type=Path, default=SHARED / "seeds")
    parser.add_argument("--since", default="2022-08-10")
    parser.add_argument("--until", default="2022-09-23")
    args = parser.parse_args()
    folder = args.corpora / "huffpost_news_category" / "seed_format"
    with open(folder / "labels.csv", encoding="utf-8") as fh:
        chosen = [row["file"] for row in csv.DictReader(fh) if args.since <= row["date"] <= args.until]
    with tempfile.TemporaryDirectory() as tmp:
        inbox = Path(tmp)
        for name in chosen:
            shutil.copy(folder / name, inbox / name)
        for seed in sorted(args.seeds.glob("*.txt")):
            shutil.copy(seed, inbox / f"seed-{seed.name}")
        for copy in sorted((REPO / "bench" / "sample_copies").glob("*.txt")):   # syndicated copies (README there)
            shutil.copy(copy, inbox / copy.name)
        shutil.rmtree(REPO / "content" / "articles", ignore_errors=True)
        cmd = [sys.executable, "-m", "sitegen.cli", "--site", str(REPO), "ingest", str(inbox)]
        subprocess.run(cmd, check=True)
    print(f"{len(chosen)} HuffPost items ({args.since} .. {args.until}), the seed and bench/sample_copies "
          "ingested into content/")


if __name__ == "__main__":
    main()
