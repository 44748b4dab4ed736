"""The article record (model.Article): made by keyword like a dataclass, immutable, `day` following `date`,
changed copies through `replace`, equal by value, and pickled as its values, refused in another shape."""

from __future__ import annotations

import datetime as dt
import pickle
from zoneinfo import ZoneInfo

import pytest

from sitegen import model
from sitegen.model import Article

BERLIN = ZoneInfo("Europe/Berlin")


def _art(**changes: object) -> Article:
    fields: dict = {"path": "content/articles/a.md", "title": "Harbour reopens", "slug": "harbour-reopens",
                    "date": dt.datetime(2025, 7, 22, 0, 30, tzinfo=BERLIN), "topics": ("politics",),
                    "entities": (("places", "Geneva"),), "signature": b"\x04\x00"} | changes
    return Article(**fields).with_digest()


def test_fields_defaults_and_day() -> None:
    art = _art()
    assert (art.path, art.title, art.slug, art.topics, art.source, art.summary, art.words, art.draft) == \
        ("content/articles/a.md", "Harbour reopens", "harbour-reopens", ("politics",), None, "", 0, False)
    assert art.day == dt.date(2025, 7, 22) and art.sort_key == (art.date, art.slug)   # the site's day, not UTC's
    assert len(art.digest) == 24
    with pytest.raises(AttributeError):
        art.title = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Article(path="a.md", title="t", date=art.date, slug="t", colour="red")  # type: ignore[call-arg]


def test_replace_changes_fields_and_day_follows_date() -> None:
    art = _art()
    moved = art.replace(date=dt.datetime(2025, 7, 23, 9, tzinfo=BERLIN), title="Harbour reopens again")
    assert moved.day == dt.date(2025, 7, 23) and moved.title == "Harbour reopens again"
    assert (art.day, art.title) == (dt.date(2025, 7, 22), "Harbour reopens")   # the original is unchanged
    assert moved.with_digest().digest != art.digest and art.replace().with_digest() == art
    with pytest.raises(TypeError):
        art.replace(day=dt.date(2020, 1, 1))   # derived, never set
    with pytest.raises(TypeError):
        art.replace(colour="red")


def test_equality_and_hash_are_by_value_and_type() -> None:
    a, b = _art(), _art()
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1 and a is not b
    assert a != _art(summary="Other") and a != tuple(a)   # never equal to a plain tuple of the same values
    assert "title='Harbour reopens'" in repr(a)


def test_pickles_as_its_values_and_refuses_another_shape() -> None:
    art = _art()
    back = pickle.loads(pickle.dumps(art, protocol=5))
    assert back == art and type(back) is Article and back.day == art.day
    with pytest.raises(ValueError):
        model.restore(tuple(art)[:-2] + (art.day,))   # a field short (another sitegen's record)
    with pytest.raises(ValueError):
        model.restore(tuple(art)[:-1] + ("2025-07-22",))   # not a day where the day goes
