"""manifest.compare: which jobs to make, which outputs to remove, and a build id that an incremental build
updates from the changed entries alone yet equals the one a clean build adds up."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.jobs import Job
from sitegen.manifest import Clash, compare

TEMPLATES = {"page.html": "t1", "list.html": "t2"}
paths = st.sampled_from([f"p{i}/index.html" for i in range(12)] + ["feed.xml", "pagefind/2025-07/"])
outputs = st.dictionaries(paths, st.tuples(st.sampled_from(["page.html", "list.html", None]),
                                           st.sampled_from(["a", "b", "c"])), max_size=14)


def _jobs(spec: dict[str, tuple[str | None, str]]) -> list[Job]:
    return [Job(path, template, fp, lambda: b"") for path, (template, fp) in sorted(spec.items())]


@given(outputs, outputs, st.booleans(), st.booleans())
def test_an_incremental_compare_equals_a_clean_one(before: dict, after: dict, carry: bool,
                                                    new_template: bool) -> None:
    old = compare(None, _jobs(before), [], "salt", TEMPLATES).manifest
    templates = {**TEMPLATES, "page.html": "t1-edited"} if new_template else TEMPLATES
    # outputs unchanged since `before` may come as carried entries instead of jobs (when templates are too)
    kept = {p: v for p, v in after.items() if before.get(p) == v} if carry and not new_template else {}
    jobs = _jobs({p: v for p, v in after.items() if p not in kept})
    carried = [(p, t, fp) for p, (t, fp) in sorted(kept.items())]
    change = compare(old, jobs, carried, "salt", templates)
    clean = compare(None, _jobs(after), [], "salt", templates)
    assert change.manifest.build_id == clean.manifest.build_id and change.manifest.total == clean.manifest.total
    assert change.manifest.fingerprints == {p: fp for p, (_, fp) in after.items()}
    made = {jobs[i].path for i in change.todo}
    assert made == {p for p, (t, fp) in after.items()
                    if p not in kept and (before.get(p, (None, None))[1] != fp or (new_template and t == "page.html"))}
    assert change.removed == sorted(set(before) - set(after))


def test_other_settings_remake_everything_and_a_shared_path_is_refused() -> None:
    old = compare(None, _jobs({"a/index.html": ("page.html", "x")}), [], "salt", TEMPLATES).manifest
    again = compare(old, _jobs({"a/index.html": ("page.html", "x")}), [], "other salt", TEMPLATES)
    assert again.todo == [0] and again.manifest.build_id != old.build_id
    with pytest.raises(Clash) as err:
        compare(old, _jobs({"a/index.html": ("page.html", "x")}), [("a/index.html", "page.html", "x")], "salt",
                TEMPLATES)
    assert err.value.paths == ["a/index.html"]
