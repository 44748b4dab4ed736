"""Topic assignment: (title, plain text) -> 1..3 (topic slug, score), primary first.

A linear scorer per topic: hand-written keyword lexicons (data/topics.yaml, or a site's own) plus a
residual model learned from HuffPost headlines (data/topic_model.json.gz, made by bench/train_topics.py).
Pure Python at run time; deterministic (no hashing of str, ties broken by slug).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).parent / "data"
MODEL_PATH = DATA / "topic_model.json.gz"
MAX_WORDS = 300       # the lead carries the topic; the tail of a long story adds time, not accuracy
TITLE_WEIGHT = 1      # measured: counting headline words 2-3 times cost ~2 points on HuffPost, won none
SITE_KEYWORD_WEIGHT = 2.0   # a site's own keywords are chosen to define its topic: strong evidence
SECONDARY_RATIO = 0.6       # a second/third topic needs this share of the primary's evidence
TEMPERATURE = 1.5           # evidence -> probability; roughly calibrated at mid scores (topics_eval)
PRIOR_WEIGHT = 0.5          # how far a topic's usual share of the news tilts a close call

_WORD = re.compile(r"[^\W_]+")
_SENTENCE = re.compile(r"[.!?;:]+(?=\s|$)|\n")   # "U.S." and "3.5" do not end a sentence
_WEIGHT = re.compile(r"^(\d+(?:\.\d+)?):$")
_STOP = frozenset(w for line in (DATA / "topic_model_stopwords.txt").read_text("utf-8").splitlines()
                  if not line.startswith("#") for w in line.split())
_KEEP_S = frozenset({"news", "series", "species", "chaos", "bias", "lens", "alias", "atlas", "canvas", "thanks",
                     "physics", "politics", "economics", "athletics", "olympics", "diabetes", "measles",
                     "rabies", "herpes", "mars"})
_IE_S = frozenset({"movies", "cookies", "rookies", "calories", "zombies", "selfies", "hippies", "brownies",
                   "goalies", "smoothies", "freebies", "newbies", "sorties", "aussies"})   # -ies of -ie words


def stem(word: str) -> str:
    """Fold plurals so that "floods" and "flood" are one feature (deliberately light: no -ed/-ing)."""
    if len(word) <= 3 or word in _KEEP_S or not word.endswith("s"):
        return word
    if word.endswith("ies"):
        return word[:-1] if word in _IE_S else word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zzes")):
        return word[:-2]
    if word.endswith(("ss", "us", "is", "as", "os", "ys")):
        return word
    return word[:-1]


def terms(text: str) -> list[list[str]]:
    """Split text into sentences of stemmed content words (stop words and numbers dropped)."""
    out = []
    for chunk in _SENTENCE.split(text.lower().replace("\u2019", "").replace("'", "")):
        words = [stem(w) for w in _WORD.findall(chunk) if len(w) > 1 and w not in _STOP and not w.isdigit()]
        if words:
            out.append(words)
    return out


def features(title: str, text: str, max_words: int = MAX_WORDS) -> Counter[str]:
    """Count the unigrams and bigrams of an article: title words TITLE_WEIGHT times, body cut to its lead."""
    head = re.match(rf"\s*(?:\S+\s+){{{max_words}}}", text)   # matches only if there is more to cut
    body = text[: head.end()] if head else text
    counts: Counter[str] = Counter()
    for weight, part in ((TITLE_WEIGHT, title), (1, body)):
        for sent in terms(part):
            for i, word in enumerate(sent):
                counts[word] += weight
                if i:
                    counts[sent[i - 1] + " " + word] += weight
    return counts


def keyword_features(spec: str, weight: float = 1.0) -> tuple[dict[str, float], list[str]]:
    """Parse a lexicon ("3: war troops 1: attack", `_` joins a phrase) -> ({feature: weight}, dropped).

    An entry is dropped when tokenizing leaves nothing to match: a stop word, or a phrase cut to one word.
    """
    out: dict[str, float] = {}
    dropped: list[str] = []
    for entry in spec.split():
        if match := _WEIGHT.match(entry):
            weight = float(match.group(1))
            continue
        if entry.isalnum() and entry.islower():   # fast path for a plain word (most entries)
            words = [stem(entry)] if len(entry) > 1 and entry not in _STOP and not entry.isdigit() else []
        else:
            words = [w for sent in terms(entry.replace("_", " ").replace("-", " ")) for w in sent]
        if not words or (("_" in entry or "-" in entry) and len(words) < 2):
            dropped.append(entry)
            continue
        for feat in [words[0]] if len(words) == 1 else [a + " " + b for a, b in pairwise(words)]:
            out[feat] = max(out.get(feat, 0.0), weight)
    return out, dropped


@dataclass(frozen=True)
class Topic:
    """One topic of the taxonomy."""

    slug: str
    name: str
    description: str


Rows = dict[str, tuple[tuple[int, float], ...]]   # feature -> ((topic index, weight), ...)


class Taxonomy:
    """The site's topics in a stable order, and the scorer that assigns them to articles.

    The scorer (keyword lexicons and the shipped model, ~0.1 s to load) is made on the first article
    classified: most incremental builds read no article without topics and never need it."""

    def __init__(self, topics: tuple[Topic, ...], lexicons: Callable[[], dict[str, dict[str, float]]],
                 priors: dict[str, float], model: Callable[[], dict[str, Any] | None]) -> None:
        if not topics:
            raise ValueError("a taxonomy needs at least one topic")
        self.topics = topics
        self._by_slug = {t.slug: t for t in topics}
        self._slugs = [t.slug for t in topics]
        self._prior = [priors.get(s, 0.0) for s in self._slugs]
        self._sources = (lexicons, model)
        self._scorer: tuple[Rows, Rows, float, list[float]] | None = None

    def scorer(self) -> tuple[Rows, Rows, float, list[float]]:
        """(lexicon rows, model rows, model weight, model bias per topic), made once."""
        if self._scorer is None:
            lexicons, model = self._sources[0](), self._sources[1]()
            lex: dict[str, list[tuple[int, float]]] = {}
            for i, slug in enumerate(self._slugs):
                for feat, w in lexicons.get(slug, {}).items():
                    lex.setdefault(feat, []).append((i, w))
            lean = dict(zip(model["topics"], model["bias"])) if model else {}
            self._scorer = ({f: tuple(r) for f, r in lex.items()},
                            _model_rows(model, tuple(self._slugs)) if model else {},
                            float(model["beta"]) if model else 0.0, [lean.get(s, 0.0) for s in self._slugs])
        return self._scorer

    def get(self, slug: str) -> Topic | None:
        """Return the topic with this slug, or None."""
        return self._by_slug.get(slug)

    def _evidence(self, title: str, text: str,
                  explain: bool = False) -> tuple[list[float], list[dict[str, float]]]:
        """Score every topic; with `explain`, also each topic's per-feature contributions."""
        lexicon, weights, beta, bias = self.scorer()
        feats = features(title, text)
        scores = [0.0] * len(self._slugs)
        parts: list[dict[str, float]] = [{} for _ in self._slugs]
        norm2 = sum((1 + math.log(c)) ** 2 for c in feats.values()) or 1.0
        known2 = 0.0   # the part of the text the model has weights for
        for feat in sorted(feats):   # sorted: float sums must not depend on set order
            tf = 1 + math.log(feats[feat])
            known2 += tf * tf if feat in weights else 0.0
            model_scale = beta * tf / norm2 ** 0.5   # the model reads the L2-normalised vector
            for rows, scale in ((lexicon.get(feat, ()), tf), (weights.get(feat, ()), model_scale)):
                for i, w in rows:
                    scores[i] += w * scale
                    if explain:
                        parts[i][feat] = parts[i].get(feat, 0.0) + w * scale
        # the model's lean towards HuffPost's big sections is taken out as far as the model spoke
        coverage = beta * (known2 / norm2) ** 0.5
        scores = [s + p + coverage * b for s, p, b in zip(scores, self._prior, bias)]
        return scores, parts

    def _choose(self, scores: list[float]) -> list[tuple[int, float]]:
        """Pick 1..3 topics from the scores: (topic index, score in (0, 1]), primary first.

        The primary is the best score (prior included); a second or third topic needs evidence of its own
        (its score less its prior) of at least SECONDARY_RATIO times the primary's.
        """
        order = sorted(range(len(scores)), key=lambda i: (-scores[i], self._slugs[i]))
        top = scores[order[0]]
        primary = 1.0 / sum(math.exp((s - top) / TEMPERATURE) for s in scores)   # softmax probability
        chosen = [(order[0], primary)]
        own = [s - p for s, p in zip(scores, self._prior)]
        for i in order[1:3]:
            if own[i] > 0 and own[i] >= SECONDARY_RATIO * own[order[0]] and scores[i] > 0:
                chosen.append((i, primary * scores[i] / top))   # top >= scores[i] > 0: in (0, primary]
        return chosen

    def classify(self, title: str, text: str) -> list[tuple[str, float]]:
        """Return 1..3 (slug, score) for an article, primary first, scores in (0, 1] descending."""
        scores, _ = self._evidence(title, text)
        return [(self._slugs[i], round(p, 4) or 0.0001) for i, p in self._choose(scores)]

    def explain(self, title: str, text: str) -> str:
        """Say which topics were chosen, their scores, and the features that weighed most for each."""
        scores, parts = self._evidence(title, text, explain=True)
        lines = []
        for i, p in self._choose(scores):
            top = sorted(parts[i].items(), key=lambda kv: (-kv[1], kv[0]))[:6]
            why = ", ".join(f"{f} {w:+.2f}" for f, w in top) or "no matching words (fallback)"
            lines.append(f"{self._slugs[i]} {p:.3f} (evidence {scores[i]:.2f}): {why}")
        return "\n".join(lines)


def lexicon_digest() -> str:
    """Fingerprint what the model was trained beside (lexicons, shares, stop words): a stale model shows."""
    spec = {s: [v.get("keywords", ""), v.get("share")] for s, v in default_spec().items()}
    blob = json.dumps([spec, sorted(_STOP)], sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def default_spec() -> dict[str, dict[str, Any]]:
    """Read data/topics.yaml: {slug: {name, description, share, keywords}} in file order."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load((DATA / "topics.yaml").read_text("utf-8"), Loader=loader)


@lru_cache(maxsize=1)
def default_lexicons() -> dict[str, dict[str, float]]:
    """Parse the default topics' keyword lexicons: {slug: {feature: weight}}."""
    return {s: keyword_features(v["keywords"])[0] for s, v in default_spec().items()}


@lru_cache(maxsize=1)
def load_model() -> dict[str, Any]:
    """Read the shipped model: {topics, beta, bias, weights: {feature: [[topic no, weight], ...]}, ...}."""
    with gzip.open(MODEL_PATH, "rt", encoding="utf-8") as fh:
        return json.load(fh)


def _model_rows(model: dict[str, Any], slugs: tuple[str, ...]) -> Rows:
    """Index the model's weights by the taxonomy's topic order (cached for the shipped model)."""
    if model is load_model():
        return _shipped_rows(slugs)
    index = [slugs.index(s) if s in slugs else -1 for s in model["topics"]]
    return {f: tuple((index[t], w) for t, w in pairs if index[t] >= 0)
            for f, pairs in model["weights"].items()}


@lru_cache(maxsize=8)
def _shipped_rows(slugs: tuple[str, ...]) -> Rows:
    return _model_rows(dict(load_model()), slugs)   # a copy is not the cached model: no recursion


SpecKey = tuple[tuple[str, tuple[tuple[str, str], ...]], ...]   # hashable form of a site's `topics:`


def _spec_key(overrides: dict[str, dict[str, str]] | None) -> SpecKey:
    return tuple((slug, tuple(sorted(v.items()))) for slug, v in (overrides or {}).items())


def load_taxonomy(overrides: dict[str, dict[str, str]] | None = None, replace: bool = False) -> Taxonomy:
    """Build the taxonomy: the IPTC defaults, a site's `topics:` merged over them, or only the site's."""
    return _build(_spec_key(overrides), replace)


@lru_cache(maxsize=16)
def _build(key: SpecKey, replace: bool) -> Taxonomy:
    site = {slug: dict(items) for slug, items in key}
    spec = {} if replace else {s: dict(v) for s, v in default_spec().items()}
    own: dict[str, str] = {}
    for slug, v in site.items():
        base = spec.setdefault(slug, {"name": slug.replace("-", " ").capitalize(), "description": ""})
        base.update({k: v[k] for k in ("name", "description") if k in v})
        if v.get("keywords"):   # extends a default topic's lexicon; defines a new topic's
            own[slug] = v["keywords"]

    def lexicons() -> dict[str, dict[str, float]]:
        out = {} if replace else dict(default_lexicons())
        for slug, keywords in own.items():
            out[slug] = {**out.get(slug, {}), **keyword_features(keywords, SITE_KEYWORD_WEIGHT)[0]}
        return out

    shares = sorted(float(v["share"]) for v in default_spec().values())
    middle = shares[len(shares) // 2]   # a new topic is assumed as common as a middling default one
    priors = {} if replace else {
        s: PRIOR_WEIGHT * math.log(float(spec[s].get("share", middle)) * len(spec)) for s in spec}
    topics = tuple(Topic(s, str(v["name"]), str(v.get("description", ""))) for s, v in spec.items())
    return Taxonomy(topics, lexicons, priors, lambda: None if replace else load_model())
