"""Topic assignment: valid, deterministic 1..3 topics; right on clear items; custom taxonomies; model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen import topics
from sitegen.topics import Topic, load_taxonomy

IPTC = {
    "arts-culture": "Arts, culture, entertainment and media", "conflict": "Conflict, war and peace",
    "crime-law": "Crime, law and justice", "disaster": "Disaster, accident and emergency incident",
    "economy-business": "Economy, business and finance", "education": "Education",
    "environment": "Environment", "health": "Health", "human-interest": "Human interest",
    "labour": "Labour", "lifestyle": "Lifestyle and leisure", "politics": "Politics and government",
    "religion": "Religion", "science-technology": "Science and technology", "society": "Society",
    "sport": "Sport", "weather": "Weather",
}

SPORT = ("United beat Chelsea 2-1 to go top of the Premier League",
         ("Two second-half goals from the striker gave the home side victory in a tense match. The coach said "
         "his team deserved the three points after the goalkeeper saved a late penalty."))
ECONOMY = ("Shares fall as central bank raises interest rates",
           ("Stocks on Wall Street slid after the Federal Reserve raised its benchmark interest rate by a "
           "quarter point to fight inflation. Bond yields rose and the dollar gained against the yen."))
WAR = ("Troops advance as shelling hits frontline towns",
       ("Artillery and drone strikes pounded villages near the front line overnight as the army launched "
       "a new offensive. Officials said dozens of soldiers were killed and ceasefire talks had stalled."))
WEATHER = ("Heatwave to bring record temperatures this weekend",
           ("Forecasters warned of temperatures above 40 degrees Celsius, with thunderstorms and heavy rain "
           "expected on Sunday as a cold front moves in, the national weather service said."))
ONE_LINERS = [
    ("Quake of magnitude 6.1 shakes coastal city", ""),
    ("", "The senator introduced a bill to reform campaign finance laws."),
    ("Pope calls for peace in Christmas message", ""),
    ("Union calls nationwide strike over pay", ""),
]


@pytest.fixture(scope="module")
def tax() -> topics.Taxonomy:
    return load_taxonomy()


def check_result(tax: topics.Taxonomy, result: list[tuple[str, float]]) -> None:
    assert 1 <= len(result) <= 3
    slugs = [s for s, _ in result]
    assert len(set(slugs)) == len(slugs)
    assert all(tax.get(s) is not None for s in slugs)
    scores = [p for _, p in result]
    assert all(0 < p <= 1 for p in scores)
    assert scores == sorted(scores, reverse=True)


def test_default_taxonomy_is_the_iptc_top_level(tax: topics.Taxonomy) -> None:
    assert {t.slug: t.name for t in tax.topics} == IPTC
    assert [t.slug for t in tax.topics] == sorted(IPTC)
    assert all(t.description for t in tax.topics)
    assert tax.get("sport") == Topic("sport", "Sport", tax.get("sport").description)
    assert tax.get("no-such-topic") is None


@pytest.mark.parametrize("article, expected", [(SPORT, "sport"), (ECONOMY, "economy-business"),
                                               (WAR, "conflict"), (WEATHER, "weather")])
def test_clear_items_land_where_expected(tax: topics.Taxonomy, article: tuple[str, str],
                                        expected: str) -> None:
    result = tax.classify(*article)
    check_result(tax, result)
    assert result[0][0] == expected


@pytest.mark.parametrize("title, text", ONE_LINERS)
def test_one_sentence_items(tax: topics.Taxonomy, title: str, text: str) -> None:
    result = tax.classify(title, text)
    check_result(tax, result)
    first = title.split(" ")[0]
    expected = {"Quake": "disaster", "": "politics", "Pope": "religion", "Union": "labour"}[first]
    assert result[0][0] == expected


def test_long_story_is_read_to_its_lead_only(tax: topics.Taxonomy) -> None:
    lead = " ".join([WAR[1]] * 12)   # more than MAX_WORDS words of war
    tail = " ".join(["The match ended in a draw and fans cheered the goalkeeper."] * 500)
    assert len(lead.split()) > topics.MAX_WORDS
    assert tax.classify(WAR[0], lead + "\n" + tail)[0][0] == "conflict"
    assert tax.classify(WAR[0], lead + "\n" + tail) == tax.classify(WAR[0], lead)


def test_deterministic_in_process(tax: topics.Taxonomy) -> None:
    first = [tax.classify(*a) for a in (SPORT, ECONOMY, WAR, WEATHER)]
    assert first == [load_taxonomy().classify(*a) for a in (SPORT, ECONOMY, WAR, WEATHER)]


def test_deterministic_across_hash_seeds() -> None:
    code = ("from sitegen.topics import load_taxonomy; t = load_taxonomy(); "
            f"print([t.classify(*a) for a in {[SPORT, ECONOMY, WAR, WEATHER]!r}])")
    outs = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                             cwd=Path(__file__).resolve().parents[1], check=True)
        outs.add(run.stdout)
    assert len(outs) == 1


def test_empty_article_falls_back_to_one_topic(tax: topics.Taxonomy) -> None:
    result = tax.classify("", "")
    check_result(tax, result)
    assert len(result) == 1


def test_explain_names_the_top_features(tax: topics.Taxonomy) -> None:
    text = tax.explain(*WAR)
    first = text.splitlines()[0]
    assert first.startswith("conflict ")
    assert any(word in first for word in ("troop", "shelling", "offensive", "artillery", "ceasefire"))
    assert len(text.splitlines()) == len(tax.classify(*WAR))


def test_custom_taxonomy_replaces_defaults() -> None:
    site = {
        "local-politics": {"name": "Town hall", "description": "Council news",
                           "keywords": "council councillor mayor planning_permission"},
        "football": {"name": "Football", "keywords": "match goal striker league"},
        "food": {"keywords": "restaurant chef recipe"},
    }
    tax = load_taxonomy(site, replace=True)
    assert [t.slug for t in tax.topics] == ["local-politics", "football", "food"]
    assert tax.get("sport") is None
    assert tax.get("local-politics").name == "Town hall"
    assert tax.get("food").name == "Food"
    assert tax.classify("Council approves planning permission", "The mayor said")[0][0] == "local-politics"
    assert tax.classify("Striker scores twice", "A late goal won the match")[0][0] == "football"
    result = tax.classify("Nothing here matches", "")
    check_result(tax, result)


def test_overrides_extend_defaults() -> None:
    site = {"sport": {"name": "Sports"},
            "chess": {"name": "Chess", "keywords": "chess grandmaster checkmate"}}
    tax = load_taxonomy(site)
    assert tax.get("sport").name == "Sports"
    assert tax.get("chess") is not None and len(tax.topics) == 18
    assert tax.classify("Grandmaster wins chess title with checkmate", "")[0][0] == "chess"
    assert tax.classify(*ECONOMY)[0][0] == "economy-business"


def test_load_taxonomy_is_cached() -> None:
    assert load_taxonomy() is load_taxonomy()
    assert load_taxonomy({"x": {"keywords": "y"}}) is load_taxonomy({"x": {"keywords": "y"}})


def test_replace_without_topics_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one topic"):
        load_taxonomy({}, replace=True)


def test_model_artefact_is_small_and_current() -> None:
    assert topics.MODEL_PATH.stat().st_size < 5 * 1024 * 1024
    model = topics.load_model()
    assert model["topics"] == sorted(IPTC)
    assert model["lexicon_sha256"] == topics.lexicon_digest(), (
        "sitegen/data/topics.yaml or the stop words changed since the model was trained: "
        "run .venv/bin/python bench/train_topics.py")


def test_lexicon_entries_all_tokenize() -> None:
    for slug, spec in topics.default_spec().items():
        feats, dropped = topics.keyword_features(spec["keywords"])
        assert feats and not dropped, f"{slug}: keywords that match nothing: {dropped}"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.text(max_size=400))
def test_classify_never_fails(title: str, text: str) -> None:
    tax = load_taxonomy()
    check_result(tax, tax.classify(title, text))
    assert tax.explain(title, text)
