"""Page groups remembered between builds (plans.Plans): a group's entry holds its own jobs and the names of
the groups inside it; remembering it gives back every job of both, and a group whose inner groups are not all
remembered is planned again rather than losing pages."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from sitegen.jobs import Job, digest
from sitegen.plans import Plans


def _page(n: int) -> list[Job]:
    return [Job(f"term/page/{n}/index.html", "term.html", f"fp{n}", lambda: b"")]


def _term(plans: Plans, calls: list[str]) -> Iterator[Job]:
    calls.append("term")
    yield Job("term/index.html", "term.html", "fp-index", lambda: b"")   # a job of its own
    for n in range(1, 4):
        yield from plans.group(f"page {n}", partial(_page, n))


def _name(key: str) -> str:
    return digest(f"salt\x1f{key}")


def test_a_group_entry_holds_its_own_jobs_and_the_names_of_the_groups_inside_it() -> None:
    calls: list[str] = []
    first = Plans("salt")
    made = first.group("term", partial(_term, first, calls))
    assert [j.path for j in made] == ["term/index.html", *(f"term/page/{n}/index.html" for n in (1, 2, 3))]
    own, inner = first.new[_name("term")]
    assert own == (("term/index.html", "term.html", "fp-index"),)   # the pages' entries are theirs alone
    assert inner == tuple(_name(f"page {n}") for n in (1, 2, 3))
    assert first.new[_name("page 2")] == ((("term/page/2/index.html", "term.html", "fp2"),), ())

    again = Plans("salt", first.new, carry=True)   # carried: no job, every entry, every group kept
    assert again.group("term", partial(_term, again, calls)) == [] and calls == ["term"]
    assert sorted(again.carried) == sorted((j.path, j.template, j.fingerprint) for j in made)
    assert again.new == first.new

    jobs = Plans("salt", first.new).group("term", partial(_term, first, calls))   # not carried: jobs again
    assert sorted(j.path for j in jobs) == sorted(j.path for j in made) and calls == ["term"]
    assert jobs[1].make() == b"" and calls == ["term", "term"]   # made by planning the group again, once


def test_a_remembered_group_missing_an_inner_group_is_planned_again() -> None:
    calls: list[str] = []
    first = Plans("salt")
    first.group("term", partial(_term, first, calls))
    damaged = {name: entry for name, entry in first.new.items() if name != _name("page 3")}
    again = Plans("salt", damaged, carry=True)
    made = again.group("term", partial(_term, again, calls))
    # planned again: its own job and page 3 made, pages 1 and 2 (remembered) carried; every page is there
    assert [j.path for j in made] == ["term/index.html", "term/page/3/index.html"]
    assert again.carried == [("term/page/1/index.html", "term.html", "fp1"),
                             ("term/page/2/index.html", "term.html", "fp2")]
    assert calls == ["term", "term"] and again.new[_name("term")] == first.new[_name("term")]
