"""Near-duplicate stories (sitegen/cluster.py): copies cluster, distinct same-subject stories do not, the
window holds, results do not depend on hash seeds or input order, and short or empty texts never merge."""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from sitegen import cluster

REPO = Path(__file__).resolve().parent.parent
REUTERS = REPO.parent / "shared" / "corpora" / "reuters21578" / "seed_format"
DAY = dt.date(2024, 3, 4)


def lines(*paragraphs: str) -> str:
    """Plain text as the build hands it over: one paragraph per line."""
    return "\n".join(paragraphs)


STORM = lines(
    "LONDON, March 4 (Reuters) - Storm Ciaran battered the south coast of England on Monday, cutting power "
    "to 150,000 homes and forcing the closure of the port of Dover, the Environment Agency said.",
    "Winds of up to 90 miles an hour were recorded at the Needles on the Isle of Wight, and the Met Office "
    "issued a red warning for Cornwall and Devon until midnight.",
    "Network Rail said more than 40 lines were blocked by fallen trees and advised passengers not to travel.",
    "The agency said 212 flood warnings were in force, most of them along the coast between Plymouth and "
    "Brighton.",
    "Insurers said claims could exceed 500 million pounds, making it the costliest storm since 1987.",
)
# Another outlet's copy: new dateline, two words of the lead changed, the last two paragraphs dropped.
STORM_COPY = lines(
    "NEW YORK (AP) - Storm Ciaran pounded the south coast of England on Monday, cutting power to 150,000 "
    "homes and forcing the closure of the port of Dover, the Environment Agency stated.",
    *STORM.split("\n")[1:3],
)
# A different storm told with the same sentences.
OTHER_STORM = lines(
    "MANILA, March 5 (Reuters) - Typhoon Haikui battered the north coast of Luzon on Tuesday, cutting power "
    "to 80,000 homes and forcing the closure of the port of Aparri, the disaster agency said.",
    "Winds of up to 120 miles an hour were recorded at Santa Ana in Cagayan, and the weather bureau issued "
    "a red warning for Isabela and Aurora until noon.",
    "The transport department said more than 30 roads were blocked by landslides and advised travellers to "
    "stay at home.",
    "The agency said 95 villages were flooded, most of them along the Cagayan river.",
)
# Reuters earnings reports: one template, different companies and figures.
EARNINGS = [
    "Shr 12 cts vs 10 cts\nNet 1,204,000 vs 1,003,000\nRevs 12.3 mln vs 10.1 mln\nAvg shrs 10 mln vs 9 mln",
    "Shr 15 cts vs 11 cts\nNet 2,511,000 vs 1,870,000\nRevs 22.7 mln vs 19.4 mln\nAvg shrs 17 mln vs 7 mln",
    "Shr 12 cts vs 11 cts\nNet 1,204,500 vs 1,100,000\nRevs 12.4 mln vs 10.9 mln\nAvg shrs 10 mln vs 10 mln",
    "Shr loss two cts vs profit four cts\nNet loss 52,922 vs profit 220,041\nRevs 481,832 vs 824,554",
    "Shr loss one ct vs profit two cts\nNet loss 104,129 vs profit 345,515\nRevs 934,685 vs 1,122,417",
]
DIVIDENDS = ["Qtly div 10 cts vs 10 cts prior\nPay May one\nRecord April 15",
             "Qtly div 15 cts vs 15 cts prior\nPay May one\nRecord April 10"]
RAISE = "said it is raising its prime lending rate to 7-3/4 pct from 7-1/2 pct, effective immediately."
PRIME = [f"Marine Midland Banks Inc {RAISE}", f"Comerica Inc {RAISE}"]
ROUND_UP = ("Chemical Bank and Marine Midland Banks Inc said they were raising the prime lending rate to "
            "7-3/4 pct from 7-1/2 pct, effective immediately.")
CHEMICAL = f"Chemical Bank {RAISE}"


def items(*texts: str, days: list[int] | None = None) -> list[tuple[str, dt.date, bytes]]:
    """(key, day, signature) for each text: keys k0, k1, ...; days are offsets from DAY (default all 0)."""
    offsets = days or [0] * len(texts)
    return [(f"k{i}", DAY + dt.timedelta(days=d), cluster.signature("", t)) for i, (t, d) in
            enumerate(zip(texts, offsets))]


def test_a_rewritten_trimmed_copy_from_another_outlet_clusters_with_the_original() -> None:
    assert cluster.clusters(items(STORM, STORM_COPY, days=[0, 1])) == [["k0", "k1"]]


def test_a_lead_only_copy_clusters_with_the_full_story() -> None:
    lead = "SYDNEY (AFP) - " + STORM.split("\n")[0].split(" - ", 1)[1]
    assert cluster.clusters(items(STORM, lead)) == [["k0", "k1"]]


def test_a_different_storm_told_with_the_same_sentences_does_not() -> None:
    assert cluster.clusters(items(STORM, OTHER_STORM, STORM_COPY)) == [["k0", "k2"]]


@pytest.mark.parametrize("texts", [EARNINGS, DIVIDENDS, PRIME], ids=["earnings", "dividends", "prime-rate"])
def test_same_template_stories_of_different_companies_do_not_merge(texts: list[str]) -> None:
    assert cluster.clusters(items(*texts)) == []


BOILERPLATE = ("the first paragraph says what happened, who was involved and why it matters to readers today.\n"
               "A second paragraph adds detail. It quotes an official who said the decision was expected and "
               "notes what comes next, with a link to the edition and a link elsewhere.")


def test_two_stories_in_one_boilerplate_do_not_merge_when_only_one_lead_names_anyone() -> None:
    # Found by the browser test site: the same template body under "Early election called for autumn" (no
    # names in the lead) and "Minister resigns after vote" merged, since an empty set was "no evidence".
    texts = [f"Early election called for autumn: {BOILERPLATE}", f"Minister resigns after vote: {BOILERPLATE}"]
    assert cluster.clusters(items(*texts)) == []
    assert cluster.clusters(items(texts[0], texts[0].replace("autumn", "the autumn"))) == [["k0", "k1"]]


def test_a_round_up_story_does_not_chain_two_distinct_stories_together() -> None:
    groups = cluster.clusters(items(PRIME[0], ROUND_UP, CHEMICAL))
    assert groups and not any({"k0", "k2"} <= set(g) for g in groups)


def test_only_copies_within_the_window_are_merged() -> None:
    late = items(STORM, STORM_COPY, days=[0, 4])
    assert cluster.clusters(late, window_days=3) == []
    assert cluster.clusters(late, window_days=4) == [["k0", "k1"]]
    assert cluster.clusters(items(STORM, STORM_COPY, days=[3, 0]), window_days=3) == [["k0", "k1"]]


def test_output_is_sorted_and_independent_of_input_order() -> None:
    texts = [STORM, OTHER_STORM, STORM_COPY, *EARNINGS, EARNINGS[1], PRIME[0], PRIME[0] + " It is the third."]
    base = items(*texts)
    expected = cluster.clusters(base)
    assert expected == sorted(sorted(g) for g in expected)
    assert expected == [["k0", "k2"], ["k10", "k9"], ["k4", "k8"]]    # keys sort as strings
    rng = random.Random(3)
    for _ in range(5):
        shuffled = base[:]
        rng.shuffle(shuffled)
        assert cluster.clusters(shuffled) == expected


def test_signature_does_not_depend_on_the_hash_seed() -> None:
    code = ("import sys; from sitegen import cluster; "
            "sys.stdout.write(cluster.signature('', sys.stdin.read()).hex())")
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO)}
        done = subprocess.run([sys.executable, "-c", code], input=STORM, env=env, capture_output=True,
                              text=True, check=True)
        outputs.add(done.stdout)
    assert outputs == {cluster.signature("", STORM).hex()}


def test_signature_is_compact_versioned_bytes() -> None:
    sig = cluster.signature("Title", STORM)
    assert isinstance(sig, bytes) and len(sig) == cluster.SIZE <= 160
    assert sig[0] == cluster.VERSION and cluster.shingle_count(sig) > 50
    assert cluster.signature("Another title", STORM) == sig        # the headline is not used
    assert cluster.shingle_count(b"\x00" * cluster.SIZE) == 0      # another version: never compared


TINY = ["", " ", "\n\n", "Yes.", "Shares rose.", "REUTER", "a b", "1 2 3", "LONDON (Reuters) - ",
        "\u00e9t\u00e9 \u65e5\u672c \u0420\u043e\u0441\u0441\u0438\u044f"]


@pytest.mark.parametrize("text", TINY)
def test_empty_and_tiny_texts_get_a_signature_that_never_matches(text: str) -> None:
    sig = cluster.signature("", text)
    assert len(sig) == cluster.SIZE and cluster.shingle_count(sig) == 0
    assert cluster.compare(sig, sig) is None
    assert cluster.clusters([("a", DAY, sig), ("b", DAY, sig), ("c", DAY, sig)]) == []


def test_one_sentence_items_do_not_all_merge_together() -> None:
    sentences = [
        "The central bank left interest rates unchanged on Thursday, citing weak growth.",
        "The central bank raised interest rates on Thursday, citing stubborn inflation.",
        "Police arrested three men after a robbery at a jewellery shop in the city centre.",
        "The team won the cup final 2-1 with a goal in the last minute of extra time.",
        "Shares in the company fell 8 percent after it cut its profit forecast for the year.",
        "Shares in the company rose 5 percent after it raised its profit forecast for the year.",
        "The government said it would cut fuel taxes from next month to ease living costs.",
        "Heavy rain caused flooding in the north of the country, cutting off several villages.",
    ]
    assert cluster.clusters(items(*sentences)) == []
    # ... while a verbatim copy of one of them (another dateline) is still found.
    assert cluster.clusters(items(*sentences, "PARIS (AFP) - " + sentences[2])) == [["k2", "k8"]]


def test_candidates_are_unique_ordered_pairs_within_the_window() -> None:
    its = items(STORM, STORM_COPY, STORM_COPY, OTHER_STORM, days=[0, 1, 9, 0])
    pairs = cluster.candidates(its, window_days=3)
    assert len(pairs) == len(set(pairs)) and all(i < j for i, j in pairs)
    assert (0, 1) in pairs and (1, 2) not in pairs
    assert all(abs((its[i][1] - its[j][1]).days) <= 3 for i, j in pairs)


@dataclass(frozen=True)
class Copy:
    path: str
    date: dt.datetime
    words: int
    source: str | None


def test_best_prefers_the_longest_then_a_named_source_then_the_earliest_then_the_path() -> None:
    t0 = dt.datetime(2024, 3, 4, 9, tzinfo=dt.UTC)
    t1 = t0 + dt.timedelta(hours=2)
    full = Copy("b.md", t1, 400, None)
    assert cluster.best([Copy("a.md", t0, 150, "AP"), full]) is full
    named = Copy("c.md", t1, 400, "Reuters")
    assert cluster.best([full, named]) is named
    early = Copy("d.md", t0, 400, "AFP")
    assert cluster.best([named, early, full]) is early
    assert cluster.best([Copy("z.md", t0, 400, "AP"), Copy("y.md", t0, 400, "AP")]).path == "y.md"


@pytest.mark.skipif(not REUTERS.is_dir(), reason="practice corpus ../shared/corpora not present")
def test_reuters_earnings_reports_of_different_companies_never_merge() -> None:
    ticker = re.compile(r"<([A-Z0-9]+)")
    reports = []
    for path in sorted(REUTERS.glob("reuters21578_0[01]*.txt")):
        lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
        m = ticker.search(lines[1]) if len(lines) > 2 and "QTR NET" in lines[1] else None
        if m:
            day = dt.date.fromisoformat(lines[0].split()[1])
            body = "\n".join(lines[2:]).replace("(Reuters) ", "", 1)
            reports.append((f"{m.group(1)}:{path.stem}", day, cluster.signature(lines[1], body)))
    assert len(reports) > 500
    groups = cluster.clusters(reports)
    assert groups        # the corpus repeats some reports: those are found ...
    for group in groups:  # ... and never two companies' reports
        assert len({key.split(":")[0] for key in group}) == 1, group
