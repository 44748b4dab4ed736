"""Stories: syndicated copies shown once, story threads, related reading, people/places/organisations pages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sitehelpers import article, write_site

from sitegen import cluster
from sitegen.config import load_config
from sitegen.group import build_site
from sitegen.model import Article
from sitegen.pipeline import build
from sitegen.stories import Story, find_stories

UTC = dt.UTC
LEAD = ("The central bank of Freedonia raised its main interest rate by half a point to 4.5 percent on "
        "Tuesday, its third increase this year, saying inflation of 7.2 percent was still far above its "
        "target and that wages were rising faster than productivity across the economy.")
MORE = ("Governor Rufus Firefly told reporters in Fredonia City that further rises could follow if prices kept "
        "climbing. Markets had expected the move after weeks of hints from the board.")


def _art(slug: str, day: int, text: str, source: str | None = None, topics: tuple[str, ...] = ("economy-business",),
         entities: tuple[tuple[str, str], ...] = (), hour: int = 9) -> Article:
    return Article(path=f"content/articles/{slug}.md", title=slug.replace("-", " "), slug=slug, source=source,
                   date=dt.datetime(2025, 3, day, hour, tzinfo=UTC), topics=topics, entities=entities,
                   words=len(text.split()), signature=cluster.signature(slug, text)).with_digest()


def test_copies_of_one_story_are_shown_once_with_the_others_listed() -> None:
    arts = [_art("rates-up", 4, f"{LEAD}\n{MORE}", "Reuters"),
            _art("freedonia-raises-rates", 4, f"FREDONIA CITY (AP) - {LEAD}", "AP", hour=11),
            _art("storm", 4, "A storm flooded the coast of Freedonia overnight and thousands of people left their "
                 "homes as rivers rose across the north of the country.", "AP", ("weather",))]
    site = build_site(arts, ["economy-business", "weather"])
    assert [a.slug for a in site.shown] == ["storm", "rates-up"] or [a.slug for a in site.shown] == ["rates-up", "storm"]
    [day] = site.days
    economy = next(s for s in day.sections if s.topic == "economy-business")
    assert [a.slug for a in economy.articles] == ["rates-up"]                 # the longer copy is the best
    assert [a.slug for a in economy.also[0]] == ["freedonia-raises-rates"]
    assert len(site.articles) == 3                                            # every copy keeps its page


def test_distinct_stories_do_not_merge() -> None:
    other = LEAD.replace("Freedonia", "Sylvania").replace("4.5", "3.25").replace("7.2", "5.1")
    stories = find_stories([_art("a", 4, LEAD, "Reuters"), _art("b", 4, other, "AP")])
    assert stories == {}


def test_threads_link_articles_continuing_one_story() -> None:
    names = (("people", "Rufus Firefly"), ("organisations", "Bank of Freedonia"), ("places", "Freedonia"))
    arts = [_art("day-one", 3, "First report about the bank and its governor and the rate decision today.",
                 entities=names),
            _art("day-two", 4, "The governor defended the decision before parliament, saying prices must fall.",
                 entities=names[:2]),
            _art("much-later", 20, "The governor spoke again about the bank and the economy in a long speech.",
                 entities=names)]
    site = build_site(arts, ["economy-business"])
    threads = site.stories.threads
    assert len(threads) == 1 and [a.slug for a in threads[0].articles] == ["day-one", "day-two"]
    assert threads[0].id == "2025-03-03-day-one"
    assert (dt.date(2025, 3, 20), "much-later") not in site.stories.thread


def test_related_reading_prefers_shared_names_then_topic() -> None:
    firefly = (("people", "Rufus Firefly"),)
    arts = [_art("a", 10, "Firefly warned lawmakers that borrowing costs would stay high into the summer.",
                 entities=firefly),
            _art("b", 11, "A new poll shows most voters trust the central bank less than a year ago.",
                 entities=firefly),
            _art("c", 12, "Unrelated economic news about exports and ports.", entities=()),
            _art("d", 12, "Sports news about a football match.", topics=("sport",))]
    site = build_site(arts, ["economy-business", "sport"])
    related = site.stories.related[(dt.date(2025, 3, 11), "b")]
    assert related[0].slug == "a" and "d" not in [r.slug for r in related] and len(related) >= 2


def test_related_reading_uses_shared_words_of_headline_and_summary() -> None:

    def titled(slug: str, day: int, title: str, topics: tuple[str, ...] = ("economy-business",)) -> Article:
        text = f"{title} according to a report published on day {day} by the {slug} desk of the paper."
        return _art(slug, day, text, topics=topics).replace(title=title).with_digest()

    arts = [titled("x", 10, "Drought shrinks wheat harvest across the plains"),
            titled("y", 12, "Wheat prices climb as drought lingers"),
            titled("z", 11, "Carmakers report record exports"),
            titled("w", 11, "Drought hits wheat farms in the south", topics=("environment",))]
    site = build_site(arts, ["economy-business", "environment"])
    related = [r.slug for r in site.stories.related[(dt.date(2025, 3, 12), "y")]]
    # Two shared words and the topic, then two shared words in another topic, then the topic alone.
    assert related == ["x", "w", "z"]


def test_entity_pages_need_enough_articles() -> None:
    arts = [_art(f"x{i}", 5 + i, f"text {i}", entities=(("people", "Rufus Firefly"), ("places", f"Town {i}")))
            for i in range(3)]
    site = build_site(arts, ["economy-business"], entity_min_articles=2)
    assert [t.name for t in site.entities["people"]] == ["Rufus Firefly"]
    assert site.entities["places"] == ()
    assert site.entity_path("people", "Rufus Firefly") == "people/rufus-firefly/"
    assert site.entity_path("places", "Town 1") is None


def test_built_site_has_threads_entities_and_copies(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site")
    body = f"{LEAD}\n\n{MORE}\n"
    article(site, "articles/a.md", "title: Freedonia raises rates\ndate: 2025-03-04T09:00:00+00:00\nsource: Reuters\n"
            "topics: [economy-business]", body)
    article(site, "articles/b.md", "title: Freedonia's bank lifts rates again\ndate: 2025-03-04T11:00:00+00:00\n"
            "source: AP\ntopics: [economy-business]", f"FREDONIA CITY (AP) - {LEAD}\n")
    article(site, "articles/c.md", "title: Firefly defends rate rise\ndate: 2025-03-05T09:00:00+00:00\nsource: AFP\n"
            "topics: [economy-business]\nentities:\n  people: [Rufus Firefly]\n  organisations: [Bank of Freedonia]",
            "The governor defended the rise before parliament.\n")
    article(site, "articles/d.md", "title: Firefly speaks\ndate: 2025-03-04T15:00:00+00:00\nsource: AFP\n"
            "topics: [economy-business]\nentities:\n  people: [Rufus Firefly]\n  organisations: [Bank of Freedonia]",
            "The governor spoke about the rate decision.\n")
    report = build(load_config(site))
    assert report.skipped == []
    out = site / "public"
    day = (out / "2025/03/04/index.html").read_text(encoding="utf-8")
    assert "Also reported by" in day and "freedonias-bank-lifts-rates-again" in day
    copy = (out / "2025/03/04/freedonias-bank-lifts-rates-again/index.html").read_text(encoding="utf-8")
    assert "Also reported by" in copy and "/2025/03/04/freedonia-raises-rates/" in copy
    assert (out / "people/rufus-firefly/index.html").is_file() and (out / "people/rufus-firefly/feed.xml").is_file()
    assert (out / "people/index.html").is_file()
    threads = list((out / "threads").glob("*/index.html"))
    assert len(threads) == 1 and "Firefly speaks" in threads[0].read_text(encoding="utf-8")
    feed = (out / "feed.xml").read_text(encoding="utf-8")
    assert feed.count("<item>") == 3                                          # the copy is not repeated


def test_entities_front_matter_keeps_only_text_names_of_known_kinds(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site")
    for n in (1, 2):
        article(site, f"articles/{n}.md", f"title: Story {n}\ndate: 2025-03-0{n}\nentities:\n"
                "  people: [null, 1984, {a: b}, Rufus Firefly]\n  aliens: [Zork]", "Body.\n")
    report = build(load_config(site))
    assert report.skipped == [] and report.articles == 2
    assert sorted({w.split(": ", 2)[2] for w in report.warnings}) == [
        "aliens: not a kind of name (use people, places, organisations); left out",
        "people: a name needs letters; 3 item(s) left out (empty, null, numbers or mappings)"]
    assert [p.name for p in (site / "public" / "people").iterdir() if p.is_dir()] == ["rufus-firefly"]


def test_story_type_is_frozen() -> None:
    story = Story((_art("a", 1, LEAD),))
    assert story.best.slug == "a"


def _weeks_corpus(weeks: int = 8, per_week: int = 9) -> list[Article]:
    """Articles over `weeks` weeks from Monday 2025-03-03 sharing names, headline words and copied texts."""

    words = ["drought", "wheat", "rates", "strike", "harbour", "tariffs", "election", "floods"]
    out = []
    start = dt.datetime(2025, 3, 3, 9, tzinfo=UTC)
    for n in range(weeks * per_week):
        when = start + dt.timedelta(days=n * 7 // per_week, hours=n % 5)
        title = f"{words[n % 8].capitalize()} and {words[(n * 3) % 8]} worry officials in {n % 6} towns"
        story = n // 3   # three articles running, one story: the same person, organisation and topic
        names = (("people", f"Person {story}"), ("organisations", f"Agency {story}"), ("places", "Freedonia"))
        text = f"{title}. Report number {n} on the {words[n % 8]} from the agency desk, with figures {n * 7}."
        art = Article(path=f"content/articles/a{n}.md", title=title, slug=f"a{n}", source=f"Outlet {n % 4}",
                      date=when, topics=(("economy-business", "weather")[story % 2],), entities=names,
                      words=len(text.split()), signature=cluster.signature(f"a{n}", text))
        out.append(art.replace(summary=title).with_digest())
        if n % 10 == 3:   # a copy of the same report from another outlet
            copy = art.replace(path=f"content/articles/c{n}.md", slug=f"c{n}", source="Wire",
                                       date=when + dt.timedelta(hours=2))
            out.append(copy.replace(summary=title).with_digest())
    return out


def _relations(site: object) -> tuple:
    stories = site.stories   # type: ignore[attr-defined]
    related = {k: [a.slug for a in v] for k, v in stories.related.items()}
    threads = [(t.id, [a.slug for a in t.articles]) for t in stories.threads]
    copies = sorted((k, [a.slug for a in s.copies]) for k, s in stories.story.items())
    return related, threads, copies


def test_weeks_are_remembered_and_an_edit_works_out_only_its_own_week_and_neighbours(
        monkeypatch: pytest.MonkeyPatch) -> None:

    from sitegen import stories
    from sitegen.weeks import Memo

    worked: list[str] = []
    for name in ("week_relations", "_week_pairs"):
        real = getattr(stories, name)
        monkeypatch.setattr(stories, name, lambda *a, _real=real, _name=name: worked.append(_name) or _real(*a))

    arts = _weeks_corpus()
    first = Memo()
    before = build_site(arts, ["economy-business", "weather"], memo=first)
    assert before.stories.threads and before.stories.related and before.stories.story   # all three are exercised
    # Edit one article in the fourth week (its headline words change): only weeks 3-5 of related reading and
    # threads, and weeks 4-5 of copies (a week is compared with the one before), are worked out again.
    i = next(i for i, a in enumerate(arts) if a.day == dt.date(2025, 3, 26))
    arts[i] = arts[i].replace(title="Harbour strike ends", summary="Harbour strike ends").with_digest()
    assert worked.count("week_relations") == 8 and worked.count("_week_pairs") == 8
    worked.clear()
    second = Memo(first.new)
    after = build_site(arts, ["economy-business", "weather"], memo=second)
    assert sorted(worked) == ["_week_pairs"] * 2 + ["week_relations"] * 3
    assert len(second.new) == len(first.new)   # the cache keeps this build's weeks, not the stale ones too
    # ... and what is remembered is exactly what working everything out afresh gives.
    assert _relations(after) == _relations(build_site(arts, ["economy-business", "weather"]))
    assert _relations(after) != _relations(before)


def test_weeks_worked_out_in_parallel_equal_weeks_worked_out_here(monkeypatch: pytest.MonkeyPatch) -> None:
    from sitegen import weeks
    from sitegen.weeks import Memo

    arts = _weeks_corpus(weeks=weeks.PARALLEL_WEEKS + 4, per_week=5)
    forked: list[int] = []
    real = weeks.workers.map_parallel
    monkeypatch.setattr(weeks.workers, "map_parallel",
                        lambda f, items, **kw: forked.append(len(items)) or real(f, items, **kw))
    monkeypatch.setenv("SITEGEN_JOBS", "2")
    parallel = Memo()
    site = build_site(arts, ["economy-business", "weather"], memo=parallel)
    assert forked and max(forked) > weeks.PARALLEL_WEEKS   # the weeks did go to workers
    monkeypatch.setenv("SITEGEN_JOBS", "1")
    here = Memo()
    assert _relations(site) == _relations(build_site(arts, ["economy-business", "weather"], memo=here))
    assert parallel.new == here.new
    # ... and a rebuild served from what the workers worked out gives the same again, working nothing out.
    forked.clear()
    again = Memo(parallel.new)
    assert _relations(build_site(arts, ["economy-business", "weather"], memo=again)) == _relations(site)
    assert forked == [0, 0]


def test_related_reading_of_an_article_depends_only_on_the_three_weeks_around_it() -> None:

    arts = _weeks_corpus()
    base = build_site(arts, ["economy-business", "weather"])
    far = [a.replace(path=a.path.replace("/a", "/far-"), slug=f"far-{a.slug}",
                               date=a.date + dt.timedelta(weeks=4)).with_digest() for a in arts[:20]]
    grown = build_site(arts + far, ["economy-business", "weather"])
    first_week = [k for k in base.stories.related if k[0] < dt.date(2025, 3, 10)]
    assert first_week and all([a.slug for a in grown.stories.related[k]] == [a.slug for a in base.stories.related[k]]
                              for k in first_week)


def test_spellings_of_one_name_share_a_page_and_an_article_naming_both_counts_once() -> None:
    upper, lower = ("people", "Rufus Firefly"), ("people", "RUFUS FIREFLY")
    arts = [_art("a", 5, "one", entities=(upper,)), _art("b", 6, "two", entities=(upper, lower)),
            _art("c", 7, "three", entities=(lower,)), _art("d", 8, "four", entities=(upper,))]
    site = build_site(arts, ["economy-business"], entity_min_articles=2)
    [term] = site.entities["people"]
    assert term.name == "Rufus Firefly" and [a.slug for a in term.articles] == ["d", "c", "b", "a"]
    assert site.paged == {upper, lower} and site.entity_path("people", "RUFUS FIREFLY") == "people/rufus-firefly/"


def test_a_spelling_only_a_hidden_copy_uses_counts_as_having_a_page() -> None:
    # The copy's page links its names (Site.entity_path, by slug): its fingerprint must see that link too.
    upper, lower = ("people", "Rufus Firefly"), ("people", "RUFUS FIREFLY")
    arts = [_art("rates-up", 4, f"{LEAD}\n{MORE}", "Reuters", entities=(upper,)),
            _art("freedonia-raises-rates", 4, f"FREDONIA CITY (AP) - {LEAD}", "AP", hour=11, entities=(lower,)),
            _art("firefly-speaks", 6, "The governor spoke about wages and prices.", "AP", entities=(upper,))]
    site = build_site(arts, ["economy-business"], entity_min_articles=2)
    assert [a.slug for a in site.shown] == ["firefly-speaks", "rates-up"]        # the AP copy is hidden
    assert lower in site.paged and site.entity_path(*lower) == "people/rufus-firefly/"
