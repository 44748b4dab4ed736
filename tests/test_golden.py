"""Golden site: tests/golden/<name>/{site.yaml, raw/, content/} ingested and built, compared file by file
with tests/golden/<name>/expected/. `pytest --update-golden` rewrites expected/ (review that diff like code)."""

from __future__ import annotations

import difflib
import re
import shutil
from pathlib import Path

import pytest

from sitegen.config import load_config
from sitegen.pipeline import build, ingest

GOLDEN = Path(__file__).parent / "golden"
# Theme assets are copied verbatim (their bytes are the theme's, not the build's); the output marker holds the
# build id, a digest of internal cache keys; the search bundles are Pagefind's bytes (any 1.x release), checked
# in test_search.py and in the browser.
SKIP = ("static/", ".sitegen-output", "pagefind/")
# The search page tags each bundle's URL with a cache key that includes sitegen's own code digest (so any
# release busts browser caches): the golden page shows it as "#TAG". test_search.py checks the tags change
# with the bundles' content and only then.
_TAG = re.compile(rb'(/pagefind/[\w-]+/#)[0-9a-f]{12}')


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): _TAG.sub(rb"\1TAG", p.read_bytes()) for p in sorted(root.rglob("*"))
            if p.is_file() and not p.relative_to(root).as_posix().startswith(SKIP)}


def _diff(expected: dict[str, bytes], actual: dict[str, bytes]) -> list[str]:
    out: list[str] = []
    for name in sorted(set(expected) | set(actual)):
        a, b = expected.get(name), actual.get(name)
        if a == b:
            continue
        if a is None or b is None:
            out.append(f"{'missing' if b is None else 'unexpected'} file: {name}")
            continue
        out.extend(difflib.unified_diff(a.decode("utf-8", "replace").splitlines(),
                                        b.decode("utf-8", "replace").splitlines(),
                                        f"expected/{name}", f"actual/{name}", lineterm=""))
    return out


def build_golden(name: str, tmp_path: Path) -> Path:
    """Copy a golden site, ingest its raw/ and build it; return the site folder."""
    src = GOLDEN / name
    site = tmp_path / name
    shutil.copytree(src, site, ignore=shutil.ignore_patterns("expected"))
    cfg = load_config(site)
    report = ingest(cfg, [site / "raw"])
    assert report.counts()["rejected"] == 0, report.text()
    build(cfg)
    return site


@pytest.mark.parametrize("name", sorted(p.name for p in GOLDEN.iterdir() if p.is_dir()))
def test_golden_site(name: str, tmp_path: Path, update_golden: bool) -> None:
    site = build_golden(name, tmp_path)
    actual = {f"content/{k}": v for k, v in _tree(site / "content").items()}
    actual.update({f"public/{k}": v for k, v in _tree(site / "public").items()})
    expected_dir = GOLDEN / name / "expected"
    if update_golden:
        shutil.rmtree(expected_dir, ignore_errors=True)
        for rel, data in actual.items():
            (expected_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (expected_dir / rel).write_bytes(data)
        pytest.skip(f"rewrote {expected_dir}")
    diff = _diff(_tree(expected_dir), actual)
    assert not diff, "golden output differs (run pytest --update-golden and review the diff):\n" + "\n".join(diff[:400])
