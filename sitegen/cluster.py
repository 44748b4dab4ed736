"""One story from many outlets: (title, text) -> compact `signature` (bytes); [(key, day, signature)] ->
`clusters` of keys that are the same story; `best` copy of a cluster to show.

A signature holds one-permutation MinHashes of the body's word 3-shingles and of the lead's 2-shingles, and
bottom-k sketches of the names and numbers in the first 60 words. Candidates come from LSH bands over the
MinHashes; a pair is one story when the text is similar (bodies, or leads when one text is a lead only) and
the top of both reports the same names and numbers: template stories (earnings, dividends, prime rates) share
their words but not their figures or companies. Thresholds were chosen with bench/cluster_eval.py.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
import zlib
from collections import Counter, defaultdict
from collections.abc import Sequence
from itertools import pairwise
from typing import NamedTuple, Protocol, TypeVar

VERSION = 4              # part of every signature: signatures of another version never match
BODY = 32                # MinHash of the body's word 3-shingles: 32 buckets of 16-bit values
LEAD = 16                # MinHash of the lead's word 2-shingles (pairs of common words left out)
NAMES = 8                # bottom-k sketches of the names and the numbers in the first LEAD_MAX words
NUMBERS = 16
LEAD_MIN = 20            # the lead: whole paragraphs from the top until it has this many words ...
LEAD_MAX = 60            # ... and at most this many
ROWS = 2                 # LSH: bands of 2 buckets over both MinHashes
THRESHOLD_BODY = 0.4     # estimated Jaccard of the bodies that makes the texts similar ...
THRESHOLD_CONTAIN = 0.7  # ... or estimated containment of the shorter body in the longer ...
MIN_MATCHES = 8          # ... resting on at least this many agreeing buckets ...
THRESHOLD_LEAD = 0.5     # ... or estimated Jaccard of the leads, when the shorter text is a lead only
THRESHOLD_NAMES = 0.8    # containment of the names of one lead in the other's below this: other stories
THRESHOLD_NUMBERS = 0.8  # the same for the numbers (and pairs of consecutive numbers)
JOIN_CHECK = 50          # members of each group checked for conflicting facts before two groups join
MIN_SHINGLES = 5         # a body with fewer distinct 3-shingles is too short to compare: never clustered

_HEAD = struct.Struct("<BHBBB")    # version, body shingles, lead shingles, names, numbers
_VALUES = struct.Struct(f"<{BODY + LEAD + NAMES + NUMBERS}H")
SIZE = _HEAD.size + _VALUES.size
# "LONDON, March 3 (Reuters) - ", "NEW YORK (AP) -- ": copies of a story carry other datelines. Unlike the
# summaries' rule (markup.py) this one also strips before "<", digits and short first lines (tables).
_DATELINE = re.compile(r"^[A-Z][A-Z.'-]{2,}(?:[ ,]+[A-Z][A-Za-z.'-]*){0,4},?"
                       r"(?:\s+[A-Z][a-z]{2,8}\.?\s+\d{1,2})?\s*(?:\([^)]{1,40}\))?"
                       r"\s*(?:--|\u2014|\u2013|-)\s+(?=\S)")
_TOKEN = re.compile(r"\w+(?:['.,/-]\w+)*")
_NAME = re.compile(r"\b[A-Z][\w'&.-]*")
_NUMBER_WORDS = {w: str(i) for i, w in enumerate((
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve"))}
_NUMBER = re.compile(r"\d+(?:[.,/:-]\d+)*|\b(?:" + "|".join(_NUMBER_WORDS) + r")\b", re.IGNORECASE)
# Common words: capitalised, they start sentences or label tables rather than name someone.
_COMMON = """a about above according across added adds after again against ago ahead all almost already also
although amid among an and another any are around as at back be because been before being below between both
but by can could did do does down during each earlier early either even every few for from further had has
have he her here his how however i if in including into is it its just last late later less like many may
meanwhile more most much near nearly next no none nor not now of off on one only or other others our out
over own per rather said says several she should since so some still such than that the their them then
there these they this those though through thus to too toward towards under until up upon us very was we
were what when where whereas whether which while who whose will with within without would yet you
approximately roughly total overall separately additionally instead analysts dealers economists investors
officials sources traders spokesman spokeswoman company firm group unit subsidiary bank shares stock net
profit loss revenue revenues sales earnings inc corp corporation co cos ltd plc llc lp nv ag sa reuters ap
afp update updated corrected january february march april may june july august september october november
december jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday
sunday today yesterday tomorrow"""
COMMON_WORDS = frozenset(_COMMON.split())
_M64 = (1 << 64) - 1
_TOP = 1 << 64   # above every 64-bit hash
_K1, _K2, _K3 = 0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0xBF58476D1CE4E5B9


class Features(NamedTuple):
    """What two signatures say about their texts (see `compare`)."""

    body_j: float        # estimated Jaccard of the bodies' 3-shingles
    body_c: float        # estimated containment of the shorter body in the longer
    body_same: int       # agreeing body buckets
    lead_j: float        # estimated Jaccard of the leads' 2-shingles
    shorter: int         # distinct 3-shingles of the shorter body
    names: float         # containment of the smaller set of names in the larger (1.0: either has none)
    numbers: float       # the same for the numbers and pairs of consecutive numbers


def _paragraphs(text: str) -> list[str]:
    """Non-empty lines of `text`, the dateline taken off the first."""
    paras = [p for p in (line.strip() for line in text.replace("\u2019", "'").split("\n")) if p]
    if paras:
        paras[0] = _DATELINE.sub("", paras[0], count=1)
    return paras


def _first_words(paras: list[str]) -> str:
    """The first LEAD_MAX words, in whole paragraphs when they are shorter."""
    taken: list[str] = []
    for p in paras:
        taken.extend(p.split())
        if len(taken) >= LEAD_MAX:
            break
    return " ".join(taken[:LEAD_MAX])


def tokens(text: str) -> list[str]:
    """Lower-case words and numbers ("1,545,160", "7-3/4" and "u.s" stay whole), dateline removed."""
    return _TOKEN.findall("\n".join(_paragraphs(text)).lower())


def facts(text: str) -> tuple[set[str], set[str]]:
    """(names, numbers) of a text: capitalised words that are not common words; figures in order, alone
    and as consecutive pairs ("10>15"), so that the same figures in another order do not match."""
    names = {w for w in (m.lower().rstrip(".") for m in _NAME.findall(text))
             if w not in COMMON_WORDS and w not in _NUMBER_WORDS}
    seq = [_NUMBER_WORDS.get(n.lower(), n.replace(",", "")) for n in _NUMBER.findall(text)]
    return names, set(seq) | {f"{a}>{b}" for a, b in pairwise(seq)}


def _trigrams(h: list[int]) -> set[int]:
    """64-bit hashes of the distinct 3-word shingles, from the words' crc32 (never Python's hash())."""
    return {(((a * _K1) ^ b) * _K2 ^ c) * _K3 & _M64 for a, b, c in zip(h, h[1:], h[2:])}


def _bigrams(h: list[int], common: list[bool]) -> set[int]:
    """64-bit hashes of the distinct 2-word shingles, leaving out pairs of common words ("of the")."""
    return {((a * _K1) ^ b) * _K3 & _M64 for a, b, ca, cb in zip(h, h[1:], common, common[1:])
            if not (ca and cb)}


def _probes(buckets: int) -> list[list[int]]:
    """For each bucket, the other buckets in a fixed pseudo-random order (crc32: the same everywhere)."""
    def order(i: int, j: int) -> int:
        return zlib.crc32(f"{buckets}:{i}:{j}".encode())
    return [sorted((j for j in range(buckets) if j != i), key=lambda j: order(i, j)) for i in range(buckets)]


_PROBES = {n: _probes(n) for n in (BODY, LEAD)}


def _minhash(hashes: set[int], buckets: int) -> list[int]:
    """One-permutation MinHash: the top bits pick a bucket, each keeps the low 16 bits of its smallest hash.

    An empty bucket (short text) takes the value of the first filled bucket in its fixed probe order
    ("optimal densification", Shrivastava 2017): two texts agree there only when they agree on that bucket."""
    shift = 64 - (buckets.bit_length() - 1)
    mins: dict[int, int] = {}
    least = mins.get
    for h in hashes:   # one pass (sorting them all first took half again as long)
        if h < least(b := h >> shift, _TOP):
            mins[b] = h
    values = [0] * buckets
    for i, probes in enumerate(_PROBES[buckets]):
        values[i] = mins[i if i in mins else next(j for j in probes if j in mins)] & 0xFFFF
    return values


def _bottom(items: set[str], k: int) -> tuple[int, list[int]]:
    """(distinct 16-bit hashes of `items`, the k smallest padded with 0xFFFF): a bottom-k sketch."""
    hashes = sorted({zlib.crc32(x.encode()) & 0xFFFF for x in items})
    return len(hashes), hashes[:k] + [0xFFFF] * (k - len(hashes[:k]))


def signature(title: str, text: str) -> bytes:
    """The 150-byte signature of an article's plain text (paragraphs on separate lines). The title is not
    used: outlets rewrite headlines, and the headlines of same-template stories share most of their words."""
    paras = _paragraphs(text)
    words = _TOKEN.findall("\n".join(paras).lower())
    hashes = list(map(zlib.crc32, map(str.encode, words)))
    body = _trigrams(hashes)
    if len(body) < MIN_SHINGLES:
        return _HEAD.pack(VERSION, 0, 0, 0, 0) + bytes(_VALUES.size)
    n = 0
    for p in paras:     # the lead: whole paragraphs up to LEAD_MIN words, at most LEAD_MAX
        n += len(_TOKEN.findall(p))
        if n >= LEAD_MIN:
            break
    lead = _bigrams(hashes[:min(n, LEAD_MAX)], [w in COMMON_WORDS for w in words[:min(n, LEAD_MAX)]])
    # Facts come from the same span of every text, so that a trimmed copy's are a subset of the original's.
    names, numbers = facts(_first_words(paras))
    (n_names, names_k), (n_numbers, numbers_k) = _bottom(names, NAMES), _bottom(numbers, NUMBERS)
    body_values = _minhash(body, BODY)
    # A lead of common words only has no shingles: reuse body values, so that such texts share no LSH band.
    lead_values = _minhash(lead, LEAD) if lead else body_values[:LEAD]
    return _HEAD.pack(VERSION, min(len(body), 0xFFFF), min(len(lead), 255), min(n_names, 255),
                      min(n_numbers, 255)) + _VALUES.pack(*body_values, *lead_values, *names_k, *numbers_k)


def shingle_count(sig: bytes) -> int:
    """Distinct body shingles the signature was made from (0: too short to compare, or another version)."""
    return _HEAD.unpack_from(sig)[1] if len(sig) == SIZE and sig[0] == VERSION else 0


def _contained(a: tuple[int, ...], b: tuple[int, ...], na: int, nb: int) -> float:
    """Containment of the smaller set in the larger, from bottom-k sketches (sorted, `na`/`nb` distinct).

    Below the largest value both sketches hold completely, each is an exact sample of its set, so the share
    of the smaller set's values there that the other holds estimates the containment, with no bias when one
    set is a subset of the other (a trimmed copy). No shared range, or an empty set: no evidence, 1.0."""
    if not na or not nb:
        return 1.0
    k = len(a)
    sa, sb = a[:min(na, k)], b[:min(nb, k)]
    limit = min(sa[-1] if na > k else 0xFFFF, sb[-1] if nb > k else 0xFFFF)
    small, other = (sb, set(sa)) if nb <= na else (sa, set(sb))
    inside = [h for h in small if h <= limit]
    return sum(h in other for h in inside) / len(inside) if inside else 1.0


def compare(a: bytes, b: bytes, with_facts: bool = True) -> Features | None:
    """The similarity features of two signatures; None when either is too short to compare. Without facts
    names and numbers are not compared (reported as 1.0): the cheap first look."""
    if not shingle_count(a) or not shingle_count(b):
        return None
    ha, hb = _HEAD.unpack_from(a), _HEAD.unpack_from(b)
    va, vb = _VALUES.unpack_from(a, _HEAD.size), _VALUES.unpack_from(b, _HEAD.size)
    same = sum(map(int.__eq__, va[:BODY], vb[:BODY]))
    j = same / BODY
    contain = min(1.0, j / (1 + j) * (ha[1] + hb[1]) / min(ha[1], hb[1]))
    lead = sum(map(int.__eq__, va[BODY:BODY + LEAD], vb[BODY:BODY + LEAD])) / LEAD if ha[2] and hb[2] else 0.0
    names = numbers = 1.0
    if with_facts:
        f, g = BODY + LEAD, BODY + LEAD + NAMES
        # Names in the lead of one text only: the same span of two copies cannot differ so (numbers can:
        # one outlet spells them out).
        names = _contained(va[f:g], vb[f:g], ha[3], hb[3]) if bool(ha[3]) == bool(hb[3]) else 0.0
        numbers = _contained(va[g:], vb[g:], ha[4], hb[4])
    return Features(j, contain, same, lead, min(ha[1], hb[1]), names, numbers)


def similar_text(f: Features) -> bool:
    """Similar bodies, or similar leads when the shorter text is no longer than a lead."""
    return (f.body_j >= THRESHOLD_BODY or (f.body_c >= THRESHOLD_CONTAIN and f.body_same >= MIN_MATCHES)
            or (f.lead_j >= THRESHOLD_LEAD and f.shorter <= LEAD_MAX))


def same_facts(f: Features) -> bool:
    """No different names or numbers at the top of the two texts."""
    return f.names >= THRESHOLD_NAMES and f.numbers >= THRESHOLD_NUMBERS


def same_story(f: Features | None) -> bool:
    """The confirmation rule: similar text and the same names and numbers."""
    return f is not None and similar_text(f) and same_facts(f)


def candidates(items: Sequence[tuple[str, dt.date, bytes]], window_days: int = 3) -> list[tuple[int, int]]:
    """Index pairs (i < j) sharing an LSH band and dated within `window_days`, each once, in a fixed order."""
    days = [d.toordinal() for _, d, _ in items]
    live = sorted((i for i, item in enumerate(items) if shingle_count(item[2])), key=lambda i: (days[i], i))
    sigs = [items[i][2] for i in live]
    pairs: list[tuple[int, int]] = []
    for start in range(_HEAD.size, _HEAD.size + 2 * (BODY + LEAD), 2 * ROWS):
        band = [sig[start:start + 2 * ROWS] for sig in sigs]
        shared = {key for key, n in Counter(band).items() if n > 1}   # most keys are unique: skip them fast
        buckets: dict[bytes, list[int]] = defaultdict(list)
        for key, i in [(key, i) for key, i in zip(band, live) if key in shared]:
            buckets[key].append(i)          # by day, as `live` is
        for members in buckets.values():
            for x, i in enumerate(members):
                last = days[i] + window_days
                for j in members[x + 1:]:
                    if days[j] > last:
                        break
                    pairs.append((i, j) if i < j else (j, i))
    return list(dict.fromkeys(pairs))   # each once, in the order first found


def _conflict(a: bytes, b: bytes) -> bool:
    """Tell whether two texts report different names or numbers."""
    f = compare(a, b)
    return f is not None and not same_facts(f)


def clusters(items: Sequence[tuple[str, dt.date, bytes]], window_days: int = 3) -> list[list[str]]:
    """Groups (>= 2 keys, sorted; groups sorted by first key) of items that are the same story.

    Confirmed pairs are joined strongest first; two groups are not joined when members of them (the first
    JOIN_CHECK of each) report different names or numbers, so that a round-up that matches two distinct
    stories does not chain them together. A group can span more than `window_days` through its members.
    Items are taken in key order, so the result does not depend on the order they come in."""
    items = sorted(items, key=lambda item: item[0])
    return join(items, confirmed(items, window_days))


Edge = tuple[float, int, int]   # (minus the similarity, i, j): sorted, the strongest pair comes first


def confirmed(items: Sequence[tuple[str, dt.date, bytes]], window_days: int = 3) -> list[Edge]:
    """The pairs of `items` confirmed as copies of one story (indices into `items`), with their strength.
    A pair depends only on its two items, so pairs found over any part of the items that holds both are
    the same: stories.find_stories computes them a fortnight at a time and remembers them."""
    edges: list[Edge] = []
    for i, j in candidates(items, window_days):
        f = compare(items[i][2], items[j][2], with_facts=False)
        if f is not None and similar_text(f) and same_story(compare(items[i][2], items[j][2])):
            edges.append((-max(f.body_j, f.lead_j), i, j))
    return edges


def join(items: Sequence[tuple[str, dt.date, bytes]], edges: Sequence[Edge]) -> list[list[str]]:
    """Join confirmed pairs of `items` (sorted by key) into groups, strongest first, never joining two groups
    that report different names or numbers (see `clusters`)."""
    parent = list(range(len(items)))
    members: dict[int, list[int]] = {}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for _, i, j in sorted(edges):
        ri, rj = root(i), root(j)
        a, b = members.get(ri, [ri])[:JOIN_CHECK], members.get(rj, [rj])[:JOIN_CHECK]
        if ri == rj or any(_conflict(items[x][2], items[y][2]) for x in a for y in b):
            continue
        keep, gone = min(ri, rj), max(ri, rj)
        parent[gone] = keep
        members[keep] = members.get(keep, [keep]) + members.pop(gone, [gone])
    groups: dict[int, list[str]] = defaultdict(list)
    for i, (key, _, _) in enumerate(items):
        groups[root(i)].append(key)
    return sorted(sorted(g) for g in groups.values() if len(g) > 1)


class Copy(Protocol):
    """What `best` needs of an article (sitegen.model.Article has it)."""

    @property
    def path(self) -> str: ...
    @property
    def date(self) -> dt.datetime: ...
    @property
    def words(self) -> int: ...
    @property
    def source(self) -> str | None: ...


C = TypeVar("C", bound=Copy)


def best(members: Sequence[C]) -> C:
    """The copy to show: the longest body (the least trimmed), then one naming its source, then the
    earliest, then the first by path; the others are "also reported by"."""
    return min(members, key=lambda a: (-a.words, a.source is None, a.date, a.path))
