"""Build: reading content, grouping, pages, sanitising, determinism, publishing."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sitehelpers import article, write_site

from sitegen.config import load_config
from sitegen.errors import BuildAborted
from sitegen.group import build_site, paginate
from sitegen.model import Article
from sitegen.pipeline import build

UTC = dt.UTC


def _art(slug: str, day: int, topics: tuple[str, ...] = ("politics",), source: str | None = "AP",
         hour: int = 12) -> Article:
    return Article(path=f"{slug}.md", title=slug.title(), date=dt.datetime(2025, 7, day, hour, tzinfo=UTC),
                   slug=slug, topics=topics, source=source)


# --- grouping (pure) -----------------------------------------------------------------------------------------
def test_every_article_is_in_exactly_one_day() -> None:
    arts = [_art(f"a{i}", 1 + i % 5, hour=i % 24) for i in range(40)]
    site = build_site(arts, ["politics"])
    seen = [a.slug for d in site.days for a in d.articles]
    assert sorted(seen) == sorted(a.slug for a in arts) and len(seen) == len(set(seen))
    assert [d.day for d in site.days] == sorted({a.day for a in arts}, reverse=True)


def test_topic_and_source_terms_list_exactly_their_articles() -> None:
    arts = [_art("a", 1, ("sport",), "AP"), _art("b", 1, ("sport", "politics"), "Reuters"),
            _art("c", 2, ("politics",), "AP"), _art("d", 2, ("politics",), None)]
    site = build_site(arts, ["politics", "sport"])
    assert {t.slug: [a.slug for a in t.articles] for t in site.topics} == {
        "politics": ["d", "c", "b"], "sport": ["b", "a"]}
    assert {t.name: [a.slug for a in t.articles] for t in site.sources} == {"AP": ["c", "a"], "Reuters": ["b"]}


def test_day_sections_group_by_primary_topic() -> None:
    site = build_site([_art("a", 1, ("sport",)), _art("b", 1, ("sport", "politics")), _art("c", 1, ("politics",))],
                      ["politics", "sport"])
    [day] = site.days
    assert [(s.topic, [a.slug for a in s.articles]) for s in day.sections] == [("sport", ["b", "a"]), ("politics", ["c"])]


@pytest.mark.parametrize("n, size, pages", [(0, 3, 0), (1, 3, 1), (3, 3, 1), (4, 3, 2), (6, 3, 2), (7, 3, 3)])
def test_pagination_boundaries(n: int, size: int, pages: int) -> None:
    arts = [_art(f"a{i}", 1, hour=i) for i in range(n)]         # a0 oldest
    chunks = paginate(list(reversed(arts)), size)               # listings are newest first
    assert len(chunks) == pages and sum(len(c) for c in chunks) == n
    assert all(len(c) == size for c in chunks[:-1])             # only the newest page may be short
    assert [a.slug for a in (chunks[0] if chunks else ())] == [f"a{i}" for i in range(min(n, size))][::-1]


def test_archive_pages_are_stable_when_articles_are_added() -> None:
    arts = [_art(f"a{i:02d}", 1, hour=i % 24) for i in range(11)]
    before = paginate(sorted(arts, key=lambda a: a.sort_key, reverse=True), 4)
    arts.append(_art("new", 2))
    after = paginate(sorted(arts, key=lambda a: a.sort_key, reverse=True), 4)
    assert after[:2] == before[:2] and len(after[2]) == len(before[2]) + 1


def test_neighbours_follow_the_primary_topic() -> None:
    arts = [_art("a", 1), _art("b", 2, ("sport",)), _art("c", 3)]
    site = build_site(arts, ["politics", "sport"])
    older, newer = site.neighbours(arts[2])
    assert older is arts[0] and newer is None and site.neighbours(arts[0]) == (None, arts[2])


# --- the built site ------------------------------------------------------------------------------------------
def _basic(site: Path) -> None:
    article(site, "articles/one.md", "title: First story\ndate: 2025-07-01\ntopics: [politics]\nsource: AP")
    article(site, "articles/two.md", "title: Second story\ndate: 2025-07-02\ntopics: [sport]\nsource: Reuters")
    article(site, "articles/three.md", "title: Third story\ndate: 2025-07-02T08:00:00+00:00\ntopics: [sport]")


def test_every_page_kind_is_written(site: Path) -> None:
    _basic(site)
    report = build(load_config(site))
    out = site / "public"
    for rel in ["index.html", "2025/07/01/index.html", "2025/07/index.html", "2025/index.html", "archive/index.html",
                "2025/07/01/first-story/index.html", "topics/index.html", "topics/sport/index.html",
                "sources/index.html", "sources/ap/index.html", "404.html", "sitemap.xml", "robots.txt",
                "feed.xml", "atom.xml", "feed.json", "editions/feed.xml", "feeds.opml", "feeds/index.html",
                "static/style.css"]:
        assert (out / rel).is_file(), rel
    assert report.articles == 3 and report.skipped == []
    html = (out / "2025/07/01/first-story/index.html").read_text(encoding="utf-8")
    assert '<link rel="canonical" href="https://news.example.org/2025/07/01/first-story/">' in html


def test_internal_links_resolve(site: Path) -> None:
    _basic(site)
    build(load_config(site))
    out = site / "public"
    for page in out.rglob("*.html"):
        for href in re.findall(r'href="(/[^"#]*)', page.read_text(encoding="utf-8")):
            target = out / href.lstrip("/")
            assert (target / "index.html").is_file() or target.is_file(), f"{page}: {href}"


def test_pagination_pages(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", "page_size: 2\n")
    for i in range(5):
        article(site, f"articles/a{i}.md", f"title: Story {i}\ndate: 2025-07-0{i + 1}\ntopics: [sport]")
    build(load_config(site))
    out = site / "public" / "topics" / "sport"
    assert (out / "index.html").is_file() and (out / "page/1/index.html").is_file()
    assert (out / "page/3/index.html").is_file() and not (out / "page/4").exists()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Story 4" in index and "Story 3" in index and "Story 2" not in index
    assert 'href="/topics/sport/page/2/"' in index                      # the page holding Story 2
    oldest = (out / "page/1/index.html").read_text(encoding="utf-8")
    assert "Story 0" in oldest and "Story 1" in oldest and "Story 2" not in oldest
    assert 'rel="prev"' in oldest and 'rel="next"' not in oldest        # newer exists, nothing older
    newest = (out / "page/3/index.html").read_text(encoding="utf-8")
    assert "Story 4" in newest and 'href="/topics/sport/"' in newest


def test_days_are_cut_in_the_site_timezone(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", "timezone: America/New_York\n")
    article(site, "articles/late.md", "title: Late story\ndate: 2025-07-02T02:00:00+00:00")
    build(load_config(site))
    assert (site / "public/2025/07/01/late-story/index.html").is_file()


def test_drafts_and_future_are_left_out_unless_asked(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(dt.datetime(2025, 8, 1, tzinfo=UTC).timestamp())))
    article(site, "articles/d.md", "title: Draft story\ndate: 2025-07-01\ndraft: true")
    article(site, "articles/f.md", "title: Future story\ndate: 2025-09-01")
    article(site, "articles/n.md", "title: Now story\ndate: 2025-07-01")
    report = build(load_config(site))
    assert report.articles == 1 and report.excluded == {"drafts": 1, "future": 1}
    assert build(load_config(site), drafts=True, future=True).articles == 3
    assert (site / "public/2025/09/01/future-story/index.html").is_file()


def test_bad_articles_are_reported_and_skipped(site: Path) -> None:
    _basic(site)
    article(site, "articles/bad1.md", "date: 2025-07-01")
    article(site, "articles/bad2.md", "title: x\ndate: 2025-13-01")
    article(site, "articles/bad3.md", "title: [unclosed\ndate: 2025-07-01")
    (site / "content/articles/bad4.md").write_text("---\ntitle: never closed\n", encoding="utf-8")
    article(site, "articles/bad5.md", "title: x\ndate: 2025-07-01\ndraft: yes")
    report = build(load_config(site))
    assert report.articles == 3
    assert sorted(report.skipped) == [
        "content/articles/bad1.md:2: title: missing: every article needs a 'title:' line in its front matter",
        "content/articles/bad2.md:2: date: '2025-13-01' is not a date: write YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS+00:00",
        "content/articles/bad3.md:3: YAML error: did not find expected ',' or ']'",
        "content/articles/bad4.md:1: front matter opened with '---' is never closed: add a '---' line after it",
        "content/articles/bad5.md:2: draft: must be true or false, not 'yes'",
    ]


def test_strict_fails_and_publishes_nothing(site: Path) -> None:
    _basic(site)
    build(load_config(site))
    before = (site / "public/index.html").read_bytes()
    article(site, "articles/new.md", "title: New story\ndate: 2025-07-03")
    article(site, "articles/bad.md", "date: 2025-07-01")
    with pytest.raises(BuildAborted):
        build(load_config(site), strict=True)
    assert (site / "public/index.html").read_bytes() == before


@pytest.mark.parametrize("front, title", [("title: no\ndate: 2025-07-01", "no"), ("title: 1.10\ndate: 2025-07-01", "1.10"),
                                          ("title: 'yes'\ndate: 2025-07-01", "yes")])
def test_yaml_11_traps_keep_text(site: Path, front: str, title: str) -> None:
    article(site, "articles/a.md", front)
    build(load_config(site))
    [page] = [p for p in (site / "public/2025/07/01").glob("*/index.html")]
    assert f"<h1>{title}</h1>" in page.read_text(encoding="utf-8")


def test_bom_and_crlf_never_hide_front_matter(site: Path) -> None:
    path = site / "content/articles/bom.md"
    path.write_bytes("\ufeff---\r\ntitle: With BOM\r\ndate: 2025-07-01\r\n---\r\nBody.\r\n".encode("utf-8"))
    report = build(load_config(site))
    assert report.articles == 1 and (site / "public/2025/07/01/with-bom/index.html").is_file()


class _Dangers(HTMLParser):
    """Collects every tag, handler attribute or URL that could run script."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        src = dict(attrs).get("src") or ""
        if tag == "script" and src.startswith("/") and not src.startswith("//") \
                and src.endswith("/static/search.js"):
            return   # the theme's own script files (search); content can never produce a src attribute here
        if tag in ("script", "iframe", "object", "embed", "style"):
            self.found.append(tag)
        for name, value in attrs:
            if name.startswith("on") or (name in ("href", "src") and (value or "").strip().lower().startswith("javascript:")):
                self.found.append(f"{tag} {name}={value}")


def dangers(html: str) -> list[str]:
    parser = _Dangers()
    parser.feed(html)
    return parser.found


def test_hostile_content_is_sanitised_everywhere(site: Path) -> None:
    article(site, "articles/x.md",
            "title: \"<script>alert(1)</script> & <b>bold</b>\"\ndate: 2025-07-01\nsource: \"<img src=x onerror=alert(1)>\"\n"
            "summary: \"<iframe src=javascript:alert(1)></iframe>\"",
            "<script>alert(2)</script>\n\n<img src=x onerror=\"alert(3)\">\n\n[click](javascript:alert(4))\n\n"
            "<iframe src=\"https://evil.example\"></iframe>\n\n<a href=\"JaVaScRiPt:alert(5)\">x</a>\n")
    build(load_config(site))
    pages = list((site / "public").rglob("*.html"))  # feeds are checked field by field in test_feeds.py
    assert len(pages) > 10
    for path in pages:
        assert dangers(path.read_text(encoding="utf-8")) == [], path
    page = next((site / "public/2025/07/01").glob("*/index.html")).read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page


def test_two_builds_are_byte_identical(site: Path, tmp_path: Path) -> None:
    _basic(site)
    build(load_config(site))
    first = {p.relative_to(site / "public"): p.read_bytes() for p in (site / "public").rglob("*") if p.is_file()}
    build(load_config(site))
    second = {p.relative_to(site / "public"): p.read_bytes() for p in (site / "public").rglob("*") if p.is_file()}
    assert first == second


def test_stale_files_never_linger_and_unchanged_files_keep_mtime(site: Path) -> None:
    _basic(site)
    build(load_config(site))
    old_page = site / "public/2025/07/01/first-story/index.html"
    # (not an article page: the three share the word "story", so each lists the others as related reading)
    about = site / "public/sources/reuters/index.html"
    mtime = about.stat().st_mtime_ns
    (site / "content/articles/one.md").unlink()
    build(load_config(site))
    assert not old_page.exists()
    assert about.stat().st_mtime_ns == mtime


def test_refuses_to_replace_a_foreign_output_folder(site: Path) -> None:
    (site / "public").mkdir()
    (site / "public" / "precious.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(FileExistsError):
        build(load_config(site))
    assert (site / "public" / "precious.txt").read_text(encoding="utf-8") == "mine"


def test_templates_override_order(site: Path) -> None:
    _basic(site)
    (site / "templates").mkdir()
    (site / "templates" / "404.html").write_text('{% extends "default/404.html" %}{% block title %}Lost{% endblock %}',
                                                 encoding="utf-8")
    build(load_config(site))
    assert "<title>Lost</title>" in (site / "public/404.html").read_text(encoding="utf-8")


def test_article_sitemaps_are_one_per_month_and_split_past_the_protocol_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A change to an article rewrites its month's sitemap only; a month over the limit is split in parts."""
    from sitegen import sitemap

    arts = [_art(f"a{i}", 1 + i % 28) for i in range(7)] + [
        _art("b", 3).replace(date=dt.datetime(2025, 8, 3, 9, tzinfo=dt.UTC)).with_digest()]
    site = build_site(arts, ["politics", "sport"])
    assert [(name, len(chunk)) for name, chunk in sitemap.article_chunks(site)] == [
        ("sitemap-articles-2025-07.xml", 7), ("sitemap-articles-2025-08.xml", 1)]
    monkeypatch.setattr(sitemap, "CHUNK", 3)
    names = [name for name, _ in sitemap.article_chunks(site)]
    assert names == ["sitemap-articles-2025-07-1.xml", "sitemap-articles-2025-07-2.xml",
                     "sitemap-articles-2025-07-3.xml", "sitemap-articles-2025-08.xml"]


def test_listing_sitemap_lastmod_is_the_latest_date_or_update(tmp_path: Path) -> None:
    """sitemap-pages.xml gives each listing the day of its newest article's date, or of its update where the
    article has one (an update earlier than the date counts as the update)."""
    import xml.etree.ElementTree as ET

    def lastmods(site: Path) -> dict[str, str]:
        build(load_config(site))
        ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
        root = ET.parse(site / "public" / "sitemap-pages.xml").getroot()
        return {u.findtext("s:loc", namespaces=ns).split("/", 3)[3]: u.findtext("s:lastmod", "", ns)
                for u in root.findall("s:url", ns)}

    site = write_site(tmp_path / "site")
    article(site, "articles/a.md", "title: First\ndate: 2025-07-01T09:00:00+00:00")
    article(site, "articles/b.md", "title: Second\ndate: 2025-07-02T09:00:00+00:00")
    plain = lastmods(site)
    assert (plain[""], plain["2025/07/01/"], plain["2025/07/02/"]) == ("2025-07-02", "2025-07-01", "2025-07-02")
    article(site, "articles/a.md", "title: First\ndate: 2025-07-01T09:00:00+00:00\nupdated: 2025-07-05T10:00:00+00:00")
    article(site, "articles/b.md", "title: Second\ndate: 2025-07-02T09:00:00+00:00\nupdated: 2025-06-30T10:00:00+00:00")
    updated = lastmods(site)
    assert (updated[""], updated["2025/07/01/"], updated["2025/07/02/"]) == ("2025-07-05", "2025-07-05", "2025-06-30")
