"""`sitegen check`: a clean site passes; each kind of broken output is reported as `page: problem`."""

from __future__ import annotations

from pathlib import Path

import pytest
from sitehelpers import article, write_site

from sitegen.check import Checker, check_site, feed_problems
from sitegen.cli import main
from sitegen.config import load_config


def _site(root: Path, extra_yaml: str = "") -> Path:
    write_site(root, extra_yaml)
    for day, title, topics in (("2025-07-20", "First story", "[politics]"), ("2025-07-21", "Second story", "[sport]"),
                               ("2025-07-21", "Third story", "[politics]")):
        slug = title.lower().replace(" ", "-")
        article(root, f"articles/{day.replace('-', '/')}/{slug}.md",
                f"title: {title}\ndate: {day}\nsource: Wire One\ntopics: {topics}")
    return root


def _template(root: Path, name: str, text: str) -> None:
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates" / name).write_text(text, encoding="utf-8")


def test_clean_site_has_no_problems_and_publishes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _site(tmp_path / "site")
    report = check_site(load_config(root))
    assert [str(p) for p in report.problems] == []
    assert report.build.articles == 3 and report.pages > 10 and report.links > 100 and report.feeds >= 6
    assert main(["--site", str(root), "check"]) == 0
    assert "0 problems" in capsys.readouterr().out
    assert not (root / "public").exists()


def test_broken_links_assets_and_fragments_are_listed_per_page(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    root = _site(tmp_path / "site")
    _template(root, "404.html", '{% extends "default/404.html" %}{% block content %}'
              '<a href="{{ link(\'nowhere/\') }}">x</a> <img src="{{ link(\'static/logo.png\') }}" alt="">'
              '<a href="#missing">y</a> <a href="{{ link(\'archive/\') }}#y-2025">ok</a>'
              '<a href="https://elsewhere.example/">ok</a> <a href="mailto:a@b.c">ok</a>{% endblock %}')
    assert main(["--site", str(root), "check"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "404.html: broken link /nowhere/: no file nowhere/index.html in the built site",
        "404.html: broken link /static/logo.png: no file static/logo.png in the built site",
        "404.html: link to #missing in 404.html: no element has id='missing'",
    ]


def test_links_outside_a_sub_path_base_url_are_broken(tmp_path: Path) -> None:
    root = _site(tmp_path / "site", "base_url: https://example.org/digest/\n")
    _template(root, "404.html", '{% extends "default/404.html" %}{% block content %}'
              '<a href="/other/">x</a><a href="https://example.org/digest/2025/07/21/">ok</a>{% endblock %}')
    problems = [str(p) for p in check_site(load_config(root)).problems]
    assert problems == ["404.html: broken link /other/: outside the site's base path /digest/"]


def test_css_assets_must_exist(tmp_path: Path) -> None:
    root = _site(tmp_path / "site")
    (root / "static").mkdir()
    (root / "static" / "style.css").write_text("body { background: url('bg.png'); }\n", encoding="utf-8")
    problems = [str(p) for p in check_site(load_config(root)).problems]
    assert problems == ["static/style.css: broken link bg.png: no file static/bg.png in the built site"]


def test_paths_differing_only_in_case_collide(tmp_path: Path) -> None:
    for rel in ("News/index.html", "news/index.html"):
        (tmp_path / rel).parent.mkdir(parents=True)
        (tmp_path / rel).write_text("<!doctype html><title>x</title>", encoding="utf-8")
    problems = [str(p) for p in Checker(tmp_path, "https://example.org/").run().problems]
    assert len(problems) == 1 and problems[0].startswith("news/index.html: differs from News/index.html only in")


@pytest.mark.parametrize("rel,data,expected", [
    ("feed.xml", b"<rss version='2.0'><channel><title>t</title>", "not well-formed XML"),
    ("feed.xml", (b"<rss version='2.0'><channel><title>t</title><link>https://example.org/</link>"
                  b"<description>d</description><item><title>a</title><link>https://example.org/</link>"
                  b"<pubDate>yesterday</pubDate></item></channel></rss>"), "RSS item 1: missing required <guid>"),
    ("atom.xml", (b"<feed xmlns='http://www.w3.org/2005/Atom'><id>x</id><title>t</title>"
                  b"<updated>2025-01-01T00:00:00Z</updated></feed>"), 'Atom feed: missing <link rel="self">'),
    ("feed.json", b'{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [{"title": "x"}]}',
     "JSON Feed item 1: missing id"),
])
def test_feed_problems(rel: str, data: bytes, expected: str) -> None:
    problems, _ = feed_problems(rel, data)
    assert any(p.startswith(expected) for p in problems), problems


def test_bad_pubdate_is_reported() -> None:
    data = (b"<rss version='2.0'><channel><title>t</title><link>https://example.org/</link><description>d"
            b"</description><item><title>a</title><link>https://example.org/</link><guid>g</guid>"
            b"<pubDate>yesterday</pubDate></item></channel></rss>")
    assert feed_problems("feed.xml", data)[0] == ["RSS item 1: pubDate 'yesterday' is not an RFC 822 date"]


def test_feed_links_must_resolve(tmp_path: Path) -> None:
    (tmp_path / "feed.xml").write_bytes(
        b"<rss version='2.0'><channel><title>t</title><link>https://example.org/</link><description>d"
        b"</description><item><title>a</title><link>https://example.org/gone/</link><guid>g</guid>"
        b"<pubDate>Tue, 22 Jul 2025 09:30:00 +0000</pubDate></item></channel></rss>")
    (tmp_path / "index.html").write_text("<!doctype html><title>x</title>", encoding="utf-8")
    problems = [str(p) for p in Checker(tmp_path, "https://example.org/").run().problems]
    assert problems == ["feed.xml: broken link https://example.org/gone/: no file gone/index.html in the built site"]


def test_content_errors_fail_check_and_config_errors_exit_2(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    root = _site(tmp_path / "site")
    article(root, "articles/2025/07/22/bad.md", "title: Bad\ndate: not a date")
    assert main(["--site", str(root), "check"]) == 1
    assert "content/articles/2025/07/22/bad.md:" in capsys.readouterr().err
    (root / "site.yaml").write_text("title: x\nbase_url: nope\n", encoding="utf-8")
    assert main(["--site", str(root), "check"]) == 2
    assert "site.yaml: base_url: must be an absolute URL" in capsys.readouterr().err
