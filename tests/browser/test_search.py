"""The search page in headless Chromium: Pagefind's index bundles, built by sitegen and served from the output
folder alone, find an article by a word of its body; a nonsense query finds nothing; without JavaScript the
page says search needs it; every request stays on the site."""

from __future__ import annotations

import pytest

from .browser_support import tool

pytestmark = pytest.mark.browser
RESULTS = "#search-results li"


def _search(page, query: str) -> str:  # type: ignore[no-untyped-def]
    """Type a query into the search box, press Enter and return the status line once results are shown."""
    page.fill("#search-q", query)
    page.press("#search-q", "Enter")
    page.wait_for_function("""() => {
        const s = document.getElementById('search-status').textContent;
        return s.startsWith('No results') || (/ results? for /.test(s) &&
            document.querySelectorAll('#search-results li').length > 0);
    }""")
    return page.locator("#search-status").inner_text()


def test_a_word_from_an_article_body_finds_it(served, page) -> None:  # type: ignore[no-untyped-def]
    base, public = served
    assert (public / "pagefind" / "main" / "pagefind.js").is_file()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(base)
    page.get_by_role("link", name="Search", exact=True).click()
    assert page.url == base + "search/"
    assert page.locator("h1").inner_text() == "Search"

    # "comet" is in the title and body of one article; the excerpt marks it
    assert _search(page, "comet") == "1 result for “comet”"
    hit = page.locator(RESULTS).first
    assert hit.locator("h2 a").inner_text() == "Probe reaches a comet"
    assert hit.locator("mark").first.inner_text().lower().startswith("comet")
    assert hit.locator(".meta").inner_text().split("\n")[:2] == ["20 Jul 2025", "Science Daily"]
    assert page.url == base + "search/?q=comet"   # the query is in the address: results can be linked to

    # a word only the bodies share finds every article; titles with markup come back as text
    status = _search(page, "paragraph")
    assert status == "12 results for “paragraph”"
    assert page.locator(RESULTS).count() == 10
    page.locator("#search-more").click()
    page.wait_for_function("document.querySelectorAll('#search-results li').length === 12")
    assert page.locator("#search-more").is_hidden()
    assert "Early election called for <autumn>" in page.locator(RESULTS + " h2 a").all_inner_texts()

    # a source's name finds its page and its articles
    _search(page, "Sports Desk")
    assert page.locator(RESULTS + " h2 a").first.inner_text() == "Sports Desk"

    page.locator("#search-q").fill("telescope")
    page.locator("#search-q").press("Enter")
    page.get_by_role("link", name="Telescope sees first light").click()
    assert page.url == base + "2025/07/22/telescope-sees-first-light/"
    assert page.problems == []
    assert [u for u in requests if not u.startswith(base)] == []   # no CDN, nothing from elsewhere


def test_nonsense_finds_nothing(served, page) -> None:  # type: ignore[no-untyped-def]
    base, _ = served
    page.goto(base + "search/")
    assert _search(page, "zqxjvw") == "No results for “zqxjvw”."
    assert page.locator(RESULTS).count() == 0
    assert _search(page, "comet") == "1 result for “comet”"     # a new query replaces the old answer
    assert _search(page, "qqqzzzx flurb") == "No results for “qqqzzzx flurb”."
    assert page.locator(RESULTS).count() == 0
    assert page.problems == []


def test_a_linked_query_runs_on_load(served, page) -> None:  # type: ignore[no-untyped-def]
    base, _ = served
    page.goto(base + "search/?q=marathon")
    page.wait_for_selector(RESULTS)
    assert page.locator("#search-q").input_value() == "marathon"
    assert page.locator(RESULTS + " h2 a").first.inner_text() == "Marathon record falls in the heat"
    assert page.problems == []


def test_without_javascript_the_page_says_so(served, browser) -> None:  # type: ignore[no-untyped-def]
    base, _ = served
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base + "search/")
    note = page.locator(".search-note")
    assert note.is_visible()
    assert "needs JavaScript" in note.inner_text()
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_results_pass_axe(served, browser, scheme: str) -> None:  # type: ignore[no-untyped-def]
    base, _ = served
    axe = tool("axe-core", "axe.min.js")
    context = browser.new_context(color_scheme=scheme, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(base + "search/?q=prices")
    page.wait_for_selector(RESULTS + " mark")
    page.add_script_tag(path=str(axe))
    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", tags)
    assert [f"{v['impact']} {v['id']}: {v['help']}" for v in result["violations"]] == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390   # fits a phone
    context.close()
