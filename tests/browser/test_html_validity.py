"""The Nu HTML checker (vnu.jar from npm's vnu-jar) over every page of the built test site and its CSS."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from .browser_support import KINDS, missing, tool

pytestmark = pytest.mark.validator


def test_every_page_kind_is_valid_html(served) -> None:  # type: ignore[no-untyped-def]
    _, public = served
    jar = tool("vnu-jar", "build", "dist", "vnu.jar")
    java = shutil.which("java")
    if java is None:
        missing("no java on PATH (the Nu checker needs Java 11+)")
    pages = sorted(public.rglob("*.html"))
    assert {p.relative_to(public).as_posix() for p in pages} >= {
        (path if path.endswith(".html") else path + "index.html") for path in KINDS.values()}
    run = subprocess.run([java, "-jar", str(jar), "--format", "json", "--also-check-css", "--also-check-svg",
                          *map(str, pages), str(public / "static" / "style.css")],
                         capture_output=True, text=True, timeout=600, check=False)
    messages = json.loads(run.stderr)["messages"]
    errors = [f"{m.get('url', '?').split(str(public))[-1]}:{m.get('lastLine', '?')}: {m['message']}"
              for m in messages if m["type"] == "error" or m.get("subType") == "fatal"]
    assert errors == [], "\n".join(errors)
    assert run.returncode == 0
