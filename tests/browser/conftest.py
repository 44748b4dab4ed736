"""Browser-suite fixtures: the test site built and served on a free localhost port, headless Chromium.

Chromium is Debian's (/usr/bin/chromium) driven by the Python Playwright package; Playwright's own browser
download is never used. axe-core and vnu.jar come from `.ci/node_modules` (npm, see .ci/package.json).
"""

from __future__ import annotations

import functools
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .browser_support import CHROMIUM, make_site, missing

# The machine notes' flags: no sandbox (root in CI), and no background traffic to Google's hosts, which a
# closed network refuses (noise, and slow starts).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--headless", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


class QuietHandler(SimpleHTTPRequestHandler):
    """A static file server that keeps the test output clean."""

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(base URL, output folder) of the test site, built for and served on a free localhost port."""
    from sitegen.config import load_config
    from sitegen.pipeline import build

    root = tmp_path_factory.mktemp("browser-site")
    public = root / "public"
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(public)))
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    make_site(root, base)
    report = build(load_config(root))
    assert not report.skipped and not report.warnings, (report.skipped, report.warnings)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base, public
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian Chromium through Playwright; skipped (with the reason) when either is missing."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        missing(f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package is missing (pip install -e '.[test,browser]'; .ci/run does)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    """A fresh page (own context) that records console errors and failed requests."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.problems = []  # type: ignore[attr-defined]
    pg.on("console", lambda m: m.type == "error" and pg.problems.append(f"console: {m.text}"))
    pg.on("pageerror", lambda e: pg.problems.append(f"page error: {e}"))
    # A request cut short because the test navigated on (the search page prefetches its index) is aborted,
    # not failed; a missing file still shows as an HTTP error below.
    pg.on("requestfailed", lambda r: "ERR_ABORTED" not in (r.failure or "")
          and pg.problems.append(f"request failed: {r.url} {r.failure}"))
    pg.on("response", lambda r: r.status >= 400 and pg.problems.append(f"HTTP {r.status}: {r.url}"))
    yield pg
    context.close()

