"""Deterministic synthetic news corpus in the raw seed format: N articles over ~2 years, varied outlets.

    python bench/corpus.py 10000 /tmp/corpus-10k      # writes /tmp/corpus-10k/NNNNNN.txt

Lengths follow a long-tailed distribution like wire copy (median ~450 words, 3-14 paragraphs, a few briefs
of one sentence); vocabulary is drawn per topic so the classifier and topic pages see realistic variety.
The same N always gives the same bytes (random.Random seeded with N).
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

START = dt.date(2023, 1, 1)
DAYS = 730
OUTLETS = ["Reuters", "AP", "AFP", "MENAFN", "Bloomberg", "BBC", "Al Jazeera", "The Guardian", "Le Monde",
           "Der Spiegel", "NHK", "Xinhua", "Yonhap", "ANSA", "EFE", "DPA", "PTI", "Kyodo", "Anadolu", "CNA",
           "Nikkei", "Folha", "Clarin", "El Pais", "The Hindu", "Dawn", "Gulf News", "Arab News", "Daily Maverick",
           "Nation Africa", "RNZ", "ABC Australia", "CBC", "Globe and Mail", "Irish Times", "Politico",
           "Axios", "NPR", "Euronews", "TASS"]
VIAS = ["UkrinForm", "Jordan Times", "Kuwait Times", "Trend News Agency", "Tehran Times"]
TOPICS = {
    "economy": "market markets shares stocks investors bank central inflation rates prices growth economy "
               "company profit revenue quarter earnings trade exports tariffs oil currency bond yields merger "
               "deal billion million percent forecast outlook demand supply consumer retail",
    "politics": "government minister president parliament election vote party opposition coalition policy "
                "law reform senator lawmakers cabinet campaign referendum prime leader diplomatic talks summit",
    "conflict": "troops military forces attack strike ceasefire war army soldiers missile drone offensive "
                "border defence rebels fighting artillery peace negotiations casualties security",
    "sport": "match team season league cup final goal coach players championship tournament win victory "
             "defeat score striker club title race medal olympic stadium fans",
    "science": "researchers study scientists technology software data artificial intelligence satellite "
               "launch space mission laboratory discovery chip device network internet computer",
    "health": "hospital patients doctors health vaccine disease virus outbreak treatment medical drug trial "
              "care clinic infection cases symptoms",
    "weather": "storm rain floods wind temperatures heatwave forecast drought snow hurricane weather "
               "meteorological warning coastal",
    "crime": "police court judge trial arrested charged prosecutors sentence prison investigation fraud "
             "murder suspect lawyers verdict",
    "culture": "film music festival artist museum exhibition album novel director theatre award actor "
               "concert gallery premiere",
}
COMMON = ["said", "the", "on", "in", "of", "and", "to", "a", "for", "with", "that", "was", "at", "by", "from", "after", "as", "it", "is", "its", "has", "have", "were", "would", "will", "also", "over", "more", "than", "about", "new", "last", "week", "year", "officials", "according", "spokesman", "statement", "reported", "told", "added", "early", "late", "this", "while", "during", "since", "amid", "despite"]
PLACES = ["London", "Paris", "Berlin", "Tokyo", "Beijing", "Delhi", "Cairo", "Nairobi", "Lagos", "Brasilia",
          "Mexico City", "Washington", "Ottawa", "Canberra", "Jakarta", "Seoul", "Kyiv", "Moscow", "Ankara",
          "Madrid", "Rome", "Geneva", "Brussels", "Dubai", "Riyadh", "Johannesburg", "Buenos Aires", "Lima"]
NAMES = ["Maria Santos", "John Okafor", "Li Wei", "Ana Petrova", "Ahmed Hassan", "Sofia Rossi", "Kenji Sato",
         "Emma Dubois", "Carlos Mendez", "Priya Sharma", "Olga Ivanova", "David Cohen", "Fatima Zahra"]


def _sentence(rng: random.Random, topic: str, words: int) -> str:
    vocab = TOPICS[topic].split()
    out = []
    for i in range(words):
        r = rng.random()
        if r < 0.38:
            out.append(rng.choice(vocab))
        elif r < 0.9:
            out.append(rng.choice(COMMON))
        elif r < 0.95:
            out.append(rng.choice(PLACES))
        elif r < 0.98:
            out.append(rng.choice(NAMES))
        else:
            out.append(str(rng.randint(2, 990)))
    text = " ".join(out)
    return text[0].upper() + text[1:] + rng.choice([".", ".", ".", ",\u201d he said.", "."])


def article(n: int, rng: random.Random) -> str:
    """The raw text of article `n`."""
    topic = rng.choice(list(TOPICS))
    day = START + dt.timedelta(days=int(rng.triangular(0, DAYS, DAYS)))
    brief = rng.random() < 0.08
    paragraphs = 1 if brief else max(3, min(14, int(rng.lognormvariate(2.05, 0.45))))
    title = _sentence(rng, topic, rng.randint(6, 12)).rstrip(".,\u201d he said")
    outlet = rng.choice(OUTLETS)
    lead = f"({outlet}- {rng.choice(VIAS)})" if outlet == "MENAFN" and rng.random() < 0.5 else f"({outlet})"
    body = []
    for p in range(paragraphs):
        sentences = [_sentence(rng, topic, rng.randint(12, 32)) for _ in range(rng.randint(1, 4))]
        text = " ".join(sentences)
        if p == 0:
            text = f"{lead} {rng.choice(PLACES).upper()} - {text}"
        body.append(text)
    return f" date {day.isoformat()} {n}\n{title}\n" + "\n".join(body) + "\n"


def generate(n: int, out: Path) -> list[Path]:
    """Write `n` raw articles into `out` (created); return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(n)
    paths = []
    for i in range(n):
        path = out / f"{i:06d}.txt"
        path.write_text(article(i, rng), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    count, target = int(sys.argv[1]), Path(sys.argv[2])
    generate(count, target)
    print(f"{count} articles in {target}")
