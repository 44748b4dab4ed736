"""Named people, places and organisations in one article: (title, paragraphs) -> {kind: [names]}.

Capitalised phrases are cut at stop words, titles and connectors, then typed by a small gazetteer
(data/gazetteer.txt), given names (data/given_names.txt) and cue words (data/entities_words.txt); a later
"Putin" or "Unisys" joins the "Vladimir Putin" or "Unisys Corp" named before it. Unsure phrases are dropped:
precision first. Pure and stdlib-only; bench/entities_eval.py measures it against hand labels.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from .text import clean_line

KINDS = ("people", "places", "organisations")
PERSON, PLACE, ORG = KINDS
DATA = Path(__file__).parent / "data"
MAX_NAME = 60

_UP = "".join(chr(c) for c in range(0x41, 0x2000) if chr(c).isupper() and chr(c).isalpha())
_PREFIX = r"(?:al|el|ad|as|ash|bin|ibn|abu|d|l)[-'\u2019]"
_INI = rf"(?:[{_UP}]\.){{1,3}}"
_WORD = rf"(?:{_PREFIX})?[{_UP}]\w*(?:['\u2019\-]\w+)*\.?"
# One capitalised word or initials; starting with a character class lets the regex engine skip ahead fast.
_CAP = rf"[{_UP}](?:\.(?:[{_UP}]\.){{0,2}}|\w*(?:['\u2019\-]\w+)*\.?)"
_CONN = r"(?:of the|of|for|and|&|de|du|da|dos|do|van|von|der|den|ter|la|le|bin|ibn|al|el|y|zu|und|di|del)"
_CHUNK = re.compile(rf"{_CAP}(?:(?: +|(?<=\.))(?:{_CONN} +)*(?:{_PREFIX})?(?:{_CAP}|\d+[a-z]+\b))*")
_TOKEN = re.compile(rf"{_INI}(?![a-z])|{_WORD}|&|[a-z]+|\d+[a-z]+")
_LOW_PREFIX = re.compile(_PREFIX)
_NEXT = re.compile(r"[ ,]*([a-z]+|\d{1,3},)")
_ACRONYM = re.compile(r" ?\(([A-Z][A-Z0-9&\-]{1,7})\)")
_TICKER = re.compile(r" ?<[A-Z0-9.\-]{1,12}>")             # Reuters: Unisys Corp <UIS>
_ALLCAPS = re.compile(r"[A-Z][A-Z0-9&.'\-]*")
_SPACED_APOSTROPHE = re.compile(r"\b([OD]) '(?=[A-Z])")     # AG News: "Chris O 'Meara"
_PREFIXES = ("al-", "el-", "ad-", "as-", "ash-", "bin-", "ibn-", "abu-", "d'", "l'", "d\u2019", "l\u2019")
_ABBREV = {"mr.", "mrs.", "ms.", "dr.", "rep.", "sen.", "gov.", "gen.", "lt.", "col.", "maj.", "capt.", "sgt.",
           "adm.", "cmdr.", "prof.", "rev.", "st.", "jr.", "sr.", "inc.", "corp.", "co.", "ltd.", "bros.", "mt.",
           "ft.", "no.", "vs.", "messrs.", "mme."}
_CONNECTORS = {"of", "for", "and", "&", "the"}
_PARTICLES = {"de", "du", "da", "dos", "do", "van", "von", "der", "den", "ter", "la", "le", "bin", "ibn", "al",
              "el", "y", "zu", "und", "di", "del"}
# Words that start a new phrase when capitalised inside one ("in the U.S. The company ...").
_FUNCTION = frozenset({
    "the", "a", "an", "this", "that", "these", "those", "it", "its", "he", "she", "they", "we", "i", "you",
    "his", "her", "their", "our", "my", "your", "there", "here", "what", "which", "who", "whom", "whose",
    "why", "how", "where", "when", "while", "whether", "if", "unless", "until", "since", "because",
    "although", "though", "despite", "however", "meanwhile", "moreover", "also", "still", "yet", "then",
    "now", "thus", "but", "and", "or", "nor", "so", "as", "in", "on", "at", "by", "to", "from", "with",
    "without", "into", "after", "before", "during", "about", "over", "under", "against", "among", "between",
    "through"})
_LEADING_HEADS = {"bank", "banco", "banque", "university", "ministry", "department", "air"}  # "Bank Negara ..."
_NAME_ADJECTIVES = {"new", "old", "first", "second", "third", "former", "late", "early", "grand"}
_DIRECTIONS = {"North", "South", "East", "West", "Northern", "Southern", "Eastern", "Western", "Central",
               "Greater", "Upper", "Lower", "Inner", "Outer", "Mid", "Downtown", "Rural", "Coastal"}
_TEAM_WORDS = {"State", "City", "United", "Rovers", "Athletic", "Wanderers", "Albion", "Hotspur", "FC"}
_SMALL = {"a", "an", "the", "of", "in", "on", "at", "to", "for", "and", "or", "by", "with", "from", "as", "is", "vs"}

# Token flags, computed once per distinct token (`_flags`).
(STOP, COMMON, TITLE, MODIFIER, ROYAL, ORGHEAD, SUFFIX, PLACEHEAD, REGION, GIVEN, FAMILY, NATION, GAZ, STARTS,
 CAPS, INITIALS, PARTICLE, CONN, ENDS, POSS, NAMEOK, HYPHEN) = (1 << i for i in range(22))


@dataclass(frozen=True)
class Lexicon:
    """Everything the extractor looks words up in, loaded once from data/."""

    gazetteer: dict[str, tuple[str, str]]        # spelling -> (kind, canonical name)
    folded: dict[str, tuple[str, str]]           # casefolded multiword spelling -> (kind, canonical)
    prefixes: frozenset[str]                     # leading words of multiword spellings ("Bank of")
    nationality: frozenset[str]
    given: frozenset[str]
    family: frozenset[str]
    words: dict[str, frozenset[str]]
    longest: int
    cues: frozenset[str]                         # role and organisation words worth remembering before a name


def _sections(path: Path) -> dict[str, list[str]]:
    """Read a data file of `[section]` headers and lines, skipping `#` comments."""
    out: dict[str, list[str]] = {}
    current = ""
    for line in path.read_text("utf-8").splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
        elif line and not line.startswith("#"):
            out.setdefault(current, []).append(line)
    return out


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """Load the gazetteer and word lists (once per process)."""
    gaz = _sections(DATA / "gazetteer.txt")
    table: dict[str, tuple[str, str]] = {}
    for kind, section in ((PLACE, "place"), (ORG, "org")):
        for line in gaz[section]:
            spellings = [n.strip().replace("\u2019", "'") for n in line.split("|")]
            for spelling in spellings:
                table.setdefault(spelling, (kind, spellings[0]))
    prefixes = {" ".join(k.split()[:n]) for k in table for n in range(1, len(k.split()))}
    given = _sections(DATA / "given_names.txt")
    words = {k: frozenset(w.rstrip(".") for line in v for w in line.split())
             for k, v in _sections(DATA / "entities_words.txt").items()}
    return Lexicon(table, {k.casefold(): v for k, v in table.items() if " " in k}, frozenset(prefixes),
                   frozenset(n.strip() for line in gaz["nationality"] for n in line.split("|")),
                   frozenset(" ".join(given["given"]).split()), frozenset(" ".join(given["family"]).split()),
                   words, max(len(k.split()) for k in table), words["role"] | words["orgword"])


def canonical(name: str) -> str:
    """Return the gazetteer's display form of `name` ("U.S." -> "United States"), else `name` cleaned."""
    name = clean_line(name)
    hit = lexicon().gazetteer.get(name.replace("\u2019", "'"))
    return hit[1] if hit else name


def _is_initials(tok: str) -> bool:
    return len(tok) >= 2 and tok[-1] == "." and all(c == "." for c in tok[1::2]) and tok[::2].isupper()


@lru_cache(maxsize=1 << 16)
def _base(tok: str) -> str:
    """Drop a possessive and a sentence-final dot: "Ukraine's" -> "Ukraine"."""
    if tok.endswith(("'s", "\u2019s")) and len(tok) > 3:
        tok = tok[:-2]
    elif tok.endswith(("s'", "s\u2019")) and len(tok) > 3:
        tok = tok[:-1]
    if tok.endswith(".") and not _is_initials(tok) and tok.lower() not in _ABBREV \
            and tok not in lexicon().gazetteer:
        tok = tok[:-1]
    return tok.replace("\u2019", "'")


@lru_cache(maxsize=1 << 16)
def _flags(tok: str) -> int:
    """Classify one token once: stop word, title, organisation word, given name, gazetteer entry ..."""
    lex, w = lexicon(), lexicon().words
    f = 0
    if _is_initials(tok):
        f |= INITIALS
    if tok.endswith(".") and not f & INITIALS and tok.lower() not in _ABBREV and tok not in lex.gazetteer:
        f |= ENDS
    if tok.endswith(("'s", "\u2019s", "s'", "s\u2019")) and len(tok) > 3:
        f |= POSS
    base = _base(tok) if f & (ENDS | POSS) else tok.replace("\u2019", "'")
    low = base.lower().rstrip(".")
    caps = not f & INITIALS and len(base) > 1 and _ALLCAPS.fullmatch(base) is not None
    if "-" in low and low.rsplit("-", 1)[1] in w["title"] and low.split("-", 1)[0] in w["modifier"]:
        low = low.rsplit("-", 1)[1]                     # "Vice-President" is a title like "President"
    table = ((STOP, low in w["stop"] and not (caps and base in lex.gazetteer)),
             (COMMON, low in w["common"] or (low.endswith("s") and low[:-1] in w["common"])),
             (TITLE, low in w["title"]), (MODIFIER, low in w["modifier"]), (ROYAL, low in w["royal"]),
             (ORGHEAD, low in w["orghead"]), (SUFFIX, low in w["suffix"]), (PLACEHEAD, low in w["placehead"]),
             (REGION, low in w["regionword"]), (GIVEN, base in lex.given), (FAMILY, base in lex.family),
             (NATION, base in lex.nationality), (GAZ, base in lex.gazetteer), (STARTS, base in lex.prefixes),
             (CAPS, caps), (PARTICLE, tok in _PARTICLES), (CONN, tok in _CONNECTORS))
    for bit, on in table:
        if on:
            f |= bit
    head, _, tail = base.partition("-")
    if tail[:1].islower() and (head in lex.gazetteer or head in lex.nationality
                               or tail.endswith(("ed", "based", "born", "run", "style", "wide", "era"))):
        f |= HYPHEN                                     # "London-based", "Russia-linked": not part of a name
    prefix = _LOW_PREFIX.match(base)
    head = base[prefix.end():] if prefix else base
    if f & (PARTICLE | INITIALS) or (head[:1].isupper() and not caps and not f & (
            ORGHEAD | SUFFIX | PLACEHEAD | STOP | TITLE | MODIFIER | ROYAL | NATION | HYPHEN)):
        f |= NAMEOK
    return f


class Mention(NamedTuple):
    """One occurrence of a name: its tokens, its kind (None while unknown) and where it was seen."""

    tokens: tuple[str, ...]
    kind: str | None
    pos: int
    cue: str = ""           # why: "gaz", "org", "title", "given", "role" ...; for unknowns "said", "41,", "initial"
    weak: bool = False      # from a headline: may only confirm a name found elsewhere


class _Context(NamedTuple):
    initial: bool = False   # the phrase starts a sentence
    prev: str = ""          # the lowercase word just before it ("chairman")
    nxt: str = ""           # the word just after it ("said", "41,")
    org_cue: bool = False   # Reuters' <Company Inc> markup or a ticker after it
    acronym: str = ""       # "(OECD)" right after it
    weak: bool = False      # inside a headline


_WEAK = _Context(weak=True)


@dataclass
class _Doc:
    lex: Lexicon
    text: str                                   # the whole article, to ask whether a word is used in lowercase
    mentions: list[Mention] = field(default_factory=list)
    acronyms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    pos: int = 0
    lower: dict[str, bool] = field(default_factory=dict)
    memo: dict[tuple[str, _Context], list[tuple[tuple[str, ...], str | None, str]]] = field(default_factory=dict)

    def add(self, tokens: Sequence[str], kind: str | None, cue: str = "", weak: bool = False) -> None:
        """Record a mention."""
        if tokens:
            self.pos += 1
            self.mentions.append(Mention(tuple(tokens), kind, self.pos, cue, weak))

    def common(self, tok: str) -> bool:
        """Tell whether a capitalised word is an ordinary word here (listed, or used in lowercase)."""
        f = _flags(tok)
        if f & (COMMON | STOP):
            return True
        low = _base(tok).lower()
        return self._used(low) or (low.endswith("s") and self._used(low[:-1]))

    def _used(self, word: str) -> bool:
        hit = self.lower.get(word)
        if hit is None:
            text, n, i, hit = self.text, len(word), self.text.find(word), False
            while i >= 0 and not hit:
                hit = (i == 0 or not text[i - 1].isalpha()) and (i + n == len(text) or not text[i + n].isalpha())
                i = text.find(word, i + 1)
            self.lower[word] = hit
        return hit


def _split(doc: _Doc, toks: list[str], initial: bool, acronym: str = "") -> list[tuple[list[str], bool]]:
    """Cut a phrase at sentence ends, possessives, list "and"s and stray stop words -> [(tokens, initial)]."""
    if len(toks) == 1 or (acronym and sorted(_initials(_trim(doc, list(toks), initial))) == sorted(acronym)):
        return [(toks, initial)]                        # "China International Investment and Trust Corporation (CITIC)"
    lex = doc.lex
    parts: list[tuple[list[str], bool]] = []
    cur: list[str] = []
    start = initial
    i = 0
    while i < len(toks):
        tok, f = toks[i], _flags(toks[i])
        if f & CONN and cur:
            n = 2 if i + 1 < len(toks) and toks[i + 1] == "the" else 1
            if not _keep_connector(doc, cur, tok, toks[i + n:]):
                parts.append((cur, start))
                cur, start, i = [], False, i + n
                continue
            cur.extend(toks[i:i + n])
            i += n
            continue
        if cur and (tok.lower() in _FUNCTION and tok[:1].isupper() and not f & CAPS) or (
                cur and _flags(cur[-1]) & INITIALS and _flags(cur[-1]) & GAZ and doc.common(tok)
                and " ".join(cur + [tok]) not in lex.prefixes and not f & GAZ
                and not any(_flags(t) & SUFFIX for t in toks[i + 1:])
                and not (i + 1 < len(toks) and _flags(toks[-1]) & ORGHEAD)):    # "U.S. Appeals Court"
            parts.append((cur, start))      # "U.S. The" / Reuters' "U.S. Commercial banks"
            cur, start = [], tok.lower() in _FUNCTION
        if f & HYPHEN:
            if cur:
                parts.append((cur, start))
            parts.append(([tok], False))
            cur, start, i = [], False, i + 1
            continue
        cur.append(tok)
        poss = f & POSS and i + 1 < len(toks) and not _keep_possessive(doc, cur, toks[i + 1:])
        if f & ENDS or poss or (f & SUFFIX and i + 1 < len(toks) and not _flags(toks[i + 1]) & (CONN | SUFFIX)):
            parts.append((cur, start))                  # "... Software Arts Inc. Software Arts said"
            cur, start = [], bool(f & ENDS)
        i += 1
    if cur:
        parts.append((cur, start))
    return parts


def _keep_possessive(doc: _Doc, cur: list[str], rest: list[str]) -> bool:
    """Keep "'s" inside a name ("Lloyd's Bank", "People's Bank of China") but not "Tamura's Ministry of ..."."""
    while len(cur) > 1 and _flags(cur[0]) & STOP:
        cur = cur[1:]
    whole = " ".join(cur).replace("\u2019", "'")
    if f"{whole} {rest[0]}" in doc.lex.prefixes or f"{whole} {rest[0]}" in doc.lex.gazetteer:
        return True
    if whole in doc.lex.gazetteer:                      # "Moody's Investors Service"
        return not _flags(rest[0]) & GAZ
    if _flags(cur[-1]) & COMMON and any(_flags(t) & ORGHEAD for t in rest):
        return True                                     # "People's Construction Bank", "Workers' Party"
    return bool(_flags(rest[0]) & (ORGHEAD | SUFFIX)) and not (len(rest) > 1 and rest[1] in ("of", "for"))


def _keep_connector(doc: _Doc, cur: list[str], tok: str, rest: list[str]) -> bool:
    """Keep "of"/"and" inside a name ("Bank of Thailand", "Securities and Exchange Commission")."""
    if " ".join(cur + [tok]) in doc.lex.prefixes:
        return True
    last = _flags(cur[-1])
    if tok in ("of", "for"):
        return bool(last & (ORGHEAD | TITLE | ROYAL | PLACEHEAD | MODIFIER))
    after = [_flags(t) for t in rest]
    if last & SUFFIX or not after or any(
            f & ORGHEAD and i + 1 < len(rest) and rest[i + 1] in ("of", "for") for i, f in enumerate(after)):
        return False
    if after[0] & SUFFIX:
        return True                                     # "J.P. Morgan and Co"
    if after[0] & GAZ:
        return False                                    # "Compaq and Apple Computer", "Group of Five and Canada"
    core = [t for t in cur if not _flags(t) & STOP]
    if any(f & (ORGHEAD | SUFFIX) for f in after) and not _gaz_len(doc.lex, rest, 0) and (
            (len(core) == 1 and last & (COMMON | ORGHEAD)) or not any(
                _flags(t) & (ORGHEAD | SUFFIX | GIVEN | FAMILY) for t in core)):
        return True                                     # "Securities and Exchange Commission", "Ways and Means ..."
    return any(_flags(t) & ORGHEAD for t in cur) and any(t in ("of", "for") for t in cur)


def _trim(doc: _Doc, toks: list[str], initial: bool) -> list[str]:
    """Strip leading stop words (and, at a sentence start, ordinary words) and trailing stop words."""
    lex = doc.lex
    suffixed = any(_flags(t) & SUFFIX for t in toks[1:])
    while toks:
        t, f = toks[0], _flags(toks[0])
        if f & STARTS and _gaz_len(lex, toks, 0):
            break
        if f & STOP and t.lower() in _NAME_ADJECTIVES and not initial and len(toks) > 1:
            break                                       # "the New China News Agency"
        if not (f & (CONN | PARTICLE | STOP) or (
                initial and not suffixed and (doc.common(t) or t.endswith("ing"))
                and not f & (GAZ | ORGHEAD | TITLE | MODIFIER | ROYAL | GIVEN | FAMILY))):
            break
        toks, initial = toks[1:], False
    while toks and _flags(toks[-1]) & (CONN | PARTICLE | STOP):
        toks = toks[:-1]
    return toks


def _gaz_key(toks: Sequence[str], i: int, n: int) -> str:
    """The gazetteer spelling for toks[i:i+n] (the last word without a possessive)."""
    return " ".join([*toks[i:i + n - 1], _base(toks[i + n - 1])])


def _gaz_len(lex: Lexicon, toks: Sequence[str], i: int) -> int:
    """Length of the longest gazetteer spelling starting at toks[i], or 0."""
    if not _flags(toks[i]) & STARTS:
        return 1 if _base(toks[i]) in lex.gazetteer else 0
    for n in range(min(lex.longest, len(toks) - i), 0, -1):
        if _gaz_key(toks, i, n) in lex.gazetteer:
            return n
    return 0


def _person(doc: _Doc, base: list[str], ctx: _Context) -> bool:
    """Add a person named after a title, with a given or family name, or after a role word ("chairman")."""
    lex = doc.lex
    flags = [_flags(t) for t in base]
    for j in range(len(base) - 2, -1, -1):
        if flags[j] & (TITLE | ROYAL):
            name = base[j + 1:]
            core = [t for t in name if t not in _PARTICLES]
            if not (1 <= len(core) <= 4 and all(f & NAMEOK for f in flags[j + 1:])) or (
                    len(name) == 1 and (flags[-1] & GAZ or doc.common(name[0]))):
                return False
            i = j
            while i > 0 and flags[i - 1] & (TITLE | MODIFIER | ROYAL):
                i -= 1
            if i:                                       # "Federal Reserve Board Chairman Paul Volcker"
                prefix = _trim(doc, base[:i], False)
                if prefix and not (" ".join(prefix) in lex.gazetteer or _org(doc, prefix, _Context(weak=ctx.weak))):
                    _gazetteer(doc, prefix, _Context(weak=ctx.weak), only_if_covered=True)
                elif prefix and " ".join(prefix) in lex.gazetteer:
                    _gazetteer(doc, prefix, _Context(weak=ctx.weak))
            if flags[j] & ROYAL and len(name) == 1 and flags[-1] & GIVEN:
                name = [base[j].capitalize()] + name
            doc.add(name, PERSON, "title", ctx.weak)
            return True
        if not flags[j + 1] & NAMEOK:
            break
    core = [t for t in base if t not in _PARTICLES]
    rest_ok = len(base) >= 2 and len(core) <= 4 and all(f & NAMEOK for f in flags[1:]) \
        and not flags[-1] & PARTICLE
    if rest_ok and flags[0] & GIVEN:
        doc.add(base, PERSON, "given", ctx.weak)
    elif rest_ok and flags[0] & FAMILY and len(base) <= 3 and not any(doc.common(t) for t in base[1:]):
        doc.add(base, PERSON, "family", ctx.weak)
    elif ctx.prev in lex.words["role"] and len(core) <= 4 and all(f & NAMEOK for f in flags) \
            and not flags[0] & GAZ and not (len(base) == 1 and (doc.common(base[0]) or flags[0] & GIVEN)):
        doc.add(base, PERSON, "role", ctx.weak)
    else:
        return False
    return True


def _org(doc: _Doc, base: list[str], ctx: _Context) -> bool:
    """Add an organisation named with a company suffix, an organisation word or a cue."""
    flags = [_flags(t) for t in base]
    n = len(base)
    headed = flags[-1] & ORGHEAD or any(f & SUFFIX for f in flags[1:]) or any(
        flags[k] & ORGHEAD and base[k + 1] in ("of", "for") for k in range(n - 1)) or (
        n > 1 and base[0].lower() in _LEADING_HEADS and not flags[-1] & (TITLE | MODIFIER))
    cued = ctx.org_cue or (ctx.acronym and n > 1) or ctx.prev in doc.lex.words["orgword"]
    if not (headed or cued) or (n == 1 and flags[0] & (ORGHEAD | TITLE | MODIFIER | COMMON)):
        return False
    while len(base) > 1 and _flags(base[-1]) & (SUFFIX | CONN):
        base = base[:-1]
    doc.add(base, ORG, "org", ctx.weak)
    if ctx.acronym:
        doc.acronyms[ctx.acronym] = tuple(base)
    return True


def _gazetteer(doc: _Doc, base: list[str], ctx: _Context, only_if_covered: bool = False) -> bool:
    """Add the gazetteer names in a phrase, longest first ("Sony Japan", "Russia-linked"); report if any.

    With `only_if_covered`, add them only when every other word of the phrase is an ordinary word.
    """
    lex = doc.lex
    found: list[tuple[str, str]] = []
    i = 0
    while i < len(base):
        n = _gaz_len(lex, base, i)
        if n:
            found.append(lex.gazetteer[_gaz_key(base, i, n)])
            i += n
            continue
        tok = base[i]
        if found and found[-1][0] == PLACE and only_if_covered and not _flags(base[0]) & INITIALS \
                and _team(doc, base[i:]):
            if tok != "City":                           # "Florida State", "St. Louis Rams": a team or school
                doc.add(base, ORG, "team", ctx.weak)
            return True
        if "-" in tok:
            found.extend(h for h in (lex.gazetteer.get(p) for p in tok.split("-")) if h and h[0] == PLACE)
        elif only_if_covered and not (_flags(tok) & (NATION | CONN | TITLE | MODIFIER) or (
                doc.common(tok) and (found or tok in _DIRECTIONS))):
            return False                                # "Security Pacific" is no place
        i += 1
    for kind, name in found:
        doc.add(name.split(), kind, "gaz", ctx.weak)
    return bool(found)


def _team(doc: _Doc, rest: list[str]) -> bool:
    """Words after a place that make a team or school: "State", "United", or a plural nickname ("Rams")."""
    if len(rest) == 1 and rest[0] in _TEAM_WORDS:
        return True
    return len(rest) <= 2 and rest[-1].endswith("s") and not rest[-1].endswith(("'s", "ss")) and all(
        t[:1].isdigit() or (_flags(t) & (NAMEOK | PLACEHEAD) and not doc.common(t)) for t in rest)


def _caps(doc: _Doc, base: list[str], ctx: _Context) -> None:
    """All-capital words: a dateline place ("NEW YORK -"), a known or defined acronym, else nothing."""
    lex, w = doc.lex, doc.lex.words
    hit = lex.folded.get(" ".join(base).casefold()) if len(base) > 1 else lex.gazetteer.get(base[0])
    if hit is None and len(base) == 1 and len(base[0]) >= 4:
        hit = lex.gazetteer.get(base[0].title())
        hit = hit if hit and hit[0] == PLACE else None
    if hit:
        doc.add(hit[1].split(), hit[0], "gaz", ctx.weak)
        return
    for tok in base:
        if 2 <= len(tok) <= 7 and tok.lower() not in w["notorg"] and not _flags(tok) & (STOP | COMMON | INITIALS):
            doc.add([tok], ORG if ctx.prev in w["orgword"] or ctx.org_cue else None, "acronym", ctx.weak)


def _word(doc: _Doc, tok: str, ctx: _Context) -> None:
    """`_analyse` for the commonest case, a single capitalised word."""
    f = _flags(tok)
    if f & HYPHEN:
        _gazetteer(doc, [tok], ctx)
        return
    if f & (CONN | PARTICLE | STOP | NATION) or (ctx.initial and not f & (GAZ | GIVEN | FAMILY) and doc.common(tok)):
        return
    if f & CAPS:
        _caps(doc, [_base(tok)], ctx)
    elif f & GAZ:
        kind, name = doc.lex.gazetteer[_base(tok)]
        doc.add(name.split(), kind, "gaz", ctx.weak)
    elif not (_person(doc, [_base(tok)], ctx) or _org(doc, [_base(tok)], ctx)) and f & NAMEOK \
            and not doc.common(tok):
        doc.add([_base(tok)], None, ctx.nxt, ctx.weak)


def _analyse(doc: _Doc, toks: list[str], ctx: _Context) -> None:
    """Type one capitalised phrase and add what it names."""
    if len(toks) == 1:
        _word(doc, toks[0], ctx)
        return
    if all(_flags(t) & (CAPS | INITIALS) for t in toks) and any(_flags(t) & CAPS for t in toks):
        _caps(doc, [_base(t) for t in toks], ctx)       # "NEW YORK -", "LORD ABBETT U.S. GOVERNMENT ..."
        return
    toks = _trim(doc, toks, ctx.initial)
    if not toks:
        return
    base = toks[:-1] + [_base(toks[-1])]
    flags = [_flags(t) for t in base]
    if all(f & CAPS for f in flags):
        _caps(doc, base, ctx)
        return
    lex = doc.lex
    hit = lex.gazetteer.get(" ".join(base))
    if hit:
        doc.add(hit[1].split(), hit[0], "gaz", ctx.weak)
        return
    if " ".join(base) in lex.nationality or (flags[0] & (TITLE | ROYAL) and "of" in base):
        return                                          # "South African"; "Duke of Cambridge" names no place
    if _person(doc, base, ctx) or _org(doc, base, ctx):
        return
    if len(base) > 1 and flags[-1] & PLACEHEAD:
        hit = lex.gazetteer.get(" ".join(base[:-1])) if flags[-1] & REGION else None
        if hit and hit[0] == PLACE:
            doc.add(hit[1].split(), PLACE, "gaz", ctx.weak)
        elif not (ctx.initial and doc.common(base[0])) and not any(_flags(t) & (NATION | TITLE) for t in base) \
                and not (base[-1] == "City" and flags[-2] & GAZ):    # "Leicester City" may be a club
            doc.add(base, PLACE, "head", ctx.weak)      # "Dakota County", "the Green Zone", "Sadr City"
        return
    if _gazetteer(doc, base, ctx, only_if_covered=True) or any(f & NATION for f in flags):
        return
    n = _gaz_len(lex, base, 0)
    if n and lex.gazetteer[_gaz_key(base, 0, n)] == (ORG, _gaz_key(base, 0, n)):   # "Microsoft Windows"
        doc.add(_gaz_key(base, 0, n).split(), ORG, "gaz", ctx.weak)
        return
    if n == 1 and flags[0] & INITIALS and lex.gazetteer[base[0]][0] == PLACE:       # "U.S. Warships"
        doc.add(lex.gazetteer[base[0]][1].split(), PLACE, "gaz", ctx.weak)
        return
    if all(f & NAMEOK for f in flags) and not any(doc.common(t) for t in base) and not flags[0] & GAZ:
        if ctx.nxt in lex.words["affiliation"]:         # "Honeywell Bull president Jerome Meyer"
            doc.add(base, ORG, "affiliation", ctx.weak)
        else:
            doc.add(base, None, ctx.nxt or ("initial" if ctx.initial else ""), ctx.weak)


def _starts_sentence(before: str) -> bool:
    """Tell whether text ending in `before` leaves the next word at the start of a sentence."""
    if len(before) > 2 and before[-1] == " " and (before[-2].isalnum() or before[-2] == ","):
        return False
    b = before.rstrip(" \t\"'\u201c\u2018(\u00ab[")
    if not b or b[-1] in "!?:" or b.endswith(("--", " -", "\u2014", "\u2013")):
        return True
    if b[-1] == ".":
        word = b.rsplit(None, 1)[-1]
        return word.lower() not in _ABBREV and not _flags(word) & INITIALS
    return False


def _scan(doc: _Doc, text: str) -> None:
    """Find the capitalised phrases of one paragraph and analyse each."""
    cues, said, gazetteer = doc.lex.cues, doc.lex.words["said"], doc.lex.gazetteer
    orgwords, affiliation = doc.lex.words["orgword"], doc.lex.words["affiliation"]
    for m in _CHUNK.finditer(text):
        s, e = m.span()
        chunk = text[s:e]
        single = " " not in chunk and "." not in chunk[:-1]
        if single:                                      # most phrases are one word: settle the easy ones here
            f = _flags(chunk)
            if f & (CONN | PARTICLE | STOP | NATION):
                continue
            if f & GAZ and not text.startswith("<", s - 1):
                hit = gazetteer[_base(chunk)]
                doc.add(hit[1].split(), hit[0], "gaz")
                continue
            if f & HYPHEN:
                _gazetteer(doc, [chunk], _Context())     # "Russia-linked": the place only
            if not f & (NAMEOK | CAPS) or (chunk in doc.acronyms and text.startswith("(", s - 1)):
                continue                                # "(OECD)" right after its name is not a new mention
        mid = s > 1 and text[s - 1] == " " and (text[s - 2].isalnum() or text[s - 2] == ",")
        before = "" if mid else text[max(0, s - 60):s]
        if not mid and before.endswith(_PREFIXES) and (len(before) < 4 or not before[-4].isalpha()
                                                      or before[-4] == " "):
            cut = before.rfind(" ") + 1                 # "said al-Chalabi": the regex starts at "Chalabi"
            chunk, before, single = before[cut:] + chunk, before[:cut], False
        if chunk.isupper() and text.rfind("<", max(0, s - 20), s) > text.rfind(">", max(0, s - 20), s):
            continue                                    # Reuters tickers: <JARD.HK>
        prev = ""
        if mid or before.endswith(" "):                 # a lowercase cue right before: "chairman", "bank"
            j = text.rfind(" ", 0, s - 1)
            prev = text[j + 1:s - 1]
            prev = prev.rstrip(",") if prev[:1].islower() and prev.rstrip(",") in cues else ""
            if prev and prev in orgwords and text[s - 2] == ",":
                prev = ""
        org_cue = text.startswith("<", s - 1) or _TICKER.match(text, e) is not None
        acr = _ACRONYM.match(text, e) if text.startswith(("(", " ("), e) else None
        if acr and acr.group(1).lower() in doc.lex.words["notorg"]:
            acr = None
        initial = not mid and _starts_sentence(before)
        if single and not (org_cue or acr or prev) and not f & CAPS:
            doc.add([_base(chunk)], None, "initial" if initial else "")    # a surname or a short name?
            continue
        nxt = _NEXT.match(text, e)
        word = nxt.group(1) or "" if nxt else ""
        if word in affiliation and text.startswith(",", e):
            word = ""                                   # "Nimit Nonthapanthawat, chief economist": a person
        keep = word in said or word in affiliation or word[:1].isdigit()
        ctx = _Context(initial, prev, word if keep else "", org_cue, acr.group(1) if acr else "")
        key = (chunk, ctx)
        seen = doc.memo.get(key)
        if seen is not None:                            # the same phrase in the same setting: same answer
            for tokens, kind, cue in seen:
                doc.add(tokens, kind, cue)
            continue
        start = len(doc.mentions)
        toks = [chunk] if single else chunk.split(" ") if "." not in chunk else _TOKEN.findall(chunk)
        parts = _split(doc, [t for t in toks if t], ctx.initial, ctx.acronym)
        for k, (part, init) in enumerate(parts):
            last = k == len(parts) - 1
            _analyse(doc, part, _Context(init, ctx.prev if k == 0 else "", ctx.nxt if last else "",
                                         ctx.org_cue, ctx.acronym if last else ""))
        doc.memo[key] = [(m.tokens, m.kind, m.cue) for m in doc.mentions[start:]]


def _headline(doc: _Doc, title: str, style: str) -> None:
    """Title-case and all-capital headlines: keep known places/organisations and clear names only."""
    lex = doc.lex
    ends: set[int] = set()
    if style == "caps":
        words = [w for w in (w.strip(",;:!?\"'()") for w in re.sub(r"<[^>]*>", " ", title).split()) if w]
        toks = [w if w in lex.gazetteer else w.title() for w in words]
    else:
        words, toks = [], []
        for m in _CHUNK.finditer(title):
            toks.extend(_TOKEN.findall(m.group()))
            if m.end() == len(title) or title[m.end()] in ",;:":
                ends.add(len(toks) - 1)                 # a name may end here: "Jean Kennedy Smith, JFK's ..."
    i, free = 0, False                                  # free: the word before was left unexplained
    while i < len(toks):
        n = _gaz_len(lex, toks, i)
        nxt = toks[i + 1] if i + 1 < len(toks) else ""
        if n and not (style == "caps" and n == 1 and _flags(words[i].lower()) & STOP):
            kind, name = lex.gazetteer[_gaz_key(toks, i, n)]
            if style != "caps" or kind == PLACE or toks[i].isupper():
                doc.add(name.split(), kind, "gaz", style == "caps")     # "PACIFIC SOUTHWEST": needs the body
            i, free = i + n, False
            continue
        if style == "title" and nxt and not free and _flags(nxt) & NAMEOK and not _flags(nxt) & COMMON \
                and not _flags(toks[i]) & (POSS | STOP) and (
                _flags(toks[i]) & GIVEN or (_flags(toks[i]) & ROYAL and _flags(nxt) & GIVEN)):
            person = [toks[i], _base(nxt)]
            third = toks[i + 2] if i + 2 < len(toks) and not _flags(nxt) & POSS else ""
            if third in ("Jr.", "Sr.") or (third and _flags(nxt) & INITIALS) or (
                    i + 2 in ends and _flags(third) & NAMEOK and not _flags(third) & COMMON):
                person.append(_base(third) if third[-1] != "." else third)    # "Jean Kennedy Smith, JFK's ..."
            _person(doc, person, _WEAK)
            i, free = i + len(person), False
            continue
        f = _flags(toks[i])
        if "-" in toks[i] and style == "title":
            _gazetteer(doc, toks[i:i + 1], _Context())
        elif f & NAMEOK and not doc.common(toks[i]):
            doc.add([_base(toks[i])], None, "", True)
        # After "Santa" or an unknown name ("Wilbur Ross Shrugs ..."), a given name is not a first name.
        free = bool(f & STARTS) or (bool(f & NAMEOK) and not f & COMMON and not toks[i].endswith("s")
                                    and (i == 0 or toks[i - 1] != "To"))
        i += 1


def _title_style(title: str) -> str:
    """Classify a headline: "caps" (1987 wire), "title" (Title Case) or "sentence"."""
    letters = [c for c in title if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) / len(letters) > 0.7:
        return "caps"
    words = [w for w in re.findall(r"[^\W\d_][\w'\u2019\-]*", title) if w.lower() not in _SMALL]
    if len(words) >= 3 and sum(w[0].isupper() for w in words) / len(words) >= 0.75:
        return "title"
    return "sentence"


@dataclass
class _Entity:
    kind: str
    tokens: tuple[str, ...]
    count: int
    first: int
    family: bool = False


def _initials(tokens: Sequence[str]) -> str:
    parts = [p for t in tokens if t not in _CONNECTORS and t not in _PARTICLES for p in t.split("-") if p]
    return "".join(p[0] for p in parts).upper() if len(parts) >= 2 else ""


def _person_match(persons: list[_Entity], toks: tuple[str, ...]) -> list[_Entity]:
    """People a (shorter) name may refer to: same last name, and same first name when it has one."""
    first, last = toks[0].lower(), toks[-1].lower()
    return [e for e in persons if toks == e.tokens
            or (last == e.tokens[-1].lower() and (len(toks) == 1 or first == e.tokens[0].lower()))
            or (e.family and len(toks) == 1 and first == e.tokens[0].lower())]


def _org_aliases(doc: _Doc, orgs: list[_Entity]) -> dict[str, list[_Entity]]:
    """Short forms of each organisation: its first word, leading words, initials and defined acronyms."""
    aliases: dict[str, list[_Entity]] = {}
    for e in orgs:
        forms = {" ".join(e.tokens[:n]) for n in range(2, len(e.tokens))}
        first = e.tokens[0]
        if len(e.tokens) > 1 and len(first) >= 3 and not doc.common(first) \
                and not _flags(first) & (GIVEN | GAZ | NATION | TITLE | MODIFIER | ORGHEAD):
            forms.add(first)
        forms.add(_initials(e.tokens))
        forms |= {acr for acr, toks in doc.acronyms.items() if toks == e.tokens}
        for form in forms - {""}:
            aliases.setdefault(form, []).append(e)
    return aliases


def _count(e: _Entity, m: Mention) -> None:
    e.count += 1
    e.first = min(e.first, m.pos)


def _resolve(doc: _Doc) -> list[_Entity]:
    """Merge mentions into entities: full names first, then surnames, short forms and acronyms."""
    persons: list[_Entity] = []
    named: dict[tuple[str, tuple[str, ...]], _Entity] = {}
    pending: list[Mention] = []
    for m in sorted(doc.mentions, key=lambda m: (m.kind != PERSON, -len(m.tokens), m.pos)):
        if m.kind == PERSON:
            found = _person_match(persons, m.tokens)
            if len(found) == 1:
                _count(found[0], m)
            elif not found:
                persons.append(_Entity(PERSON, m.tokens, 1, m.pos, m.cue == "family"))
        elif m.kind is not None and not m.weak:
            _count(named.setdefault((m.kind, m.tokens), _Entity(m.kind, m.tokens, 0, m.pos)), m)
        elif m.kind is None:
            pending.append(m)
    for m in doc.mentions:
        if m.kind in (PLACE, ORG) and m.weak and (m.kind, m.tokens) in named:
            _count(named[m.kind, m.tokens], m)
    entities = _merge_named(persons, sorted(named.values(), key=lambda e: -len(e.tokens)))
    orgs = [e for e in entities if e.kind == ORG]
    aliases = _org_aliases(doc, orgs)
    alone = {m.tokens[0] for m in pending if len(m.tokens) == 1 and not m.weak}
    org_words = {t for e in orgs for t in e.tokens}
    for m in pending:
        if len(m.tokens) > 1 and not m.weak and " ".join(m.tokens) not in aliases \
                and not org_words.intersection(m.tokens) \
                and not _person_match(persons, m.tokens) and (
                m.cue in doc.lex.words["said"] or m.cue[:-1].isdigit()
                or (m.tokens[-1] in alone and not doc.common(m.tokens[-1]))):
            persons.append(_Entity(PERSON, m.tokens, 0, m.pos))
    for m in pending:
        key = " ".join(m.tokens)
        found = _person_match(persons, m.tokens) + [e for e in aliases.get(key, []) if e.tokens != m.tokens]
        if not found and key in doc.acronyms:
            found = [e for e in orgs if e.tokens == doc.acronyms[key]]
        if len({id(e) for e in found}) == 1:
            _count(found[0], m)
    return persons + entities


def _merge_named(persons: list[_Entity], named: list[_Entity]) -> list[_Entity]:
    """Fold short names into longer ones: "Tourist Bureau" into "Japan Tourist Bureau", and a place or
    organisation that is also the surname of someone named in full ("Cheryl Richmond" ... "Richmond")."""
    kept: list[_Entity] = []
    gazetteer = lexicon().gazetteer
    for e in named:                                     # longest first
        n = len(e.tokens)
        owner: list[_Entity] = []
        if n == 1:
            owner = [p for p in persons if len(p.tokens) > 1 and p.tokens[-1] == e.tokens[0]]
        elif e.kind == ORG or " ".join(e.tokens) not in gazetteer:      # "Twin City" of "Twin City Barge"
            owner = [k for k in kept if k.kind == ORG and len(k.tokens) > n
                     and (k.tokens[:n] == e.tokens or k.tokens[-n:] == e.tokens)]
        if len(owner) == 1:
            owner[0].count += e.count
            owner[0].first = min(owner[0].first, e.first)
        else:
            kept.append(e)
    return kept


def _display(tokens: Sequence[str]) -> str:
    """Join a name's tokens; "" when it is unusable as a name."""
    name = " ".join(tokens)
    if not (name.isascii() and name.isprintable()):
        name = clean_line(name)
    if not name or len(name) > MAX_NAME or not any(c.isalpha() for c in name):
        return ""
    return name


def extract(title: str, paragraphs: Sequence[str], limit: int = 12) -> dict[str, list[str]]:
    """Return the people, places and organisations an article names, most mentioned first."""
    return {kind: [name for name, _n in names] for kind, names in extract_counted(title, paragraphs, limit).items()}


def extract_counted(title: str, paragraphs: Sequence[str], limit: int = 12) -> dict[str, list[tuple[str, int]]]:
    """`extract` with each name's number of mentions: {kind: [(name, mentions)]}, same order."""
    title = title if isinstance(title, str) else ""
    paras = [p for p in paragraphs if isinstance(p, str) and p]     # names are cleaned on the way out
    if any(" '" in p for p in paras):
        paras = [_SPACED_APOSTROPHE.sub(r"\1'", p) for p in paras]
    style = _title_style(title)
    doc = _Doc(lexicon(), "\n".join(paras + ([title] if style == "sentence" else [])))
    if style == "sentence":
        _scan(doc, title)       # a headline's unexplained words may only confirm names found in the body
        doc.mentions[:] = [m._replace(weak=True) if m.kind is None else m for m in doc.mentions]
    elif title:
        _headline(doc, title, style)
    for p in paras:
        _scan(doc, p)
    best: dict[str, tuple[int, int, str, str]] = {}
    for e in _resolve(doc):
        name = _display(e.tokens)
        key = name.casefold()
        if name and e.count > 0 and (key not in best or (-e.count, e.first) < best[key][:2]):
            best[key] = (-e.count, e.first, e.kind, name)
    out: dict[str, list[tuple[str, int]]] = {k: [] for k in KINDS}
    for count, _first, kind, name in sorted(best.values()):
        if len(out[kind]) < limit:
            out[kind].append((name, -count))
    return out


if __name__ == "__main__":  # pragma: no cover - a quick look: python -m sitegen.entities < title-then-paragraphs.txt
    lines = [x for x in sys.stdin.read().splitlines() if x.strip()]
    print(extract(lines[0] if lines else "", lines[1:]))
