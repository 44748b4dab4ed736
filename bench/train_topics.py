"""Train the topic model: HuffPost headlines + the hand-written lexicon -> sitegen/data/topic_model.json.gz.

    .venv/bin/python bench/train_topics.py [--corpus DIR] [--out FILE]

Only data whose licence allows shipping a model goes in: the HuffPost News Category Dataset (CC BY 4.0,
credited in sitegen/data/ATTRIBUTION.md) and the keyword lexicon in sitegen/data/topics.yaml. AG News and
Reuters-21578 are for evaluation only (bench/topics_eval.py). The HuffPost held-out split (20%, by CRC-32 of
the file name, bench/topics_eval.heldout) is never read here.

Method: at run time a topic's score is prior + lexicon evidence + beta * model evidence (sitegen/topics.py).
This script fits the model part: multinomial logistic regression over unigrams + bigrams (sublinear tf,
L2-normalised; the tokenizer is sitegen.topics.features), trained with the prior + lexicon score as a fixed
offset, so the model learns only what the lexicon misses (names, section vocabulary). HuffPost is a third
politics and a fifth entertainment: a per-topic bias (`debias`) removes the lean that gives the model, and
small weights are pruned. Measured on the held-out HuffPost split and on AG News / Reuters (evaluation only),
beta trades one against the other; BETA is the point where HuffPost passes 75% at the least cost elsewhere.
Pure Python, deterministic (fixed seed, sorted iteration); about 20 seconds.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from topics_eval import DEFAULT_CORPORA, HUFFPOST, LABEL_MAP, heldout, read_corpus

from sitegen import topics

BETA = 1.25           # weight of the model against the lexicon at run time (measured, see the report)
EPOCHS = 5
RATE = 0.3            # AdaGrad step
L2 = 3e-3             # strong: a word must be consistently topical before it earns weight
BALANCE = 0.0         # class weight = (largest class / class size) ** BALANCE; `debias` does the balancing
MIN_DF = 3            # a feature must occur in this many training articles to get a weight
MIN_WEIGHT = 0.5      # after centring, smaller weights barely move a score: pruned
SEED = 20240501

Weights = dict[str, list[tuple[int, float]]]   # feature -> [(topic index, weight)]

def tf_vector(counts: Counter[str]) -> dict[str, float]:
    """Sublinear tf, L2-normalised: the model input exactly as sitegen/topics.py computes it."""
    tf = {f: 1 + math.log(c) for f, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in tf.values())) or 1.0
    return {f: v / norm for f, v in sorted(tf.items())}


def huffpost_docs(corpus: Path, slugs: list[str]) -> list[tuple[Counter[str], int]]:
    """Read the HuffPost training split (never the held-out 20%) -> [(feature counts, topic index)]."""
    train_map = yaml.safe_load(LABEL_MAP.read_text("utf-8"))[HUFFPOST]["train"]
    docs = []
    for file, labels, title, body in read_corpus(corpus):
        if heldout(file) or not labels or labels[0] not in train_map:
            continue
        docs.append((topics.features(title, body), slugs.index(train_map[labels[0]])))
    return docs


def offsets(counts: Counter[str], lexicons: list[dict[str, float]], priors: list[float]) -> list[float]:
    """Prior + lexicon evidence per topic, as sitegen/topics.py scores it."""
    z = list(priors)
    for f, c in counts.items():
        tf = 1 + math.log(c)
        for t, lexicon in enumerate(lexicons):
            if f in lexicon:
                z[t] += lexicon[f] * tf
    return z


def train(docs: list[tuple[Counter[str], int]], lexicons: list[dict[str, float]], priors: list[float],
          rng: random.Random) -> dict[str, list[float]]:
    """Fit the residual logistic regression by AdaGrad SGD; return {feature: weight per topic}.

    Only features seen in MIN_DF training articles get weights.
    """
    k = len(lexicons)
    df = Counter(f for c, _ in docs for f in c)
    vocab = {f for f, n in df.items() if n >= MIN_DF}
    sizes = Counter(t for _, t in docs)
    class_weight = {t: (max(sizes.values()) / n) ** BALANCE for t, n in sizes.items()}
    data = []   # the norm counts every feature, as at run time; only vocabulary features get weights
    for counts, t in docs:
        x = {f: v for f, v in tf_vector(counts).items() if f in vocab}
        data.append((x, offsets(counts, lexicons, priors), t, class_weight[t]))
    weights: dict[str, list[float]] = defaultdict(lambda: [0.0] * k)
    grads: dict[str, list[float]] = defaultdict(lambda: [1e-8] * k)
    for _ in range(EPOCHS):
        rng.shuffle(data)
        for x, offset, y, sample_weight in data:
            z = [offset[t] + sum(weights[f][t] * v for f, v in x.items()) for t in range(k)]
            top = max(z)
            e = [math.exp(v - top) for v in z]
            total = sum(e)
            for t in range(k):
                g = (e[t] / total - (t == y)) * sample_weight
                if abs(g) < 1e-6:
                    continue
                for f, v in x.items():
                    w, acc = weights[f], grads[f]
                    step = g * v + L2 * w[t]
                    acc[t] += step * step
                    w[t] -= RATE * step / math.sqrt(acc[t])
    return dict(weights)


def prune(weights: dict[str, list[float]]) -> Weights:
    """Centre each feature's row on its median, keep |weight| >= MIN_WEIGHT: {feature: [[topic, weight]]}.

    Adding a constant to every topic's weight for a feature changes no softmax, so the median is free to
    subtract; it turns most of a row into zeros, which keeps the artefact small and fast to load.
    """
    out = {}
    for f in sorted(weights):
        row = weights[f]
        mid = sorted(row)[len(row) // 2]
        pairs = [(t, round(w - mid, 2)) for t, w in enumerate(row) if abs(w - mid) >= MIN_WEIGHT]
        if pairs:
            out[f] = pairs
    return out


def debias(weights: Weights, docs: list[tuple[Counter[str], int]], k: int) -> list[float]:
    """Return minus the model's mean push per topic per unit of coverage, classes weighted equally.

    HuffPost is a third politics and a fifth entertainment, so the model leans that way on any text; the
    run time adds this bias, scaled by how much of the article the model has weights for (its coverage),
    which takes the lean out and leaves the evidence.
    """
    sizes = Counter(t for _, t in docs)
    push = [0.0] * k
    cover = 0.0
    for counts, t in docs:
        x = tf_vector(counts)
        share = 1.0 / sizes[t]
        cover += share * math.sqrt(sum(v * v for f, v in x.items() if f in weights))
        for f, v in x.items():
            for topic, w in weights.get(f, []):
                push[topic] += share * w * v
    return [round(-p / cover, 3) for p in push]


def main(argv: list[str] | None = None) -> int:
    """Train and write the model artefact."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPORA / HUFFPOST / "seed_format")
    parser.add_argument("--out", type=Path, default=topics.MODEL_PATH)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    spec = topics.default_spec()
    slugs = list(spec)
    lexicons = [topics.keyword_features(spec[s]["keywords"])[0] for s in slugs]
    priors = [topics.PRIOR_WEIGHT * math.log(float(spec[s]["share"]) * len(slugs)) for s in slugs]
    real = huffpost_docs(args.corpus, slugs)
    print(f"training on {len(real)} HuffPost articles: "
          + ", ".join(f"{slugs[t]} {n}" for t, n in sorted(Counter(t for _, t in real).items())))
    weights = prune(train(real, lexicons, priors, random.Random(SEED)))
    model = {"format": 1, "topics": slugs, "beta": BETA, "lexicon_sha256": topics.lexicon_digest(),
             "bias": debias(weights, real, len(slugs)),
             "trained_on": "News Category Dataset v3 (Misra 2022, CC BY 4.0), training split; "
                           "hand-written lexicon sitegen/data/topics.yaml",
             "weights": weights}
    blob = json.dumps(model, sort_keys=True, separators=(",", ":")).encode("utf-8")
    args.out.write_bytes(gzip.compress(blob, compresslevel=9, mtime=0))
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB, {len(weights)} features) "
          f"in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
