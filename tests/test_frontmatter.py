"""Front matter: YAML 1.1 traps, strictness, line numbers."""

from __future__ import annotations

import pytest

from sitegen import frontmatter
from sitegen.errors import SourceError


def test_yaml_11_values_stay_text() -> None:
    meta, body, line = frontmatter.split("---\ntitle: no\nid: 0403\nv: 1.10\non: off\ndraft: true\nx: ~\n---\nB\n", "a.md")
    assert meta == {"title": "no", "id": "0403", "v": "1.10", "on": "off", "draft": True, "x": None}
    assert (body, line) == ("B\n", 9)


def test_bom_and_crlf() -> None:
    meta, body, _ = frontmatter.split("\ufeff---\r\ntitle: ok\r\n---\r\nbody\r\n", "a.md")
    assert meta == {"title": "ok"} and body == "body\n"


@pytest.mark.parametrize("text, message", [
    ("title: x\n", "a.md:1: no front matter: start the file with a '---' line, then 'title:' and 'date:' lines, "
                   "then another '---' line"),
    ("---\ntitle: x\n", "a.md:1: front matter opened with '---' is never closed: add a '---' line after it"),
    ("---\ntitle: a\ntitle: b\n---\n", "a.md:3: YAML error: duplicate key 'title': keep one"),
    ("---\na: &x [1, 2]\nb: *x\n---\n", "a.md:2: YAML error: anchors and aliases (&name / *name) are not allowed "
                                         "in front matter"),
    ("---\n- a\n- b\n---\n", "a.md:2: front matter must be a mapping of 'key: value' lines, not a list"),
    ("---\n!!python/object/apply:os.system ['ls']\n---\n",
     "a.md:2: YAML error: could not determine a constructor for the tag "
     "'tag:yaml.org,2002:python/object/apply:os.system'"),
    ("---\n? [a]\n: 1\n---\n", "a.md:2: YAML error: found unhashable key"),
    ("---\n? \n---\n", "a.md:2: front matter key None is not text: write it as a plain word"),
    ("---\ntitle: [unclosed\n---\n", "a.md:3: YAML error: did not find expected ',' or ']'"),
    ("---\n\ttitle: tab\n---\n", "a.md:2: YAML error: found character that cannot start any token"),
    # YAML breaks lines at U+2028 too; the error still names the file's line (found by hypothesis)
    ("---\nauthor: [\u2028\u2028\u2028<b>\n---\n", "a.md:3: YAML error: did not find expected ',' or ']'"),
    ("---\nauthor: \u2028\u2028x\ntitle: [\n---\n", "a.md:3: YAML error: could not find expected ':'"),
])
def test_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(SourceError) as exc:
        frontmatter.split(text, "a.md")
    assert str(exc.value) == message


def test_billion_laughs_is_refused() -> None:
    bomb = "---\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" \
           "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n---\n"
    with pytest.raises(SourceError, match="anchors and aliases"):
        frontmatter.split(bomb, "a.md")


def test_join_quotes_what_yaml_11_would_retype() -> None:
    text = frontmatter.join({"title": "no", "id": "0403", "v": "1.10", "topics": ["a", "b"]}, "Body")
    assert text == "---\ntitle: 'no'\nid: '0403'\nv: '1.10'\ntopics: [a, b]\n---\nBody\n"


# --- the fast path answers exactly what the YAML loader answers ------------------------------------------------
from hypothesis import given, settings
from hypothesis import strategies as st

KEYS = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
WORDS = st.text(alphabet=st.sampled_from(list("ab AZ09.-_:#'\"[]{},&*!|>%@`~?\\/\u00e9\u2019")), max_size=20)
SCALARS = st.one_of(WORDS, st.booleans(), st.none(), st.lists(WORDS, max_size=4))
METAS = st.dictionaries(KEYS, st.one_of(SCALARS, st.dictionaries(KEYS, st.one_of(WORDS, st.booleans()), max_size=3)),
                        max_size=6)


@settings(max_examples=400, deadline=None)
@given(METAS)
def test_fast_path_matches_yaml_on_dumped_meta(meta: dict) -> None:
    lines = frontmatter.dump_yaml(meta).rstrip("\n").split("\n") if meta else []
    fast = frontmatter.fast_load(lines)
    if fast is not None:
        assert fast == frontmatter.load_yaml("\n".join(lines), "a.md")


LINES = st.lists(st.lists(st.sampled_from(list("ab: '\"[],#-&*!|>~\t?{}\\") + ["  ", "x: ", "true", "~", "k: "]),
                          max_size=10).map("".join), max_size=5)


@settings(max_examples=400, deadline=None)
@given(LINES)
def test_fast_path_matches_yaml_on_arbitrary_lines(lines: list[str]) -> None:
    fast = frontmatter.fast_load(lines)
    if fast is not None:
        assert fast == frontmatter.load_yaml("\n".join(lines), "a.md")


def test_ingest_front_matter_takes_the_fast_path() -> None:
    from sitegen.ingest import parse
    from sitegen.intake import article_text

    raw = parse(" date 2025-07-22 403\nIt's: a \"title\" [with] #marks & more\n(AP) Body: text # here.\n", "a.txt")
    text = article_text(raw, "slug", [("politics", 0.8), ("conflict", 0.4)], "a.txt")
    lines = text.split("\n")
    end = lines.index("---", 1)
    fast = frontmatter.fast_load(lines[1:end])
    assert fast is not None and fast == frontmatter.load_yaml("\n".join(lines[1:end]), "a.md")
    assert fast["title"] == "It's: a \"title\" [with] #marks & more"
