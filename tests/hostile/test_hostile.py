"""Hostile input, one fixture per trap: raw wire files for `sitegen ingest` (raw/) and hand-written Markdown for
`sitegen build` (content/). Each case asserts its exact outcome (the `path:line: message` it is rejected with,
or the cleaned article it became) and that the rest of the site is still built, with no active content in
any page or feed and every output file inside public/.

Fixtures that are too big to commit (a 50 MB file) are made in tmp_path at test time.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import tracemalloc
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hostile.checks import (
    CONTENT,
    XML_INVALID,
    active_content,
    feed_files,
    html_fields,
    outside,
    site_problems,
)
from lxml import etree
from sitehelpers import article, write_site

from sitegen import frontmatter
from sitegen.cli import main
from sitegen.config import load_config
from sitegen.content import load
from sitegen.errors import SourceError
from sitegen.pipeline import build, ingest
from sitegen.report import BuildReport, IngestReport
from sitegen.topics import load_taxonomy

HERE = Path(__file__).parent
RAW = HERE / "raw"
CONTENT_FIXTURES = HERE / "content"
NOW = str(int(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp()))   # SOURCE_DATE_EPOCH of every build
DAY = "2025/07/01"
# The RSS channel <description> is checked by its own test below; every other field by the site scans.
CHANNEL_DESCRIPTION: tuple[str, ...] = ()

# --- raw files: `sitegen ingest` -------------------------------------------------------------------------------
# name -> exact rejection ({p} is the raw file's path as ingest was given it)
RAW_REJECTED = {
    "zero_byte.txt": "{p}:1: empty file: no header, title or body",
    "whitespace_only.txt": "{p}:1: empty file: no header, title or body",
    "nul_bytes.txt": "{p}:3: binary data (NUL bytes): not a text article; remove the file",
    "undefined_cp1252.txt": "{p}:2: undecodable byte 0x81 at offset 25: the file is neither UTF-8 nor Windows-1252; "
                            "re-save it as UTF-8",
    "utf16_lone_surrogate.txt": "{p}:1: invalid UTF-16 text (illegal UTF-16 surrogate); re-save it as UTF-8",
    "traversal_id.txt": "{p}:1: bad article id '../../etc': use letters, digits, '.', '_' or '-'",
    "dot_id.txt": "{p}:1: bad article id '..': use letters, digits, '.', '_' or '-'",
    "impossible_date.txt": "{p}:1: impossible date 2025-02-30 in header: no such day",
    "impossible_month.txt": "{p}:1: impossible date 2025-13-01 in header: no such day",
    "ancient_date.txt": "{p}:1: implausible date 0999-01-01 in header: check the year",
    "empty_title.txt": "{p}:5: empty body: no text after the title",
}
LONG_TITLE = ("word " * 50).strip() + "\u2026"   # cut at the last space within 250 characters
# name -> (article file under content/articles, title, source) once ingested
RAW_CONVERTED = {
    "xss_title.txt": (f"{DAY}/script-alert-title-script-minister-img-src-x-onerror-alert-1-resigns.md",
                      "<script>alert('title')</script> Minister <img src=x onerror=alert(1)> resigns", "Reuters"),
    "xss_body.txt": (f"{DAY}/council-approves-budget.md", "Council approves budget", "AP"),
    "xss_source.txt": (f"{DAY}/storm-hits-the-coast.md", "Storm hits the coast", "AP<script>alert`source`</script>"),
    "xss_summary.txt": (f"{DAY}/markets-rally.md", "Markets rally", "AFP"),
    "control_chars.txt": (f"{DAY}/bell-escape-31m-null-zerowidth-rtlevil-end.md",
                          "Bell escape[31m null zerowidth rtlevil end", "AP"),
    "surrogate_bytes.txt": (f"{DAY}/lone-i-eur-surrogate.md", "Lone \u00ed \u20ac surrogate", "AP"),
    "bom_crlf.txt": (f"{DAY}/title-after-a-bom.md", "Title after a BOM", "AP"),
    "cr_only.txt": (f"{DAY}/old-mac-line-ends.md", "Old Mac line ends", "AP"),
    "utf16_bom.txt": (f"{DAY}/zurich-in-utf-16.md", "Z\u00fcrich in UTF-16", "AP"),
    "latin1.txt": (f"{DAY}/cafe-society.md", "Caf\u00e9 society", "AP"),
    "mixed_encoding.txt": (f"{DAY}/za1-4rich-talks.md", "Z\u00c3\u00bcrich talks", "AP"),
    "traversal_title.txt": (f"{DAY}/etc-passwd.md", "../../../etc/passwd", "AP"),
    "absolute_title.txt": (f"{DAY}/etc-shadow.md", "/etc/shadow", "AP"),
    "windows_con.txt": (f"{DAY}/con-x.md", "CON", "AP"),
    "windows_nul.txt": (f"{DAY}/nul-x.md", "NUL", "AP"),
    "windows_com1.txt": (f"{DAY}/com1-x.md", "COM1", "AP"),
    "punctuation_title.txt": (f"{DAY}/120.md", "!!! ???", "AP"),
    "punctuation_title_no_id.txt": (f"{DAY}/6bbb88d826ef68cd0076b66d47dcf7611b591fbe7c75df6b17f1cad1077d03ea.md",
                                    "\u2026 \u2014 ?!", "AP"),
    "long_title.txt": (f"{DAY}/word-word-word-word-word-word-word-word-word-word-word-word-word-word-word-word.md",
                       LONG_TITLE, "AP"),
    "long_title_no_spaces.txt": (f"{DAY}/{'x' * 80}.md", "x" * 250 + "\u2026", "AP"),
    "dup_id_a.txt": (f"{DAY}/first-version.md", "First version", "AP"),
    "dup_text_a.txt": (f"{DAY}/copied-story.md", "Copied story", "AP"),
    "dup_title_a.txt": (f"{DAY}/same-headline.md", "Same headline", "AP"),
    "dup_title_b.txt": (f"{DAY}/same-headline-127.md", "Same headline", "AP"),
    "future_date.txt": ("2999/01/01/news-from-the-future.md", "News from the future", "AP"),
    "deep_quote.txt": (f"{DAY}/deep-quote.md", "Deep quote", None),
    "deep_list.txt": (f"{DAY}/deep-list.md", "Deep list", None),
    "deep_brackets.txt": (f"{DAY}/deep-brackets.md", "Deep brackets", None),
}
# name -> (status, the article it matched, exact reason)
RAW_DUPLICATES = {
    "dup_id_b.txt": ("skipped", f"content/articles/{DAY}/first-version.md",
                     ("{p}: already ingested as content/articles/2025/07/01/first-version.md (same date and id, "
                     "different text: use --update to replace it)")),
    "dup_text_b.txt": ("unchanged", f"content/articles/{DAY}/copied-story.md", ""),
}
RAW_WARNINGS = [
    ("{raw}/latin1.txt:2: not valid UTF-8 (byte 0xe9); read as Windows-1252: check the accents, or re-save the file "
    "as UTF-8"),
    "{raw}/long_title.txt:2: title longer than 250 characters; shortened",
    "{raw}/long_title_no_spaces.txt:2: title longer than 250 characters; shortened",
    ("{raw}/mixed_encoding.txt:3: not valid UTF-8 (byte 0xe9); read as Windows-1252: check the accents, or re-save "
    "the file as UTF-8"),
    ("{raw}/surrogate_bytes.txt:2: not valid UTF-8 (byte 0xed); read as Windows-1252: check the accents, or "
    "re-save the file as UTF-8"),
]
FUTURE_WARNING = ("content/articles/2999/01/01/news-from-the-future.md:2: date 2999-01-01T00:00:00+00:00 is in the "
                  "future: left out until then (use --future to include it)")


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, IngestReport, BuildReport]]:
    """Every raw fixture ingested at once into a fresh site, which is then built."""
    site = write_site(tmp_path_factory.mktemp("ingested") / "site")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", NOW)
        report = ingest(load_config(site), [RAW])
        built = build(load_config(site))
        yield site, report, built


def _outcome(report: IngestReport, name: str):  # type: ignore[no-untyped-def]
    [found] = [o for o in report.outcomes if Path(o.raw).name == name]
    return found


def test_every_raw_fixture_has_an_expected_outcome() -> None:
    names = {p.name for p in RAW.iterdir()}
    assert names == set(RAW_REJECTED) | set(RAW_CONVERTED) | set(RAW_DUPLICATES)
    assert not set(RAW_REJECTED) & set(RAW_CONVERTED)


@pytest.mark.parametrize("name", sorted(RAW_REJECTED))
def test_raw_file_is_rejected_with_its_exact_message(ingested, name: str) -> None:  # type: ignore[no-untyped-def]
    _, report, _ = ingested
    outcome = _outcome(report, name)
    assert (outcome.status, outcome.article) == ("rejected", "")
    assert outcome.reason == RAW_REJECTED[name].format(p=RAW / name)


@pytest.mark.parametrize("name", sorted(RAW_CONVERTED))
def test_raw_file_becomes_one_clean_article(ingested, name: str) -> None:  # type: ignore[no-untyped-def]
    site, report, _ = ingested
    rel, title, source = RAW_CONVERTED[name]
    outcome = _outcome(report, name)
    assert (outcome.status, outcome.article, outcome.reason) == ("converted", f"content/articles/{rel}", "")
    path = site / outcome.article
    assert path.resolve().is_relative_to((site / "content" / "articles").resolve())
    meta, _body, _ = frontmatter.split(path.read_text(encoding="utf-8"), rel)
    assert (meta["title"], meta.get("source")) == (title, source)
    assert meta["slug"] == Path(rel).stem and meta["provenance"]["raw_file"] == name


@pytest.mark.parametrize("name", sorted(RAW_DUPLICATES))
def test_duplicate_raw_files_are_reported_not_doubled(ingested, name: str) -> None:  # type: ignore[no-untyped-def]
    _, report, _ = ingested
    status, matched, reason = RAW_DUPLICATES[name]
    outcome = _outcome(report, name)
    assert (outcome.status, outcome.article, outcome.reason) == (status, matched, reason.format(p=RAW / name))


def test_raw_warnings_are_exact(ingested) -> None:  # type: ignore[no-untyped-def]
    _, report, _ = ingested
    assert report.warnings == [w.format(raw=RAW) for w in RAW_WARNINGS]


def test_control_characters_never_reach_the_article_file(ingested) -> None:  # type: ignore[no-untyped-def]
    site, _, _ = ingested
    text = (site / "content/articles" / RAW_CONVERTED["control_chars.txt"][0]).read_text(encoding="utf-8")
    _, body, _ = frontmatter.split(text, "a.md")
    assert body == "Body with vertical form feed isolate and BOM.\n"
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u202a-\u202e\u2066-\u2069\ufeff\ufffe]", text)


def test_crlf_cr_and_bom_raw_files_keep_their_paragraphs(ingested) -> None:  # type: ignore[no-untyped-def]
    site, _, _ = ingested
    for name in ("bom_crlf.txt", "cr_only.txt"):
        text = (site / "content/articles" / RAW_CONVERTED[name][0]).read_text(encoding="utf-8")
        assert frontmatter.split(text, "a.md")[1] == "First line.\n\nSecond line.\n"


def test_ingested_hostile_site_builds_with_nothing_skipped(ingested) -> None:  # type: ignore[no-untyped-def]
    site, report, built = ingested
    converted = [o for o in report.outcomes if o.status == "converted"]
    assert built.skipped == []
    assert built.articles == len(converted) - 1 and built.excluded == {"drafts": 0, "future": 1}
    for o in converted:
        rel = Path(o.article).relative_to("content/articles")
        page = site / "public" / rel.parent / rel.stem / "index.html"
        assert page.is_file() or rel.parts[0] == "2999", o


def test_ingested_articles_build_without_warnings(ingested) -> None:  # type: ignore[no-untyped-def]
    _, _, built = ingested
    assert built.warnings == [FUTURE_WARNING]


def test_no_active_content_reaches_pages_or_feeds_after_ingest(ingested) -> None:  # type: ignore[no-untyped-def]
    site, _, _ = ingested
    assert site_problems(site / "public", skip=CHANNEL_DESCRIPTION) == []


def _h1(html: str) -> str:
    class H1(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.inside, self.text = False, ""

        def handle_starttag(self, tag: str, attrs: list) -> None:  # type: ignore[type-arg]
            self.inside = self.inside or tag == "h1"

        def handle_endtag(self, tag: str) -> None:
            self.inside = self.inside and tag != "h1"

        def handle_data(self, data: str) -> None:
            if self.inside:
                self.text += data

    parser = H1()
    parser.feed(html)
    return parser.text


def _page(site: Path, url: str) -> str:
    return (site / "public" / url / "index.html").read_text(encoding="utf-8")


def test_hostile_title_is_shown_as_text(ingested) -> None:  # type: ignore[no-untyped-def]
    site, _, _ = ingested
    rel, title, _ = RAW_CONVERTED["xss_title.txt"]
    html = _page(site, rel[:-3])
    assert _h1(html) == title
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in html


def test_hostile_body_is_shown_as_text(ingested) -> None:  # type: ignore[no-untyped-def]
    site, _, _ = ingested
    html = _page(site, RAW_CONVERTED["xss_body.txt"][0][:-3])
    assert "voted &lt;script&gt;alert(&#39;body&#39;)&lt;/script&gt; to approve" in html or \
           "voted &lt;script&gt;alert('body')&lt;/script&gt; to approve" in html
    assert "[a link](javascript:alert(3))" in html and active_content(html) == []


@pytest.mark.parametrize("name, literal", [("deep_quote.txt", "&gt;" * 10000 + " quoted"),
                                           ("deep_list.txt", "- " * 10000 + "x"),
                                           ("deep_brackets.txt", "[" * 10000 + "x" + "]" * 10000)])
def test_deeply_nested_raw_text_renders_literally(ingested, name: str, literal: str) -> None:  # type: ignore[no-untyped-def]
    site, _, _ = ingested
    assert f"<p>{literal}</p>" in _page(site, RAW_CONVERTED[name][0][:-3])


def test_rss_channel_description_of_a_hostile_source_is_escaped(ingested) -> None:  # type: ignore[no-untyped-def]
    site, _, _ = ingested
    problems = [f"{p.relative_to(site)}: {found}" for p in feed_files(site / "public")
                for field, html in html_fields(p) if field == "channel/description" for found in active_content(html)]
    assert problems == []


def test_ingest_cli_prints_every_rejection_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = write_site(tmp_path / "site")
    assert main(["--site", str(site), "ingest", str(RAW)]) == 1
    err = capsys.readouterr().err.splitlines()
    for name, message in RAW_REJECTED.items():
        assert message.format(p=RAW / name) in err
    lines = (site / ".sitegen" / "ingest-report.txt").read_text(encoding="utf-8").splitlines()
    assert len([line for line in lines if line.startswith(("converted\t", "rejected\t", "skipped\t", "unchanged\t"))]) \
        == len(list(RAW.iterdir()))


# --- hand-written Markdown: `sitegen build` ------------------------------------------------------------------
MD = "content/articles/{}"
MD_SKIPPED = {
    "zero_byte.md": "{}:1: no front matter: start the file with a '---' line, then 'title:' and 'date:' lines, then "
                    "another '---' line",
    "latin1.md": "{}:2: not UTF-8 (byte 0xe9): re-save the file as UTF-8",
    "mixed_encoding.md": "{}:5: not UTF-8 (byte 0xe9): re-save the file as UTF-8",
    "utf16.md": "{}:1: not UTF-8 (byte 0xff): re-save the file as UTF-8",
    "surrogate_bytes.md": "{}:2: not UTF-8 (byte 0xed): re-save the file as UTF-8",
    "surrogate_escape.md": "{}:2: YAML error: found invalid Unicode character escape code",
    "yaml_anchor.md": "{}:2: YAML error: anchors and aliases (&name / *name) are not allowed in front matter",
    "yaml_bomb.md": "{}:4: YAML error: anchors and aliases (&name / *name) are not allowed in front matter",
    "yaml_python_object.md": "{}:2: YAML error: could not determine a constructor for the tag "
                             "'tag:yaml.org,2002:python/object/apply:os.getpid'",
    "yaml_python_name.md": "{}:4: YAML error: could not determine a constructor for the tag "
                           "'tag:yaml.org,2002:python/name:os.system'",
    "yaml_top_list.md": "{}:2: front matter must be a mapping of 'key: value' lines, not a list",
    "yaml_dup_keys.md": "{}:4: YAML error: duplicate key 'title': keep one",
    "yaml_null_key.md": "{}:2: front matter key None is not text: write it as a plain word",
    "yaml_binary.md": "{}:2: title: must be text, not bytes: put it in quotes",
    "title_empty.md": "{}:2: title: missing: every article needs a 'title:' line in its front matter",
    "title_controls_only.md": "{}:2: title: missing: every article needs a 'title:' line in its front matter",
    "title_list.md": "{}:2: title: must be text, not list: put it in quotes",
    "date_impossible.md": "{}:2: date: '2025-02-30' is not a date: write YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS+00:00",
    "date_not_a_date.md": "{}:2: date: 'yesterday' is not a date: write YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS+00:00",
    "deep_quote.md": "{}:5: Markdown nested more than 60 levels deep: flatten the quote or list",
    "deep_list.md": "{}:65: Markdown nested more than 60 levels deep: flatten the quote or list",
    "deep_list_inline.md": "{}:5: Markdown nested more than 60 levels deep: flatten the quote or list",
}
TITLE_5000 = ("word " * 60).strip() + "\u2026"        # 300 characters, then an ellipsis
# name -> (page URL, the <h1> text a reader sees)
MD_BUILT = {
    "xss_fields.md": (f"{DAY}/script-alert-title-script-minister-img-src-x-onerror-alert-1-resigns/",
                      "<script>alert('title')</script> Minister <img src=x onerror=alert(1)> resigns"),
    "control_chars.md": (f"{DAY}/bell-and-escape/", "Bell and escape"),
    "control_chars_raw.md": (f"{DAY}/rawcontrol/", "Rawcontrol"),
    "bom_crlf.md": (f"{DAY}/with-bom-and-crlf/", "With BOM and CRLF"),
    "yaml_norway.md": (f"{DAY}/off/", "no"),
    "yaml_version.md": (f"{DAY}/1-10/", "1.10"),
    "slug_traversal.md": (f"{DAY}/etc-passwd/", "Traversal slug"),
    "slug_absolute.md": (f"{DAY}/etc-cron-d-evil/", "Absolute slug"),
    "slug_windows_con.md": (f"{DAY}/con-x/", "Reserved slug"),
    "slug_windows_nul.md": (f"{DAY}/nul-x/", "NUL"),
    "slug_empty.md": (f"{DAY}/empty-slug/", "Empty slug"),
    "topics_traversal.md": (f"{DAY}/traversal-topics/", "Traversal topics"),
    "title_5000.md": (f"{DAY}/word-word-word-word-word-word-word-word-word-word-word-word-word-word-word-word/",
                      TITLE_5000),
    "dup_slug_a.md": (f"{DAY}/same-headline/", "Same headline"),
    "dup_slug_b.md": (f"{DAY}/same-headline-2/", "Same headline"),
    "no_body.md": (f"{DAY}/headline-only/", "Headline only"),
}
MD_WARNINGS = [
    "{}:2: slug: '/etc/cron.d/evil' is not a clean slug; using 'etc-cron-d-evil'".format(MD.format("slug_absolute.md")),
    "{}:2: slug: '///' has no usable characters; the title's slug is used".format(MD.format("slug_empty.md")),
    "{}:2: slug: '../../../etc/passwd' is not a clean slug; using 'etc-passwd'".format(MD.format("slug_traversal.md")),
    "{}:2: slug: 'CON' is not a clean slug; using 'con-x'".format(MD.format("slug_windows_con.md")),
    "{}:2: title: longer than 300 characters; shortened".format(MD.format("title_5000.md")),
    "{}:2: topics: etc not in the site's taxonomy; kept as given (see 'sitegen topics --list')".format(
        MD.format("topics_traversal.md")),
    "{}:2: topics: script-x-script not in the site's taxonomy; kept as given (see 'sitegen topics --list')".format(
        MD.format("xss_fields.md")),
    "{}:1: slug 'same-headline' already used on 2025-07-01; published as same-headline-2 (set a distinct 'slug:' "
    "to choose)".format(MD.format("dup_slug_b.md")),
    "{}:2: date 2999-01-01T00:00:00+00:00 is in the future: left out until then (use --future to include it)".format(
        MD.format("date_future.md")),
]
# Tested one by one below (known bugs, or outcomes that would disturb the shared site).
MD_ALONE = {"date_overflow.md", "deep_ordered_list.md", "deep_brackets.md", "control_chars_raw_yaml.md",
            "dup_id_a.md", "dup_id_b.md", "control_char_reference.md"}
GOOD = {"good_one.md": "title: A good story\ndate: 2025-07-01\ntopics: [politics]\nsource: AP",
        "good_two.md": "title: Another good story\ndate: 2025-07-02\ntopics: [sport]\nsource: Reuters"}


def _copy_content(site: Path, names: set[str] | list[str]) -> None:
    for name in names:
        shutil.copyfile(CONTENT_FIXTURES / name, site / "content" / "articles" / name)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, BuildReport]]:
    """Every shared Markdown fixture plus two good articles in one site, built once."""
    site = write_site(tmp_path_factory.mktemp("built") / "site")
    _copy_content(site, {p.name for p in CONTENT_FIXTURES.iterdir()} - MD_ALONE)
    for name, front in GOOD.items():
        article(site, f"articles/{name}", front, "A paragraph of **good** text.\n")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", NOW)
        yield site, build(load_config(site))


def test_every_markdown_fixture_has_an_expected_outcome() -> None:
    names = {p.name for p in CONTENT_FIXTURES.iterdir()}
    assert names == set(MD_SKIPPED) | set(MD_BUILT) | MD_ALONE | {"date_future.md"}


def test_bad_markdown_files_are_skipped_with_exact_messages(built) -> None:  # type: ignore[no-untyped-def]
    _, report = built
    assert sorted(report.skipped) == sorted(m.format(MD.format(n)) for n, m in MD_SKIPPED.items())


@pytest.mark.parametrize("name", sorted(MD_BUILT))
def test_markdown_article_is_built_clean(built, name: str) -> None:  # type: ignore[no-untyped-def]
    site, _ = built
    url, title = MD_BUILT[name]
    assert _h1(_page(site, url)) == title


def test_markdown_warnings_are_exact(built) -> None:  # type: ignore[no-untyped-def]
    _, report = built
    assert report.warnings == MD_WARNINGS


def test_the_rest_of_the_site_is_still_built(built) -> None:  # type: ignore[no-untyped-def]
    site, report = built
    assert report.articles == len(MD_BUILT) + len(GOOD) and report.excluded == {"drafts": 0, "future": 1}
    assert "<strong>good</strong>" in _page(site, f"{DAY}/a-good-story/")
    assert _h1(_page(site, "2025/07/02/another-good-story/")) == "Another good story"
    assert (site / "public/topics/etc/index.html").is_file() and (site / "public/sources/var/index.html").is_file()


def test_no_active_content_reaches_pages_or_feeds_after_build(built) -> None:  # type: ignore[no-untyped-def]
    site, _ = built
    assert site_problems(site / "public", skip=CHANNEL_DESCRIPTION) == []


def test_hostile_front_matter_reaches_feeds_only_as_text(built) -> None:  # type: ignore[no-untyped-def]
    site, _ = built
    rss = etree.fromstring((site / "public/feed.xml").read_bytes())
    item = next(i for i in rss.iter("item") if "minister" in i.findtext("link"))
    assert item.findtext("title") == MD_BUILT["xss_fields.md"][1]
    assert active_content(item.findtext("description")) == []
    assert active_content(item.findtext(CONTENT)) == []
    entry = next(i for i in json.loads((site / "public/feed.json").read_bytes())["items"] if "minister" in i["url"])
    assert entry["title"] == MD_BUILT["xss_fields.md"][1] and active_content(entry["content_html"]) == []


def test_every_output_file_is_inside_public(built) -> None:  # type: ignore[no-untyped-def]
    site, _ = built
    assert outside(site / "public") == []
    made = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    assert {p for p in made if not p.startswith(("public/", "content/", ".sitegen/"))} == {"site.yaml"}


def test_build_cli_prints_every_skipped_file_and_exits_1(built, capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    site, _ = built
    monkeypatch.setenv("SOURCE_DATE_EPOCH", NOW)
    assert main(["--site", str(site), "build"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert [line for line in err if not line.startswith("warning: ")] == [
        m.format(MD.format(n)) for n, m in sorted(MD_SKIPPED.items())]


# --- fixtures tested alone --------------------------------------------------------------------------------------
def _load(name: str, tz: str = "UTC"):  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    return load((CONTENT_FIXTURES / name).read_bytes(), MD.format(name), ZoneInfo(tz), load_taxonomy({}, False))


def _alone(tmp_path: Path, names: list[str], extra_yaml: str = "") -> tuple[Path, BuildReport]:
    site = write_site(tmp_path / "site", extra_yaml)
    _copy_content(site, names)
    article(site, "articles/good_one.md", GOOD["good_one.md"])
    return site, build(load_config(site))


def test_date_at_the_end_of_time_is_one_skipped_article(tmp_path: Path) -> None:
    _, report = _alone(tmp_path, ["date_overflow.md"])
    assert report.skipped == [(f"{MD.format('date_overflow.md')}:2: date: '9999-12-31T23:00:00-05:00' is out of range: "
                              "write a date between 0001 and 9999")]
    assert report.articles == 1


def test_date_at_the_start_of_time_in_a_western_timezone_is_skipped(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", "timezone: America/New_York\n")
    article(site, "articles/year1.md", "title: Year one\ndate: 0001-01-01T00:00:00+00:00")
    article(site, "articles/good.md", GOOD["good_one.md"])
    report = build(load_config(site))
    assert len(report.skipped) == 1 and report.skipped[0].startswith("content/articles/year1.md:2: date: ")
    assert report.articles == 1


def test_deep_ordered_list_is_refused_before_rendering() -> None:
    with pytest.raises(SourceError) as exc:
        _load("deep_ordered_list.md")
    assert re.fullmatch(r"content/articles/deep_ordered_list\.md:\d+: Markdown nested more than 60 levels deep: "
                        r"flatten the quote or list", str(exc.value))


def test_thousands_of_open_brackets_are_refused_before_rendering() -> None:
    with pytest.raises(SourceError) as exc:
        _load("deep_brackets.md")
    assert str(exc.value).startswith("content/articles/deep_brackets.md:5: ") and "nested" in str(exc.value)


def test_control_character_in_simple_front_matter_is_cleaned(tmp_path: Path) -> None:
    site, report = _alone(tmp_path, ["control_chars_raw.md"])
    assert report.skipped == [] and _h1(_page(site, f"{DAY}/rawcontrol/")) == "Rawcontrol"


def test_control_character_in_complex_front_matter_is_cleaned_too(tmp_path: Path) -> None:
    site, report = _alone(tmp_path, ["control_chars_raw_yaml.md"])
    assert report.skipped == [] and _h1(_page(site, f"{DAY}/rawcontrol/")) == "Rawcontrol"


def test_yaml_reader_errors_are_one_line_naming_the_line(tmp_path: Path) -> None:
    # Characters the YAML reader rejects are cleaned before either parser sees them, on either path.
    path = tmp_path / "a.md"
    text = "---\ntitle: Fine\ndate: 2025-07-01\nsummary: {a: b}\nauthor: Bad\x01name\n---\nBody.\n"
    meta, _, _ = frontmatter.split(text, str(path))
    assert meta["author"] == "Badname" and meta["summary"] == {"a": "b"}


def test_character_references_to_controls_never_reach_pages(tmp_path: Path) -> None:
    site, report = _alone(tmp_path, ["control_char_reference.md"])
    html = _page(site, f"{DAY}/character-references/")
    assert report.skipped == [] and "red</strong> and" in html
    assert XML_INVALID.findall(html) == []


def test_duplicate_ids_keep_distinct_feed_ids(tmp_path: Path) -> None:
    site, report = _alone(tmp_path, ["dup_id_a.md", "dup_id_b.md"])
    guids = [g.text for g in etree.fromstring((site / "public/feed.xml").read_bytes()).iter("guid")]
    assert len(guids) == 3 and len(set(guids)) == 3
    assert any(w.startswith(MD.format("dup_id_b.md")) and "'wire-7'" in w for w in report.warnings)


# --- size caps: a 50 MB file, made here and never committed ----------------------------------------------------
FIFTY_MB = 50 * 2**20


def _sparse(path: Path, head: bytes) -> Path:
    """A 50 MB file: a real head, then a hole (no disk used); read whole, it would be 'binary data'."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(head)
        fh.truncate(FIFTY_MB)
    return path


def _peak(run):  # type: ignore[no-untyped-def]
    tracemalloc.start()
    try:
        result = run()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_50_mb_raw_file_is_refused_by_size_without_being_read(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site")
    good = tmp_path / "inbox" / "good.txt"
    good.parent.mkdir()
    good.write_text(" date 2025-07-01 1\nSmall story\n(AP) Text.\n", encoding="utf-8")
    ingest(load_config(site), [good])                     # load the topic model before measuring
    big = _sparse(tmp_path / "inbox" / "big.txt", b" date 2025-07-01 2\nHuge story\n(AP) Text.\n")
    report, peak = _peak(lambda: ingest(load_config(site), [big, good]))
    assert [(o.status, o.reason) for o in report.outcomes] == [
        ("rejected", (f"{big}: file is 52,428,800 bytes, over the 2,000,000-byte limit (max_article_bytes in "
                     "site.yaml): split it or raise the limit")), ("unchanged", "")]
    assert peak < 5 * 2**20


def test_50_mb_markdown_file_is_refused_by_size_without_being_read(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site")
    article(site, "articles/good.md", GOOD["good_one.md"])
    build(load_config(site))
    _sparse(site / "content/articles/big.md", b"---\ntitle: Huge\ndate: 2025-07-01\n---\n")
    report, peak = _peak(lambda: build(load_config(site)))
    assert report.skipped == [("content/articles/big.md: file is over the 2,000,000-byte limit (max_article_bytes in "
                              "site.yaml)")]
    assert report.articles == 1 and peak < 5 * 2**20


# --- a hostile build cache: the allow-list unpickler runs nothing -------------------------------------------------
class _Shell:
    """Unpickles as a call to os.system (what a poisoned pickle does)."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[object, tuple[str]]:
        import os

        return (os.system, (self.command,))


def _poisoned(canary: Path) -> dict[str, bytes]:
    import pickle

    return {
        "os.system": pickle.dumps(_Shell(f"touch {canary}")),
        # builtins.getattr is mapped to a guard that allows only ZoneInfo._unpickle
        "getattr": b"cbuiltins\ngetattr\n(czoneinfo\nZoneInfo\nV__init__\ntR.",
        "eval": b"cbuiltins\neval\n(V__import__('os').system('touch " + str(canary).encode() + b"')\ntR.",
        "not a pickle": b"\x80\x05garbage",
    }


@pytest.mark.parametrize("payload", ["os.system", "getattr", "eval", "not a pickle"])
def test_poisoned_build_cache_runs_nothing_and_is_ignored(tmp_path: Path, payload: str) -> None:
    site = write_site(tmp_path / "site")
    article(site, "articles/good.md", GOOD["good_one.md"])
    canary = tmp_path / "PWNED"
    cache = site / ".sitegen" / "cache"
    cache.mkdir(parents=True)
    for name in ("build.pickle", "records-00.pickle", "records-31.pickle"):   # the state and article records
        (cache / name).write_bytes(_poisoned(canary)[payload])
    report = build(load_config(site))
    assert not canary.exists()
    assert report.articles == 1 and report.skipped == [] and (site / "public" / DAY / "a-good-story").is_dir()
