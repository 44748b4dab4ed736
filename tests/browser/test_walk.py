"""A reader's walk through the built test site in headless Chromium: home -> edition -> topic -> article
-> older/newer -> a feed; plus screenshots of every main page at phone and desktop widths."""

from __future__ import annotations

import pytest

from .browser_support import KINDS, SCREENSHOTS, SITE

pytestmark = pytest.mark.browser


def _at(page, url: str, h1: str, title: str) -> None:  # type: ignore[no-untyped-def]
    assert page.url == url
    assert page.locator("h1").first.inner_text() == h1
    assert page.title() == title


def test_walk_home_edition_topic_article_neighbours_feed(served, page) -> None:  # type: ignore[no-untyped-def]
    base, _ = served
    page.goto(base)
    assert page.title() == SITE
    editions = page.locator("section.edition h2 a")
    assert editions.all_inner_texts() == ["Tuesday 22 July 2025", "Monday 21 July 2025", "Sunday 20 July 2025"]

    editions.first.click()
    _at(page, base + "2025/07/22/", "Tuesday 22 July 2025", f"Tuesday 22 July 2025 · {SITE}")
    assert page.locator("nav.toc a").all_inner_texts() == ["Politics", "Economy", "Science", "Sport"]
    assert page.locator("nav.prevnext a[rel=prev]").get_attribute("href") == "/2025/07/21/"

    page.locator("#h-politics a").click()
    _at(page, base + "topics/politics/", "Politics", f"Politics · {SITE}")
    titles = page.locator("article.item h2 a").all_inner_texts()
    assert titles == ["Early election called for <autumn>", "Minister resigns after vote"]  # page_size 2

    page.get_by_role("link", name="Early election called for <autumn>").click()
    article = base + "2025/07/22/early-election-called-for-autumn/"
    _at(page, article, "Early election called for <autumn>", f"Early election called for <autumn> · {SITE}")
    assert page.locator(".crumbs a").all_inner_texts() == ["Tuesday 22 July 2025", "Politics"]
    assert page.locator("nav.prevnext a[rel=next]").count() == 0   # the newest politics story

    page.locator("nav.prevnext a[rel=prev]").click()
    older = base + "2025/07/21/minister-resigns-after-vote/"
    _at(page, older, "Minister resigns after vote", f"Minister resigns after vote · {SITE}")
    page.locator("nav.prevnext a[rel=next]").click()
    assert page.url == article

    feed = page.locator('head link[rel=alternate][type="application/rss+xml"]').first
    assert feed.get_attribute("title") == "Politics (RSS)"
    response = page.request.get(feed.get_attribute("href"))
    assert response.ok
    xml = response.text()
    assert "<rss" in xml and "<title>Early election called for &lt;autumn&gt;</title>" in xml
    with page.expect_response(base + "feed.xml") as footer_feed:
        page.get_by_role("link", name="RSS", exact=True).click()
    assert footer_feed.value.ok
    assert page.problems == []


@pytest.mark.parametrize("width,height,device", [(390, 844, "phone"), (1280, 900, "desktop")])
def test_every_page_kind_fits_the_screen_without_errors(served, page, width: int, height: int,  # type: ignore[no-untyped-def]
                                                        device: str) -> None:
    base, _ = served
    page.set_viewport_size({"width": width, "height": height})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    too_wide = []
    for name, path in KINDS.items():
        page.goto(base + path)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{device}.png"), full_page=True)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:   # nothing may push the page sideways on a phone
            too_wide.append(f"{name}: {scroll}px wide")
    assert too_wide == []
    assert page.problems == []   # no console errors or failed requests on any page kind
    assert (SCREENSHOTS / f"home-{device}.png").stat().st_size > 0
