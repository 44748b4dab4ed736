"""Feeds: RSS 2.0, Atom 1.0 and JSON Feed 1.1 for the site, topics, sources and daily editions; OPML; links.

A small site is built into tmp_path and every feed file is checked three ways: feedparser (what readers see),
lxml on the raw XML (what the specs and the W3C validator require), and the raw bytes (escaping, stray
markup, determinism).
"""

from __future__ import annotations

import calendar
import datetime as dt
import email.utils
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
from lxml import etree
from lxml import html as lxml_html

from sitegen.config import load_config
from sitegen.pipeline import build

REPO = Path(__file__).resolve().parent.parent
BASE = "https://news.example.org/"
ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
RFC822 = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                    r"\d{4} \d\d:\d\d:\d\d [+-]\d{4}$")
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$")
BERLIN_WINTER = dt.timedelta(hours=1)

# (file, front matter, body): 5 articles over 3 days (Europe/Berlin), 3 topics, 2 sources; two share a time.
ARTICLES = [
    ("2025/03/01/markets-rally.md",
     ("title: Markets rally as rates fall\ndate: 2025-03-01T09:00:00+01:00\n"
      "id: r-100\nsource: Reuters\ntopics: [economy-business]\nsummary: Shares rose across Europe."),
     "Shares rose across Europe on Saturday.\n"),
    ("2025/03/01/storm-warning.md",
     ("title: Storm warning for the coast\ndate: 2025-03-01T15:30:00+01:00\n"
      "source: AP\ntopics: [weather]\nsummary: Gales are expected overnight."),
     "Gales are expected overnight. [Markets](/2025/03/01/markets-rally/) and ![map](map.png).\n"),
    ("2025/03/02/cup-final.md",
     ("title: Cup final ends in a draw\ndate: 2025-03-02T20:00:00+01:00\n"
      "source: Reuters\ntopics: [sport]\nsummary: Neither side scored."),
     "Neither side scored.\n"),
    ("2025/03/02/bank-merger.md",
     ("title: Two banks agree to merge\ndate: 2025-03-02T20:00:00+01:00\n"
      "source: AP\nauthor: Jane Doe\ntopics: [economy-business, sport]\nsummary: A deal worth billions."),
     "A deal worth billions.\n"),
    # 23:30 UTC on the 2nd is 00:30 on the 3rd in Berlin: the site's timezone decides the day.
    ("2025/03/02/late-vote.md",
     ("title: Late vote on the budget\ndate: 2025-03-02T23:30:00+00:00\n"
      "source: Reuters\ntopics: [economy-business]\nsummary: The vote ran past midnight."),
     "It ran late.\n"),
]
HOSTILE_TITLE = "Tom & Jerry <b>\"quoted\"</b> 'single' <script>alert(1)</script>"
HOSTILE = ("2025/03/03/hostile.md",
           # YAML escapes put control characters where YAML itself would refuse the raw bytes.
           ('title: "Tom & Jerry <b>\\"quoted\\"</b> \'single\' \\x0b<script>alert(1)</script>\\x1b\\0"\n'
            "date: 2025-03-03T08:00:00+01:00\nsource: \"AT&T <News> \\\"Wire\\\" \\x0b\"\ntopics: [sport]\n"
            "summary: \"5 < 6 & 7 > 6 \\\"q\\\" 'a' <script>alert(2)</script> \\uFFFE\\uFFFF\""),
           ("Fish & chips cost < 5 > 3 \"more\" 'than' ever \x00\x0b\x1b\ufffe\uffff.\n\n"
            "<script>alert(3)</script>\n\n<img src=x onerror=alert(4)>\n\n"
            "[x](javascript:alert(5)) and [y](JavaScript:alert(6))\n\n"
            '<a href="jav&#x09;ascript:alert(7)">z</a> <p onclick="alert(8)">p</p>\n'))


def article(root: Path, rel: str, front: str, body: str) -> None:
    """Write one article under content/ (like conftest.article; imported by name it can clash with
    tests/browser/conftest.py when the whole suite runs)."""
    path = root / "content" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front.strip()}\n---\n{body}", encoding="utf-8")


def with_slug(rel: str, front: str) -> str:
    """Front matter with an explicit slug (the file's stem), as `sitegen ingest` writes it."""
    return f"{front}\nslug: {Path(rel).stem}"


def make_site(root: Path, extra_yaml: str = "", articles: list[tuple[str, str, str]] = ARTICLES,
              base_url: str = BASE) -> Path:
    """A site in Europe/Berlin time with `articles`; `extra_yaml` adds site.yaml lines."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "site.yaml").write_text(f"title: Test digest\nbase_url: {base_url}\ntimezone: Europe/Berlin\n"
                                    f"author: The Desk\n{extra_yaml}", encoding="utf-8")
    (root / "content" / "articles").mkdir(parents=True, exist_ok=True)
    for rel, front, body in articles:
        article(root, f"articles/{rel}", with_slug(rel, front), body)
    return root


def build_site(root: Path) -> Path:
    """Build the site at `root`; fail on any skipped article; return its output folder."""
    report = build(load_config(root))
    assert report.skipped == []
    return root / "public"


def feeds_in(public: Path, name: str) -> list[Path]:
    return sorted(public.rglob(name))


def all_feeds(public: Path) -> list[Path]:
    return [p for n in ("feed.xml", "atom.xml", "feed.json") for p in feeds_in(public, n)]


def url_of(public: Path, path: Path) -> str:
    return BASE + path.relative_to(public).as_posix()


def page_url(public: Path, feed: Path) -> str:
    """The HTML page a feed belongs to (the editions feed belongs to the archive)."""
    folder = feed.parent.relative_to(public).as_posix()
    return BASE + {".": "", "editions": "archive/"}.get(folder, folder + "/")


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(make_site(tmp_path_factory.mktemp("feeds") / "site"))


def when(front: str) -> dt.datetime:
    return dt.datetime.fromisoformat(re.search(r"date: (\S+)", front).group(1))  # type: ignore[union-attr]


def slug_of(rel: str) -> str:
    return Path(rel).stem


# --- what readers see (feedparser) --------------------------------------------------------------------------
def expected_site_items() -> list[tuple[str, str, dt.datetime]]:
    """(title, link, date) of the site feed's items: newest first, ties broken by slug (descending)."""
    rows = []
    for rel, front, _ in ARTICLES:
        date = when(front).astimezone(dt.timezone(BERLIN_WINTER))
        rows.append((date, slug_of(rel), re.search(r"title: (.+)", front).group(1),  # type: ignore[union-attr]
                     f"{BASE}{date:%Y/%m/%d}/{slug_of(rel)}/"))
    rows.sort(key=lambda r: (r[0], r[1]), reverse=True)
    return [(title, link, date) for date, _, title, link in rows]


def test_every_xml_feed_parses_cleanly_in_feedparser(public: Path) -> None:
    xml_feeds = feeds_in(public, "feed.xml") + feeds_in(public, "atom.xml")
    folders = {p.parent.relative_to(public).as_posix() for p in xml_feeds}
    assert folders == {".", "editions", "topics/economy-business", "topics/sport", "topics/weather",
                       "sources/ap", "sources/reuters"}
    for path in xml_feeds:
        parsed = feedparser.parse(path.read_bytes())
        assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
        assert parsed.feed.title.startswith("Test digest")
        assert parsed.feed.link == page_url(public, path)
        assert parsed.entries, path
        for entry in parsed.entries:
            assert entry.link.startswith(BASE) and entry.id.startswith("urn:uuid:")


@pytest.mark.parametrize("name", ["feed.xml", "atom.xml"])
def test_site_feed_round_trips_titles_links_dates_and_order(public: Path, name: str) -> None:
    parsed = feedparser.parse((public / name).read_bytes())
    got = [(e.title, e.link, dt.datetime.fromtimestamp(calendar.timegm(e.published_parsed), dt.UTC))
           for e in parsed.entries]
    assert got == [(t, link, d.astimezone(dt.UTC)) for t, link, d in expected_site_items()]


def test_topic_and_source_feeds_hold_exactly_their_articles(public: Path) -> None:
    def links(path: Path) -> list[str]:
        return [e.link for e in feedparser.parse(path.read_bytes()).entries]

    every = [link for _, link, _ in expected_site_items()]
    for rel, front, _ in ARTICLES:
        link = next(x for x in every if x.endswith(f"/{slug_of(rel)}/"))
        topics = re.search(r"topics: \[(.*)\]", front).group(1).split(", ")  # type: ignore[union-attr]
        source = re.search(r"source: (\w+)", front).group(1).lower()  # type: ignore[union-attr]
        for topic in topics:
            assert link in links(public / "topics" / topic / "feed.xml")
        assert link in links(public / "sources" / source / "atom.xml")
    for path in feeds_in(public, "feed.xml"):
        got = links(path)
        if path.parent.name != "editions":
            assert got == [x for x in every if x in got], f"{path}: not newest first"


# --- what the specs require (raw XML) -----------------------------------------------------------------------
def test_rss_has_the_required_rss2_elements(public: Path) -> None:
    for path in feeds_in(public, "feed.xml"):
        rss = etree.fromstring(path.read_bytes())
        assert rss.tag == "rss" and rss.get("version") == "2.0"
        channel = rss.find("channel")
        assert channel.findtext("title") and channel.findtext("description")
        assert channel.findtext("link") == page_url(public, path)
        [self_link] = channel.findall(f"{ATOM}link")
        assert self_link.get("rel") == "self" and self_link.get("href") == url_of(public, path)
        assert self_link.get("type") == "application/rss+xml"
        assert channel.findtext("generator") == "sitegen"
        dates = []
        for item in channel.findall("item"):
            assert item.findtext("title") or item.findtext("description")
            assert item.findtext("link").startswith(BASE)
            guid = item.find("guid")
            assert guid.get("isPermaLink") == "false" and guid.text.startswith("urn:uuid:")
            assert RFC822.match(item.findtext("pubDate")), item.findtext("pubDate")
            dates.append(email.utils.parsedate_to_datetime(item.findtext("pubDate")))
            assert item.find("author") is None   # RSS <author> must be an e-mail address: dc:creator instead
        assert dates == sorted(dates, reverse=True)
        assert RFC822.match(channel.findtext("lastBuildDate"))
        assert email.utils.parsedate_to_datetime(channel.findtext("lastBuildDate")) == max(dates)


def test_rss_dates_are_in_the_sites_timezone_and_authors_use_dc_creator(public: Path) -> None:
    channel = etree.fromstring((public / "feed.xml").read_bytes()).find("channel")
    items = {i.findtext("link"): i for i in channel.findall("item")}
    late = items[f"{BASE}2025/03/03/late-vote/"]
    assert late.findtext("pubDate") == "Mon, 03 Mar 2025 00:30:00 +0100"
    assert channel.findtext("lastBuildDate") == "Mon, 03 Mar 2025 00:30:00 +0100"
    assert items[f"{BASE}2025/03/02/bank-merger/"].findtext(f"{DC}creator") == "Jane Doe"
    assert late.findtext(f"{DC}creator") == "Reuters"


def test_atom_follows_rfc4287(public: Path) -> None:
    for path in feeds_in(public, "atom.xml"):
        feed = etree.fromstring(path.read_bytes())
        assert feed.tag == f"{ATOM}feed"
        assert feed.findtext(f"{ATOM}id").startswith("urn:uuid:") and feed.findtext(f"{ATOM}title")
        assert feed.findtext(f"{ATOM}author/{ATOM}name") == "The Desk"
        links = {ln.get("rel"): ln.get("href") for ln in feed.findall(f"{ATOM}link")}
        assert links == {"self": url_of(public, path), "alternate": page_url(public, path)}
        generator = feed.find(f"{ATOM}generator")
        assert generator.text == "sitegen" and generator.get("version") is None
        updated = []
        for entry in feed.findall(f"{ATOM}entry"):
            for tag in ("id", "title", "updated"):   # required, exactly once
                assert len(entry.findall(f"{ATOM}{tag}")) == 1, (path, tag)
            assert entry.findtext(f"{ATOM}id").startswith("urn:uuid:") and entry.findtext(f"{ATOM}title")
            # feedgen writes entry links without rel, which RFC 4287 (4.2.7.2) reads as rel="alternate".
            [link] = [ln for ln in entry.findall(f"{ATOM}link") if ln.get("rel", "alternate") == "alternate"]
            assert link.get("href").startswith(BASE)
            for tag in ("updated", "published"):
                stamp = entry.findtext(f"{ATOM}{tag}")
                assert RFC3339.match(stamp) and stamp.endswith("+01:00"), stamp
            updated.append(dt.datetime.fromisoformat(entry.findtext(f"{ATOM}updated")))
        assert dt.datetime.fromisoformat(feed.findtext(f"{ATOM}updated")) == max(updated)


def test_json_feeds_have_the_required_fields(public: Path) -> None:
    paths = feeds_in(public, "feed.json")
    assert len(paths) == len(feeds_in(public, "feed.xml"))
    for path in paths:
        feed = json.loads(path.read_bytes())
        assert feed["version"] == "https://jsonfeed.org/version/1.1" and feed["title"]
        assert feed["feed_url"] == url_of(public, path) and feed["home_page_url"] == page_url(public, path)
        assert feed["items"]
        for item in feed["items"]:
            assert isinstance(item["id"], str) and item["id"].startswith("urn:uuid:")
            assert item.get("content_html") or item.get("content_text")
            assert item["url"].startswith(BASE)
            assert RFC3339.match(item["date_published"]) and item["date_published"].endswith("+01:00")


def test_the_three_formats_agree_on_ids(public: Path) -> None:
    for rss in feeds_in(public, "feed.xml"):
        guids = [i.findtext("guid") for i in etree.fromstring(rss.read_bytes()).iter("item")]
        atom = etree.fromstring((rss.parent / "atom.xml").read_bytes())
        assert guids == [e.findtext(f"{ATOM}id") for e in atom.iter(f"{ATOM}entry")]
        assert guids == [i["id"] for i in json.loads((rss.parent / "feed.json").read_bytes())["items"]]


def test_relative_links_in_content_become_absolute(public: Path) -> None:
    feed = json.loads((public / "topics" / "weather" / "feed.json").read_bytes())
    [item] = feed["items"]
    assert f'href="{BASE}2025/03/01/markets-rally/"' in item["content_html"]
    assert f'src="{BASE}2025/03/01/storm-warning/map.png"' in item["content_html"]


# --- ids: stable across rebuilds, new articles, pagination and base_url -------------------------------------
def ids_by_link(public: Path, base: str = BASE) -> dict[tuple[str, str], str]:
    """(feed path, item path) -> id, over every feed; links reduced to site paths so base_url may change."""
    out = {}
    for path in feeds_in(public, "atom.xml"):
        feed = etree.fromstring(path.read_bytes())
        rel = path.relative_to(public).as_posix()
        out[(rel, "")] = feed.findtext(f"{ATOM}id")
        for entry in feed.iter(f"{ATOM}entry"):
            link = entry.find(f"{ATOM}link").get("href")
            out[(rel, link.removeprefix(base))] = entry.findtext(f"{ATOM}id")
    for path in feeds_in(public, "feed.xml"):
        rel = path.relative_to(public).as_posix()
        for item in etree.fromstring(path.read_bytes()).iter("item"):
            out[(rel, item.findtext("link").removeprefix(base))] = item.findtext("guid")
    return out


def test_ids_survive_new_articles_pagination_and_a_new_base_url(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    before = ids_by_link(build_site(root))
    article(root, "articles/2025/03/01/early.md", "title: Early storm update\n"
            "date: 2025-03-01T06:00:00+01:00\nsource: AP\ntopics: [weather]\nsummary: Earlier.", "Earlier.\n")
    article(root, "articles/2025/03/04/later.md", "title: Storm passes\ndate: 2025-03-04T06:00:00+01:00\n"
            "source: AP\ntopics: [weather]\nsummary: Later.", "Later.\n")
    after = ids_by_link(build_site(root))
    # RSS + Atom x (site, topic, source) for each, plus the new day's edition: 2 * 2 * 3 + 2.
    assert len(after) == len(before) + 14
    assert {k: v for k, v in after.items() if k in before} == before
    mirror = "https://mirror.example.net/digest/"
    make_site(root, "page_size: 1\n", base_url=mirror)
    moved = ids_by_link(build_site(root), mirror)
    assert moved == after


def test_ids_differ_between_articles(public: Path) -> None:
    ids = [i.findtext("guid") for i in etree.fromstring((public / "feed.xml").read_bytes()).iter("item")]
    assert len(ids) == len(set(ids)) == len(ARTICLES)


# --- hostile input ------------------------------------------------------------------------------------------
class _Dangerous(HTMLParser):
    """Collect what must never reach a reader: script/style elements, on* handlers, script URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "iframe", "object", "embed"):
            self.found.append(tag)
        for name, value in attrs:
            squashed = re.sub(r"[\s\x00-\x1f]", "", value or "").lower()
            if name.startswith("on") or squashed.startswith(("javascript:", "vbscript:", "data:")):
                self.found.append(f"{tag} {name}={value}")


def html_fields(path: Path) -> Iterator[str]:
    """Every HTML-bearing field of a feed file (after XML/JSON decoding)."""
    if path.suffix == ".json":
        for item in json.loads(path.read_bytes())["items"]:
            yield item.get("content_html", "")
        return
    root = etree.fromstring(path.read_bytes())
    for el in root.iter("description", CONTENT, f"{ATOM}content", f"{ATOM}summary"):
        if el.tag in ("description", CONTENT) or el.get("type") == "html":
            yield el.text or ""


@pytest.fixture(scope="module")
def hostile_public(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(make_site(tmp_path_factory.mktemp("hostile") / "site", articles=[*ARTICLES, HOSTILE]))


def test_hostile_input_gives_valid_feeds_without_active_content(hostile_public: Path) -> None:
    paths = all_feeds(hostile_public) + [hostile_public / "feeds.opml"]
    assert len(paths) == 3 * 8 + 1
    for path in paths:
        data = path.read_bytes()
        if path.suffix == ".json":
            json.loads(data)
        else:
            etree.fromstring(data)                    # strict XML: raises on any invalid character
            assert feedparser.parse(data).bozo == 0, path
        for bad in (b"\x00", b"\x0b", b"\x1b", "\ufffe".encode(), "\uffff".encode()):
            assert bad not in data, (path, bad)
        lowered = data.lower()
        for bad in (b"<script", b"onerror", b"onclick", b"javascript:", b"ascript:"):
            assert bad not in lowered, (path, bad)
        for fragment in html_fields(path) if path.suffix != ".opml" else ():
            checker = _Dangerous()
            checker.feed(fragment)
            assert checker.found == [], (path, checker.found)


def test_hostile_text_is_escaped_exactly_once(hostile_public: Path) -> None:
    data = (hostile_public / "feed.xml").read_bytes()
    # Plain-text elements are XML-escaped once; HTML elements are HTML-escaped once, then XML-escaped once.
    titles = re.findall(rb"<title>.*?</title>", data)
    assert all(b"&amp;amp;" not in t and b"&amp;lt;" not in t for t in titles)
    escaped_title = ("Tom &amp; Jerry &lt;b&gt;\"quoted\"&lt;/b&gt; 'single' "
                     "&lt;script&gt;alert(1)&lt;/script&gt;")
    assert f"<title>{escaped_title}</title>".encode() in data
    channel = etree.fromstring(data).find("channel")
    item = next(i for i in channel.iter("item") if "hostile" in i.findtext("link"))
    assert item.findtext("title") == HOSTILE_TITLE
    # description is HTML: the plain-text summary is HTML-escaped once, then XML-escaped once by lxml.
    assert item.findtext("description").startswith("5 &lt; 6 &amp; 7 &gt; 6 \"q\" 'a' &lt;script&gt;")
    body = item.findtext(CONTENT)
    assert "Fish &amp; chips cost &lt; 5 &gt; 3" in body and "&amp;amp;" not in body
    assert item.findtext(f"{DC}creator") == 'AT&T <News> "Wire"'
    atom = etree.fromstring((hostile_public / "atom.xml").read_bytes())
    entry = next(e for e in atom.iter(f"{ATOM}entry") if "hostile" in e.find(f"{ATOM}link").get("href"))
    assert entry.findtext(f"{ATOM}title") == HOSTILE_TITLE
    assert entry.findtext(f"{ATOM}summary").startswith("5 < 6 & 7 > 6 \"q\" 'a' <script>alert(2)</script>")
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == 'AT&T <News> "Wire"'
    parsed = feedparser.parse(data)
    assert parsed.entries[0].title == HOSTILE_TITLE
    item_json = json.loads((hostile_public / "feed.json").read_bytes())["items"][0]
    assert item_json["title"] == HOSTILE_TITLE and "Fish &amp; chips" in item_json["content_html"]


def test_hostile_source_and_edition_stay_escaped(hostile_public: Path) -> None:
    sources = {p.parent.name for p in feeds_in(hostile_public, "feed.xml")
               if p.parent.parent.name == "sources"}
    assert sources == {"ap", "reuters", "at-t-news-wire"}
    channel = etree.fromstring((hostile_public / "sources" / "at-t-news-wire" / "feed.xml").read_bytes())[0]
    assert channel.findtext("title") == 'Test digest: AT&T <News> "Wire"'
    edition = etree.fromstring((hostile_public / "editions" / "feed.xml").read_bytes())[0].find("item")
    html = edition.findtext(CONTENT)
    assert "Tom &amp; Jerry &lt;b&gt;" in html and "&amp;amp;" not in html
    opml = etree.fromstring((hostile_public / "feeds.opml").read_bytes())
    assert 'Test digest: AT&T <News> "Wire"' in [o.get("title") for o in opml.iter("outline")]


# --- settings: limits, full vs summary, disabled families ---------------------------------------------------
SETTINGS = """feeds:
  site: {limit: 2, content: summary}
  topics: {limit: 1}
  sources: {content: full, limit: 100}
  editions: {limit: 2, content: summary}
"""


@pytest.fixture(scope="module")
def tuned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(make_site(tmp_path_factory.mktemp("tuned") / "site", SETTINGS))


def count_items(path: Path) -> int:
    if path.suffix == ".json":
        return len(json.loads(path.read_bytes())["items"])
    return len(feedparser.parse(path.read_bytes()).entries)


def test_limits_apply_per_family(tuned: Path) -> None:
    for name in ("feed.xml", "atom.xml", "feed.json"):
        assert count_items(tuned / name) == 2
        assert count_items(tuned / "editions" / name) == 2
        assert all(count_items(p) == 1 for p in (tuned / "topics").glob(f"*/{name}"))
        assert count_items(tuned / "sources" / "reuters" / name) == 3
    newest = [link for _, link, _ in expected_site_items()][:2]
    assert [e.link for e in feedparser.parse((tuned / "feed.xml").read_bytes()).entries] == newest


def test_the_editions_feed_keeps_two_weeks_by_default(tmp_path: Path) -> None:
    """A daily-editions item is a whole day's edition: by default the feed keeps the newest 14 (the other
    families keep 50 items), so a busy site's feed stays small enough to poll."""
    from sitehelpers import article, write_site

    site = write_site(tmp_path / "site")
    for day in range(1, 21):
        article(site, f"articles/a{day}.md", f"title: Story of day {day}\ndate: 2025-07-{day:02d}T09:00:00+00:00")
    public = build_site(site)
    for name in ("feed.xml", "atom.xml", "feed.json"):
        assert count_items(public / "editions" / name) == 14
        assert count_items(public / name) == 20
    first = feedparser.parse((public / "editions" / "feed.xml").read_bytes()).entries[0]
    assert "20 July 2025" in first.title


def test_summary_feeds_carry_no_full_text(tuned: Path) -> None:
    for folder, full in ((tuned, False), (tuned / "editions", False), (tuned / "sources" / "ap", True),
                         (tuned / "topics" / "sport", True)):
        rss = etree.fromstring((folder / "feed.xml").read_bytes())
        atom = etree.fromstring((folder / "atom.xml").read_bytes())
        items = json.loads((folder / "feed.json").read_bytes())["items"]
        assert all((i.find(CONTENT) is not None) == full for i in rss.iter("item")), folder
        assert all((e.find(f"{ATOM}content") is not None) == full for e in atom.iter(f"{ATOM}entry")), folder
        assert all(e.findtext(f"{ATOM}summary") for e in atom.iter(f"{ATOM}entry"))
        assert all(("content_html" in i) == full and ("content_text" in i) != full for i in items), folder


DISABLED = """feed_formats: [rss, atom]
feeds:
  sources: {enabled: false}
  editions: {enabled: false}
"""


class _Alternates(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and a.get("rel") == "alternate":
            self.links.append((a.get("type") or "", a.get("href") or ""))


def alternates_of(page: Path) -> list[tuple[str, str]]:
    parser = _Alternates()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.links


def test_disabled_families_and_formats_publish_nothing_and_are_not_linked(tmp_path: Path) -> None:
    public = build_site(make_site(tmp_path / "site", DISABLED))
    assert list((public / "sources").glob("*/*.xml")) == [] and not (public / "editions").exists()
    assert feeds_in(public, "feed.json") == []
    assert (public / "feed.xml").is_file() and (public / "topics" / "sport" / "atom.xml").is_file()
    for page in public.rglob("*.html"):
        for mime, href in alternates_of(page):
            assert href.startswith(BASE) and (public / href[len(BASE):]).is_file(), (page, href)
            assert "/sources/" not in href and "/editions/" not in href and mime != "application/feed+json"
    assert "JSON Feed" not in (public / "feeds" / "index.html").read_text(encoding="utf-8")


# --- OPML, the /feeds/ page and <link rel="alternate"> ------------------------------------------------------
def channels_of(public: Path) -> dict[str, Path]:
    """Folder -> the first-format feed file (RSS when published) of every channel that exists."""
    out: dict[str, Path] = {}
    for path in all_feeds(public):   # RSS first, then Atom, then JSON: the order OPML prefers
        out.setdefault(path.parent.relative_to(public).as_posix(), path)
    return out


@pytest.mark.parametrize("extra", ["", DISABLED, "feed_formats: [json]\n"])
def test_opml_lists_exactly_the_feeds_that_exist(tmp_path: Path, extra: str) -> None:
    public = build_site(make_site(tmp_path / "site", extra))
    opml = etree.fromstring((public / "feeds.opml").read_bytes())
    assert opml.get("version") == "2.0" and opml.findtext("head/title")
    feeds = [o for o in opml.iter("outline") if o.get("xmlUrl")]
    expected = sorted(url_of(public, p) for p in channels_of(public).values())
    assert sorted(o.get("xmlUrl") for o in feeds) == expected
    for outline in feeds:
        assert outline.get("type") == "rss" and outline.get("text")
        page = outline.get("htmlUrl")[len(BASE):]
        assert (public / page / "index.html").is_file(), page


def test_feeds_page_lists_every_feed_file(public: Path) -> None:
    text = (public / "feeds" / "index.html").read_text(encoding="utf-8")
    for path in all_feeds(public):
        assert f'href="/{path.relative_to(public).as_posix()}"' in text
    assert 'href="/feeds.opml"' in text
    assert ("application/rss+xml", f"{BASE}feed.xml") in alternates_of(public / "feeds" / "index.html")


def test_pages_advertise_their_relevant_feeds(public: Path) -> None:
    def hrefs(rel: str) -> list[str]:
        return [href[len(BASE):] for _, href in alternates_of(public / rel / "index.html")]

    site = ["feed.xml", "atom.xml", "feed.json"]
    assert hrefs("") == [f"editions/{n}" for n in site] + site
    assert hrefs("2025/03/01") == [f"editions/{n}" for n in site] + site
    assert hrefs("topics/sport") == [f"topics/sport/{n}" for n in site] + site
    assert hrefs("sources/reuters") == [f"sources/reuters/{n}" for n in site] + site
    assert hrefs("2025/03/01/storm-warning") == ["topics/weather/feed.xml"] + site
    for page in public.rglob("*.html"):
        for _, href in alternates_of(page):
            assert (public / href[len(BASE):]).is_file(), (page, href)


# --- daily editions -----------------------------------------------------------------------------------------
def test_edition_feed_has_one_item_per_day_linking_that_days_articles(public: Path) -> None:
    days: dict[str, list[str]] = {}
    for _, link, date in expected_site_items():
        days.setdefault(f"{date:%Y/%m/%d}", []).append(link)
    parsed = feedparser.parse((public / "editions" / "feed.xml").read_bytes())
    assert [e.link for e in parsed.entries] == [f"{BASE}{d}/" for d in sorted(days, reverse=True)]
    assert parsed.entries[0].title == "Test digest: Monday 3 March 2025"
    rss = etree.fromstring((public / "editions" / "feed.xml").read_bytes())
    for item in rss.iter("item"):
        day = item.findtext("link")[len(BASE):-1]
        doc = lxml_html.fragment_fromstring(item.findtext(CONTENT), create_parent="div")
        links = [a.get("href") for a in doc.iter("a")]
        assert all(href.startswith(BASE) for href in links)
        articles = [href for href in links if href.count("/") == 7]
        assert sorted(articles) == sorted(days[day]), day
        assert [h.text_content() for h in doc.iter("h3")], day    # grouped under topic headings
    march_2 = next(i for i in rss.iter("item") if i.findtext("link").endswith("2025/03/02/"))
    html = march_2.findtext(CONTENT)
    assert html.index("Sport") < html.index("Cup final") and "Neither side scored." in html


# --- determinism --------------------------------------------------------------------------------------------
def test_two_builds_give_identical_feed_bytes(tmp_path: Path) -> None:
    first = build_site(make_site(tmp_path / "a"))
    snapshot = {p.relative_to(first): p.read_bytes() for p in [*all_feeds(first), first / "feeds.opml"]}
    second = build_site(make_site(tmp_path / "b"))
    again = {p.relative_to(second): p.read_bytes() for p in [*all_feeds(second), second / "feeds.opml"]}
    assert snapshot == again
    assert b"python-feedgen" not in b"".join(snapshot.values())
    assert b'version="1.0.0"' not in b"".join(snapshot.values())


def test_feed_bytes_do_not_depend_on_hash_seeds(tmp_path: Path) -> None:
    """Set and dict order vary with PYTHONHASHSEED between processes; feeds must not."""
    snapshots = []
    for seed in ("1", "2"):
        root = make_site(tmp_path / seed, articles=[*ARTICLES, HOSTILE])
        code = ("import sys; from pathlib import Path; from sitegen.config import load_config; "
                "from sitegen.pipeline import build; build(load_config(Path(sys.argv[1])))")
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", code, str(root)], check=True, env=env, cwd=REPO)
        public = root / "public"
        files = [*all_feeds(public), public / "feeds.opml"]
        snapshots.append({p.relative_to(public): p.read_bytes() for p in files})
    assert snapshots[0] == snapshots[1]


def test_an_empty_site_has_deterministic_empty_feeds(tmp_path: Path) -> None:
    public = build_site(make_site(tmp_path / "site", articles=[]))
    channel = etree.fromstring((public / "feed.xml").read_bytes()).find("channel")
    assert channel.findall("item") == []
    assert channel.findtext("lastBuildDate") == "Thu, 01 Jan 1970 01:00:00 +0100"
    atom = etree.fromstring((public / "atom.xml").read_bytes())
    assert atom.findtext(f"{ATOM}updated") == "1970-01-01T01:00:00+01:00"
    assert json.loads((public / "feed.json").read_bytes())["items"] == []


def test_feed_dates_come_from_content_not_the_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1900000000")
    first = build_site(make_site(tmp_path / "a"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1950000000")
    second = build_site(make_site(tmp_path / "b"))
    for path in all_feeds(first):
        assert path.read_bytes() == (second / path.relative_to(first)).read_bytes(), path


# --- known bugs outside the feed modules (reported; these turn into XPASS once fixed) ---------------------
def test_standalone_pages_advertise_the_site_feeds(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    (root / "content" / "pages").mkdir()
    (root / "content" / "pages" / "about.md").write_text("---\ntitle: About\n---\nHello.\n", encoding="utf-8")
    public = build_site(root)
    assert ("application/rss+xml", f"{BASE}feed.xml") in alternates_of(public / "about" / "index.html")


def test_no_page_links_a_feed_that_does_not_exist(tmp_path: Path) -> None:
    public = build_site(make_site(tmp_path / "site", "feed_formats: [atom]\n"))
    assert 'href="/feed.xml"' not in (public / "index.html").read_text(encoding="utf-8")


def test_a_same_slug_newcomer_keeps_older_ids(tmp_path: Path) -> None:
    def ids_by_title(public: Path) -> dict[str, str]:
        return {e.title: e.id for e in feedparser.parse((public / "atom.xml").read_bytes()).entries}

    root = make_site(tmp_path / "site")
    before = ids_by_title(build_site(root))
    article(root, "articles/2025/03/01/dupe.md", "title: Another storm\ndate: 2025-03-01T06:00:00+01:00\n"
            "slug: storm-warning\nsource: AP\ntopics: [weather]", "Earlier.\n")
    after = ids_by_title(build_site(root))
    assert {k: v for k, v in after.items() if k in before} == before
    assert len(set(after.values())) == len(after)
