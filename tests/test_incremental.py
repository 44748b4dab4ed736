"""Incremental builds equal clean builds: a random sequence of adds, edits and deletes, each followed by an
incremental build of one site and a clean build of a copy of its content, must give byte-identical outputs;
and a rebuild only rewrites files whose bytes change."""

from __future__ import annotations

import hashlib
import pickle
import random
import re
import shutil
from pathlib import Path

import pytest
from sitehelpers import article, write_site

from sitegen import pagefind
from sitegen.config import load_config
from sitegen.pipeline import build

TOPICS = ["politics", "economy-business", "sport", "science-technology", "health"]
SOURCES = ["Reuters", "AP", "AFP", "Wire One"]
PEOPLE = ["Rufus Firefly", "Ada Lovelace", "Kenji Sato", "Maria Santos"]
PLACES = ["Freedonia", "Sylvania", "Geneva"]
WORDS = ("the council voted on a plan to rebuild the harbour after the storm while markets rose and the team "
         "won its final match as scientists reported a new vaccine trial result").split()
SETTINGS = "page_size: 3\nentity_min_articles: 2\n"


def _tree(public: Path) -> dict[str, str]:
    return {p.relative_to(public).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(public.rglob("*")) if p.is_file() and p.name != ".sitegen-output"}


def _write(site: Path, n: int, rng: random.Random, copy_of: int | None = None, draft: bool = False) -> None:
    """Article n, random; `copy_of`: with the body of article `copy_of` (another outlet's copy of its story,
    whose shown copy may change); `draft`: left out of the site."""
    if copy_of is not None:
        text = (site / "content" / "articles" / f"a{copy_of}.md").read_text(encoding="utf-8")
        front, body = text.split("\n---\n", 1)
        day = min(31, max(1, int(re.search(r"date: 2025-07-(\d\d)", front)[1]) + rng.randint(-1, 1)))
        front = re.sub(r"date: 2025-07-\d\d", f"date: 2025-07-{day:02d}", front)   # within the story window
        front = re.sub(r"source: .*", f"source: {rng.choice(SOURCES)}", front).replace("draft: true\n", "")
        (site / "content" / "articles" / f"a{n}.md").write_text(f"{front}\n---\n{body}", encoding="utf-8")
        return
    day = rng.randint(1, 31)   # five weeks: stories are worked out (and remembered) a week at a time
    topics = rng.sample(TOPICS, rng.randint(1, 2))
    people = rng.sample(PEOPLE, rng.randint(0, 2))
    places = rng.sample(PLACES, rng.randint(0, 1))
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 7))).capitalize() + f" {n}"
    body = "\n\n".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 40))) + "."
                       for _ in range(rng.randint(1, 3)))
    body += f"\n\nReported by desk {n}." if n % 2 else ""   # copies of one story differ a little
    entities = "".join(f"\n  {kind}: [{', '.join(names)}]" for kind, names in (("people", people), ("places", places))
                       if names)
    article(site, f"articles/a{n}.md",
            f"title: {title}\ndate: 2025-07-{day:02d}T{rng.randint(0, 23):02d}:00:00+00:00\n"
            f"source: {rng.choice(SOURCES)}\ntopics: [{', '.join(topics)}]" + ("\ndraft: true" if draft else "")
            + (f"\nentities:{entities}" if entities else ""), body + "\n")


def _clean_copy(site: Path, where: Path) -> dict[str, str]:
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    shutil.copy(site / "site.yaml", where / "site.yaml")
    shutil.copytree(site / "content", where / "content")
    build(load_config(where))
    return _tree(where / "public")


@pytest.mark.parametrize("seed, journal", [(1, None), (2, 10.0), (3, 0.3)])
def test_random_adds_edits_and_deletes_build_like_a_clean_build(tmp_path: Path, seed: int, journal: float | None,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """`journal`: the build cache's JOURNAL_SHARE for the run (10: every rebuild saves to the journal; 0.3:
    some do, some write the build file whole); None: as shipped (so small a site always writes it whole)."""
    from sitegen import cache

    if journal is not None:
        monkeypatch.setattr(cache, "JOURNAL_SHARE", journal)
        monkeypatch.setattr(cache, "JOURNAL_BYTES", journal * 4)
    rng = random.Random(seed)
    site = write_site(tmp_path / "site", SETTINGS + ("search: false\n" if seed != 1 else ""))
    alive: list[int] = []
    for n in range(8):
        _write(site, n, rng)
        alive.append(n)
    build(load_config(site))
    made = len(alive)
    for step in range(6):
        for _ in range(rng.randint(1, 3)):
            action = rng.choice(["add", "edit", "copy", "draft"] + (["delete"] if len(alive) > 3 else []))
            if action in ("add", "copy"):   # a copy of another article's story: stories and shown copies move
                _write(site, made, rng, copy_of=rng.choice(alive) if action == "copy" else None)
                alive.append(made)
                made += 1
            elif action in ("edit", "draft"):
                _write(site, rng.choice(alive), rng, draft=action == "draft")   # new title, date, names, text
            else:
                victim = alive.pop(rng.randrange(len(alive)))
                (site / "content" / "articles" / f"a{victim}.md").unlink()
        build(load_config(site))
        assert _tree(site / "public") == _clean_copy(site, tmp_path / "clean"), f"seed {seed}, step {step}"
        if journal == 10.0:
            assert (load_config(site).cache_dir / "build-journal.pickle").exists()


@pytest.mark.parametrize("search", [False, True])
def test_a_rebuild_rewrites_only_files_whose_bytes_change(tmp_path: Path, search: bool) -> None:
    """Search on, a changed bundle is replaced whole, yet its files whose bytes are the same (the fragments
    of the other articles) are linked from the old bundle, not written: their mtimes stay too."""
    if search and pagefind.executable() is None:
        pytest.skip("no pagefind binary")
    rng = random.Random(7)
    site = write_site(tmp_path / "site", SETTINGS + ("" if search else "search: false\n"))
    for n in range(10):
        _write(site, n, rng)
    build(load_config(site))
    before = {p: p.stat().st_mtime_ns for p in (site / "public").rglob("*") if p.is_file()}
    old = _tree(site / "public")
    _write(site, 10, rng)
    report = build(load_config(site))
    new = _tree(site / "public")
    changed = {k for k in new if old.get(k) != new[k]}
    touched = {p.relative_to(site / "public").as_posix() for p in (site / "public").rglob("*")
               if p.is_file() and before.get(p) != p.stat().st_mtime_ns} - {".sitegen-output"}
    assert touched == changed and 0 < len(changed) < len(new)
    bundles = {k.split("/")[1] for k in changed if k.startswith("pagefind/") and not k.startswith("pagefind/main/")}
    assert report.written == len(changed) - sum(1 for k in changed if k.startswith("pagefind/")) + len(bundles)
    if search:
        assert bundles and any(k.startswith(f"pagefind/{b}/fragment/") and k not in changed
                               for k in new for b in bundles)   # kept, linked


def test_remembered_page_groups_follow_template_and_setting_changes(tmp_path: Path) -> None:
    """Topic, source and name pages of unchanged terms are not planned again (plans.Plans); when a template
    or a setting changes they must still come out as a clean build makes them."""
    from sitegen import cache
    from sitegen.render import PACKAGE_THEMES

    rng = random.Random(11)
    site = write_site(tmp_path / "site", SETTINGS + "search: false\n")
    for n in range(12):
        _write(site, n, rng)
    build(load_config(site))
    cfg = load_config(site)
    state = cache.load(cfg.cache_dir, _salt(cfg.cache_dir))
    assert len(state.plans) >= len(TOPICS)   # every term's group was remembered

    # A template change: every remembered group is made again, through its plan.
    (site / "templates").mkdir(exist_ok=True)
    term = (PACKAGE_THEMES / "default" / "templates" / "term.html").read_text(encoding="utf-8")
    (site / "templates" / "term.html").write_text(term.replace("<h1>", '<h1 data-marker="changed">'),
                                                 encoding="utf-8")
    build(load_config(site))
    pages = [p for p in (site / "public" / "topics").rglob("index.html") if p.parent.name != "topics"]
    assert pages and all('data-marker="changed"' in p.read_text(encoding="utf-8") for p in pages)

    def clean() -> dict[str, str]:
        where = tmp_path / "clean"
        shutil.rmtree(where, ignore_errors=True)
        where.mkdir()
        for name in ("site.yaml", "content", "templates"):
            (shutil.copytree if (site / name).is_dir() else shutil.copy)(site / name, where / name)
        build(load_config(where), use_cache=False)
        return _tree(where / "public")

    assert _tree(site / "public") == clean()
    # A setting change (smaller pages: other paths, other fingerprints).
    (site / "site.yaml").write_text((site / "site.yaml").read_text(encoding="utf-8").replace("page_size: 3",
                                                                                           "page_size: 2"),
                                    encoding="utf-8")
    build(load_config(site))
    assert _tree(site / "public") == clean()


def test_an_edit_rewrites_one_records_file_of_the_cache(tmp_path: Path) -> None:
    """The article records are kept in shards by folder: a rebuild rewrites the shards whose records changed
    (and drops the record of a deleted file), not the whole cache."""
    from sitegen import cache

    rng = random.Random(5)
    site = write_site(tmp_path / "site", SETTINGS + "search: false\n")
    for n in range(6):
        _write(site, n, rng)
    article(site, "articles/other/b1.md", "title: Elsewhere\ndate: 2025-07-09T10:00:00+00:00", "Text.\n")
    build(load_config(site))
    folder = load_config(site).cache_dir
    shards = {p.name: p.stat().st_mtime_ns for p in folder.glob("records-*.pickle")}
    assert len(shards) == 2 and cache._shard("content/articles/a1.md") != cache._shard("content/articles/other/b1.md")
    _write(site, 3, rng)
    build(load_config(site))
    changed = {p.name for p in folder.glob("records-*.pickle") if p.stat().st_mtime_ns != shards[p.name]}
    assert changed == {f"records-{cache._shard('content/articles/a3.md'):02d}.pickle"}
    (site / "content" / "articles" / "other" / "b1.md").unlink()
    build(load_config(site))
    state = cache.load(folder, _salt(folder))
    assert sorted(state.records) == [f"content/articles/a{n}.md" for n in range(6)]


def test_records_files_hold_every_record_through_saves_that_place_only_changed_paths(tmp_path: Path) -> None:
    """cache.save places only the paths that came, went or changed, in the files that held them: through a
    random sequence of changes over many folders (few files changed, or many), loading gives back exactly
    the records saved, and files with no change are not written."""
    from sitegen import cache
    from sitegen.content import Loaded

    rng = random.Random(9)
    folder = tmp_path / "cache"
    records: dict[str, cache.Entry] = {}
    saved: dict[str, cache.Entry] = {}
    state = cache.State("salt")
    for step in range(30):
        for _ in range(rng.choice([1, 2, 3, 60])):   # 60: more than a quarter of the files change
            rel = f"content/articles/{rng.randrange(40)}/a{rng.randrange(6)}.md"
            if rel in records and rng.random() < 0.3:
                del records[rel]
            else:
                records[rel] = cache.Entry((step, rng.randrange(99)), f"h{step}", Loaded(None, ()))   # type: ignore[arg-type]
        before = {p.name: p.stat().st_ino for p in folder.glob("records-*.pickle")}
        state.records = dict(records)
        cache.save(folder, state)
        after = {p.name: p.stat().st_ino for p in folder.glob("records-*.pickle")}   # a file written: a new inode
        changed = {rel for rel in records.keys() | saved.keys() if records.get(rel) is not saved.get(rel)}
        assert {name for name in after if before.get(name) != after[name]} == \
            {f"records-{cache._shard(rel):02d}.pickle" for rel in changed}, f"step {step}"
        loaded = cache.load(folder, "salt")
        assert {rel: (e.stat, e.source_hash) for rel, e in loaded.records.items()} == \
            {rel: (e.stat, e.source_hash) for rel, e in records.items()}, f"step {step}"
        saved = dict(records)
        if rng.random() < 0.5:   # the next save from the state as loaded (else as kept in memory)
            state, records = loaded, dict(loaded.records)
            saved = dict(records)


def _salt(folder: Path) -> str:
    from sitegen import cache

    return cache._read(folder / "build.pickle")[1].salt


def test_bodies_rendered_while_reading_are_read_back_not_rendered_again(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from sitegen import content

    site = write_site(tmp_path / "site", SETTINGS)
    rng = random.Random(7)
    for n in range(12):
        _write(site, n, rng)
    rendered: list[str] = []
    real = content.body_html
    monkeypatch.setattr(content, "body_html", lambda data, rel: rendered.append(rel) or real(data, rel))
    monkeypatch.setenv("SITEGEN_JOBS", "1")   # observe calls in this process
    cfg = load_config(site)
    build(cfg)
    assert rendered == []   # pages, full-text feeds and search records all read the bodies kept while reading
    assert not list(cfg.state_dir.glob("bodies-*"))   # the packs last one build
    clean = _clean_copy(site, tmp_path / "clean")
    assert _tree(site / "public") == clean
    # A rebuild reads only the edited file: its body is kept, the neighbours whose pages change are rendered
    # from their files (their records come from the cache), and the output equals a clean build's.
    edited = site / "content" / "articles" / "a5.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    build(cfg)
    assert "content/articles/a5.md" not in rendered
    assert _tree(site / "public") == _clean_copy(site, tmp_path / "clean")
    assert not list(cfg.state_dir.glob("bodies-*"))


def test_terms_no_article_touched_are_recalled_not_walked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After an edit, the terms the article left or joined are planned again; every other term is recalled by
    name (delta.py), and the site still equals a clean build."""
    from sitegen import delta, plans

    rng = random.Random(5)
    site = write_site(tmp_path / "site", SETTINGS + "search: false\n")
    for n in range(14):
        _write(site, n, rng)
    build(load_config(site))
    seen: list[set | None] = []
    recalled: list[tuple] = []
    since, recall = delta.since, plans.Plans.recall
    monkeypatch.setattr(delta, "since", lambda *a: seen.append(set((found := since(*a)).terms or ())) or found)

    def remember(self: plans.Plans, ident: tuple, plan: object) -> object:
        found = recall(self, ident, plan)   # type: ignore[arg-type]
        if found is not None:   # recalled (as jobs, or as entries carried over without one)
            recalled.append(ident[:2])   # (kind, slug, name)
        return found
    monkeypatch.setattr(plans.Plans, "recall", remember)
    before = (site / "content" / "articles" / "a3.md").read_text(encoding="utf-8")
    _write(site, 3, rng)
    after = (site / "content" / "articles" / "a3.md").read_text(encoding="utf-8")
    build(load_config(site))
    topics = {t for text in (before, after) for t in re.search(r"topics: \[(.*)\]", text)[1].split(", ")}
    sources = {re.search(r"source: (.*)", text)[1] for text in (before, after)}
    assert seen[0] and {t for kind, t in seen[0] if kind == "topic"} == topics
    assert {t for kind, t in seen[0] if kind == "source"} == {s.lower().replace(" ", "-") for s in sources}
    assert recalled and not set(recalled) & seen[0]
    assert _tree(site / "public") == _clean_copy(site, tmp_path / "clean")


def test_touched_terms_of_added_and_departed_articles_and_when_unknown() -> None:
    """delta.touched: the terms of articles that came or went; None when the last build cannot be compared
    (other settings, no snapshot, a departed article without its record)."""
    import datetime as dt

    from sitegen import cache, delta
    from sitegen.content import Loaded
    from sitegen.group import build_site
    from sitegen.model import Article

    def art(n: int, topic: str, source: str, names: tuple[tuple[str, str], ...] = ()) -> Article:
        return Article(path=f"content/articles/a{n}.md", title=f"Story {n}", slug=f"story-{n}",
                       date=dt.datetime(2025, 7, 1 + n, 12, tzinfo=dt.UTC), topics=(topic,), source=source,
                       entities=names).with_digest()

    before = [art(1, "politics", "AP", (("people", "Ada Lovelace"),)), art(2, "sport", "Wire One"),
              art(3, "health", "AP", (("places", "Geneva"),))]
    origin = {a.path: cache.Entry((0, 0), "", Loaded(a, ())) for a in before}
    last = delta.snapshot(build_site(before, TOPICS), "salt")
    added = art(4, "economy-business", "AFP", (("organisations", "Acme Corp"),))
    after = build_site([before[0], before[1], added], TOPICS)   # article 3 deleted, article 4 added
    now = delta.snapshot(after, "salt")
    assert delta.touched(after, now, last, origin) == {
        ("topic", "economy-business"), ("source", "afp"), ("organisation", "acme-corp"),   # came
        ("topic", "health"), ("source", "ap"), ("place", "geneva")}                       # went
    same = build_site(before, TOPICS)
    assert delta.touched(same, delta.snapshot(same, "salt"), last, origin) == set()
    assert delta.touched(after, delta.snapshot(after, "other settings"), last, origin) is None
    assert delta.touched(after, now, None, origin) is None
    assert delta.touched(after, now, last, {}) is None   # the departed article's record is gone


def test_an_edit_fingerprints_only_the_article_pages_it_can_change(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Article pages keep the last build's fingerprint unless delta.restless names them: after an edit, the
    edited article, its neighbours and the articles of the weeks whose related reading was worked out again
    are fingerprinted; articles months away are not. A name that gains its page re-prints the articles
    naming it. The site equals a clean build after each step."""
    import datetime as dt

    from sitegen import pages, publish

    site = write_site(tmp_path / "site", SETTINGS + "search: false\n")
    start = dt.date(2025, 1, 6)   # a Monday; one article every four days over nine months
    for n in range(70):
        day = start + dt.timedelta(days=4 * n)
        article(site, f"articles/s{n}.md", f"title: Story number {n}\ndate: {day}T09:00:00+00:00\n"
                f"topics: [{TOPICS[n % 2]}]\nsource: {SOURCES[n % 3]}", f"Text of story {n}.\n")
    build(load_config(site))
    printed: list[str] = []
    real = pages._article_print
    monkeypatch.setattr(pages, "_article_print", lambda site_, art, *a: printed.append(art.path) or real(site_, art, *a))
    plans: list[publish.Planned] = []
    publishing = publish.publish
    monkeypatch.setattr(publish, "publish",
                        lambda cfg, planned, *a: plans.append(planned) or publishing(cfg, planned, *a))
    edited = site / "content" / "articles" / "s30.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    build(load_config(site))
    numbers = sorted(int(re.search(r"s(\d+)\.md", p)[1]) for p in printed)
    assert {28, 29, 30, 31, 32} <= set(numbers) and numbers[0] >= 25 and numbers[-1] <= 35, numbers
    # The pages nothing changed are carried over as entries, without a job: articles, listing pages.
    carried = {path for path, _, _ in plans[-1].carried}
    assert "2025/01/06/story-number-0/index.html" in carried and "topics/politics/page/2/index.html" in carried
    assert not carried & {j.path for j in plans[-1].jobs} and len(carried) > 3 * len(plans[-1].jobs)
    assert _tree(site / "public") == _clean_copy(site, tmp_path / "clean")
    for n in (3, 60):   # a name in two articles far apart: the second one gives it a page, and the first
        path = site / "content" / "articles" / f"s{n}.md"   # one's page (not edited) now links to it
        path.write_text(path.read_text(encoding="utf-8").replace("source:", "entities:\n  people: [Ada Lovelace]\n"
                                                                  "source:"), encoding="utf-8")
        printed.clear()
        build(load_config(site))
    assert {"content/articles/s3.md", "content/articles/s60.md"} <= set(printed)
    assert _tree(site / "public") == _clean_copy(site, tmp_path / "clean")


def test_a_new_copy_of_a_story_reprints_the_page_of_its_best_copy(tmp_path: Path) -> None:
    """A copy that arrives hidden (the story's best copy stays shown) changes no listing and no week's related
    reading, yet the best copy's page now lists it: delta.restless finds it through the story's members."""
    import datetime as dt

    lead = ("The central bank of Freedonia raised its main interest rate by half a point to 4.5 percent on "
            "Tuesday, its third increase this year, saying inflation of 7.2 percent was still far above its "
            "target and that wages were rising faster than productivity across the economy.")
    more = ("Governor Rufus Firefly told reporters in Fredonia City that further rises could follow if prices "
            "kept climbing. Markets had expected the move after weeks of hints from the board.")
    site = write_site(tmp_path / "site", SETTINGS + "search: false\n")
    for n in range(30):   # other news of the topic, every day around the story
        day = dt.date(2025, 3, 1) + dt.timedelta(days=n)
        article(site, f"articles/o{n}.md", f"title: Other news {n}\ndate: {day}T08:00:00+00:00\n"
                f"topics: [economy-business]\nsource: {SOURCES[n % 3]}", f"Unrelated item number {n} today.\n")
    article(site, "articles/best.md", "title: Rates up\ndate: 2025-03-11T09:00:00+00:00\n"
            "topics: [economy-business]\nsource: Reuters", f"{lead}\n\n{more}\n")
    build(load_config(site))
    article(site, "articles/copy.md", "title: Freedonia raises rates\ndate: 2025-03-12T15:00:00+00:00\n"
            "topics: [politics]\nsource: AP", f"FREDONIA CITY (AP) - {lead}\n")
    build(load_config(site))
    page = (site / "public" / "2025" / "03" / "11" / "rates-up" / "index.html").read_text(encoding="utf-8")
    assert "2025/03/12/freedonia-raises-rates/" in page
    assert _tree(site / "public") == _clean_copy(site, tmp_path / "clean")


def test_a_changed_term_recalls_its_archive_pages_older_than_the_change(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A term an article came to, left or changed in is planned page by page: its archive pages holding only
    articles older than the change are taken from the last build by name (no key), the rest are keyed and
    made when they changed; when every change is an article edited where it stands (as many articles, one
    at each place a change came or went), all its archive pages but the one holding it are. Edits, a move in
    time, a deletion and a backdated article each build like a clean build."""
    import datetime as dt

    from sitegen import plans

    site = write_site(tmp_path / "site", SETTINGS + "search: false\n")

    def write(n: int, day: dt.date, extra: str = "") -> None:
        article(site, f"articles/t{n}.md", f"title: Item {n} of the long topic\ndate: {day}T09:00:00+00:00\n"
                f"topics: [politics]\nsource: AP", f"Text of item {n}.{extra}\n")

    start = dt.date(2025, 1, 1)
    for n in range(40):   # 40 articles in one topic and one source: 14 archive pages of 3
        write(n, start + dt.timedelta(days=2 * n))
    build(load_config(site))
    reused: list[str] = []
    reuse = plans.Plans.reuse
    monkeypatch.setattr(plans.Plans, "reuse", lambda self, name, plan: (found := reuse(self, name, plan)) is not None
                        and reused.append(name) or found)
    for step in ("edit", "edit old", "redate", "delete", "backdate"):
        reused.clear()
        if step == "edit":      # the 36th oldest, where it stands: every page but the 12th (of 14) is as it was
            write(35, start + dt.timedelta(days=70), " Edited.")
        elif step == "edit old":   # the oldest: every page but the 1st is as it was
            write(0, start, " Edited.")
        elif step == "redate":  # the 31st oldest moves back to second oldest: pages 1-10 shift
            write(30, start + dt.timedelta(days=1), " Redated.")
        elif step == "delete":  # the 22nd oldest (after the move) goes: pages 8 and later shift
            (site / "content" / "articles" / "t20.md").unlink()
        else:                   # a new article older than all but three
            write(99, start + dt.timedelta(days=5))
        build(load_config(site))
        assert _tree(site / "public") == _clean_copy(site, tmp_path / "clean"), step
        # in the topic and in the source: the pages wholly older than the change
        assert len(reused) == 2 * {"edit": 13, "edit old": 13, "redate": 0, "delete": 7, "backdate": 1}[step], \
            (step, len(reused))


def test_article_records_round_trip_through_the_cache_and_a_stale_shape_is_dropped(tmp_path: Path) -> None:
    """Records pickle as tuples of field values (model.restore): they must come back equal, through the
    cache's allow-list unpickler; a shard holding a record of another shape (another sitegen's) reads as no
    records, and the build reads those files again."""
    import io
    import pickle

    from sitegen import cache, model

    rng = random.Random(3)
    site = write_site(tmp_path / "site", SETTINGS + "search: false\n")
    for n in range(3):
        _write(site, n, rng)
    build(load_config(site))
    before = _tree(site / "public")
    folder = load_config(site).cache_dir
    state = cache.load(folder, _salt(folder))
    arts = [e.loaded.article for e in state.records.values()]
    assert len(arts) == 3 and all(a.digest for a in arts)
    back = cache._Unpickler(io.BytesIO(pickle.dumps(arts, protocol=5))).load()
    assert all(type(a) is model.Article and len(a) == len(model._FIELDS) + 1 for a in back)
    assert back == arts and [a.day for a in back] == [a.date.date() for a in arts]

    class Short:   # pickles as an article record one field short
        def __reduce__(self) -> tuple:
            return (model.restore, (tuple(arts[0])[:-2] + (arts[0].day,),))

    shard = folder / f"records-{cache._shard(arts[0].path):02d}.pickle"
    salt, part = cache._read(shard)
    entry = part[arts[0].path]
    part[arts[0].path] = cache.Entry(entry.stat, entry.source_hash,
                                     type(entry.loaded)(Short(), ()))   # type: ignore[arg-type]
    shard.write_bytes(pickle.dumps((salt, part), protocol=5))
    assert cache._read(shard) is None and arts[0].path not in cache.load(folder, salt).records
    report = build(load_config(site))
    assert report.articles == 3 and _tree(site / "public") == before


def test_a_library_upgrade_invalidates_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Markdown, Jinja, feedgen, the sanitiser... shape the output: a new version of one must rebuild
    everything, as a clean build would, not answer from the cache (versions.libraries)."""
    from sitegen import versions

    site = write_site(tmp_path / "site", SETTINGS + "search: false\n")
    for n in range(3):
        _write(site, n, random.Random(n))
    assert any(v.startswith("markdown=") for v in versions.libraries())
    first = build(load_config(site))
    assert build(load_config(site)).rendered == 0
    upgraded = tuple(v.replace("markdown=", "markdown=99.") for v in versions.libraries())
    monkeypatch.setattr(versions, "libraries", lambda: upgraded)
    again = build(load_config(site))
    assert again.rendered == first.rendered == again.pages


def test_standalone_pages_are_rendered_again_only_when_they_change(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from sitegen import markup

    site = write_site(tmp_path / "site", SETTINGS + "search: false\n")
    _write(site, 0, random.Random(0))
    (site / "content" / "pages").mkdir(exist_ok=True)
    (site / "content" / "pages" / "about.md").write_text("---\ntitle: About\n---\nWe *write* news.\n",
                                                         encoding="utf-8")
    build(load_config(site))
    made: list[str] = []
    real = markup.to_html
    monkeypatch.setattr(markup, "to_html", lambda text: (made.append(text) if "news" in text else None) or real(text))
    _write(site, 1, random.Random(1))
    build(load_config(site))
    assert made == [] and "<em>write</em>" in (site / "public" / "about" / "index.html").read_text("utf-8")
    (site / "content" / "pages" / "about.md").write_text("---\ntitle: About\n---\nWe **write** news.\n",
                                                         encoding="utf-8")
    build(load_config(site))
    assert len(made) == 1 and "<strong>write</strong>" in (site / "public" / "about" / "index.html").read_text("utf-8")


def test_the_build_file_journal_gives_back_the_state_saved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """cache.save writes the big mappings' changes to a journal (or the whole build file): whatever the
    sequence of saves, loading gives back the state last saved; a journal left by another build file, or
    for another salt, is never applied."""
    from sitegen import cache, delta
    from sitegen.manifest import Manifest

    rng = random.Random(8)
    folder = tmp_path / "cache"

    def view(state: cache.State) -> tuple:
        return (state.salt, vars(state.manifest), state.plans, state.weeks, state.plan_index,
                vars(state.published) if state.published else None, state.pages)

    keys = [f"k{n}" for n in range(60)]
    state = cache.State("salt")
    kinds: list[bool] = []   # whether each save went to the journal
    for step in range(40):
        share = rng.choice([0.0, 0.2, 10.0])
        monkeypatch.setattr(cache, "JOURNAL_SHARE", share)
        monkeypatch.setattr(cache, "JOURNAL_BYTES", share * 100)
        old = cache.load(folder, "salt")
        assert view(old) == view(state), f"step {step}"
        fingerprints = dict(old.manifest.fingerprints or {})
        for _ in range(rng.randint(0, 6)):
            key = rng.choice(keys)
            if rng.random() < 0.3:
                fingerprints.pop(key, None)
            else:
                fingerprints[key] = rng.choice("abc")
        plans = {k: v for k, v in old.plans.items() if rng.random() < 0.9} | {rng.choice(keys): (("p", None, "f"),)}
        published = None if rng.random() < 0.1 else delta.Snapshot(
            "o", {k: f"content/{k}.md" for k in rng.sample(keys, 5)}, frozenset(rng.sample(keys, 2)),
            pages={rng.choice(keys): ("a/index.html", "article.html", str(step))})
        old.manifest = Manifest("o", fingerprints, {"t.html": str(step % 3)}, step, f"id{step}")
        old.plans, old.published, old.plan_index = plans, published, ("o", {"x": step}, {"x": step})
        old.weeks = {k: () for k in rng.sample(keys, 3)} if rng.random() < 0.5 else old.weeks
        cache.save(folder, old)
        kinds.append((folder / "build-journal.pickle").exists())
        state = old
    assert 10 < sum(kinds) < 30   # both kinds of save happened
    assert cache.load(folder, "salt").plans == state.plans
    assert cache.load(folder, "other salt").plans == {}

    # A journal that continues another build file (a crash between the two writes) is not applied.
    monkeypatch.setattr(cache, "JOURNAL_SHARE", 10.0)
    monkeypatch.setattr(cache, "JOURNAL_BYTES", 1000.0)
    loaded = cache.load(folder, "salt")
    loaded.plans = {"new": (("q", None, "f"),)}
    cache.save(folder, loaded)
    assert cache.load(folder, "salt").plans == {"new": (("q", None, "f"),)}
    base, full = cache._read(folder / "build.pickle")
    cache.write_atomic(folder / "build.pickle", pickle.dumps(("another", full)))
    assert cache.load(folder, "salt").plans == full.plans != {"new": (("q", None, "f"),)}


def test_a_journal_of_another_shape_means_a_clean_build_not_a_crash(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from sitegen import cache

    monkeypatch.setattr(cache, "JOURNAL_SHARE", 10.0)
    monkeypatch.setattr(cache, "JOURNAL_BYTES", 1000.0)
    site = write_site(tmp_path / "site", SETTINGS + "search: false\n")
    for n in range(4):
        _write(site, n, random.Random(n))
    build(load_config(site))
    _write(site, 4, random.Random(4))
    build(load_config(site))
    folder = load_config(site).cache_dir
    base, hollow, changes = cache._read(folder / "build-journal.pickle")
    cache.write_atomic(folder / "build-journal.pickle",
                       pickle.dumps((base, hollow, {path: (["not", "a", "mapping"], 3) for path in changes})))
    assert cache.load(folder, _salt(folder)).plans == {}
    _write(site, 5, random.Random(5))
    report = build(load_config(site))
    assert report.rendered == report.pages and _tree(site / "public") == _clean_copy(site, tmp_path / "clean")
