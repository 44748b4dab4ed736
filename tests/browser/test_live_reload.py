"""`sitegen serve` in a real browser: saving an article reloads the open tab by itself, a broken template
shows the error banner, fixing it takes the banner away; all without anyone pressing reload."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.serve import LiveServer

from .browser_support import make_site

pytestmark = pytest.mark.browser
WAIT_MS = 60_000   # only a safety net: a broken watcher fails the test instead of hanging it


class Log:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, line: str) -> None:
        self.lines.append(line)

    problem = detail = info


def test_saving_reloads_the_open_page(tmp_path: Path, browser) -> None:  # type: ignore[no-untyped-def]
    site = make_site(tmp_path / "site", "https://news.example.org/")
    live = LiveServer(site, Log(), port=0)
    live.start()
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(live.url + "2025/07/22/prices-fall-for-the-third-month/")
        assert page.locator("h1").inner_text() == "Prices fall for the third month"
        page.evaluate("window.__not_reloaded = true")    # gone once the page reloads itself

        story = site / "content" / "articles" / "2025" / "07" / "22" / "prices-fall.md"
        text = story.read_text(encoding="utf-8")
        story.write_text(text.replace("the first paragraph says", "the edited paragraph says"), encoding="utf-8")
        page.wait_for_function("() => !window.__not_reloaded", timeout=WAIT_MS)
        assert "the edited paragraph says" in page.locator("article .body").inner_text()
        page.goto(live.url + "2025/07/22/")

        templates = site / "templates"
        templates.mkdir()
        (templates / "day.html").write_text("{% extends 'default/day.html' %}{% block content %}{{ x( }}"
                                            "{% endblock %}", encoding="utf-8")
        page.wait_for_selector("#sitegen-error", timeout=WAIT_MS)
        banner = page.locator("#sitegen-error").inner_text()
        assert "the last build failed" in banner and "templates/day.html:1:" in banner
        assert page.locator("h1").inner_text() == "Tuesday 22 July 2025"   # the last good build is shown

        (templates / "day.html").unlink()
        page.wait_for_selector("#sitegen-error", state="detached", timeout=WAIT_MS)
        assert errors == []
    finally:
        context.close()
        live.stop()
