"""`sitegen check`: build into a temporary folder, then verify the output tree -> `[Problem]` (`page: problem`).

Checked without a browser, fast enough for thousands of pages: every internal `href`/`src` (and `#fragment`)
resolves to a file, CSS `url()` assets exist, feeds, sitemaps and OPML are well-formed with their required
elements, and no two output paths collide (exactly, or on a case-insensitive file system).
"""

from __future__ import annotations

import dataclasses
import html
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from .config import Config
from .report import BuildReport, counted
from .urls import Urls
from .write import MARKER

Progress = Callable[[str, int, int], None]   # (stage, done, total), as build reports it
LINK_RE = re.compile(r"""\s(?:href|src|xlink:href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)
ID_RE = re.compile(r"""\sid\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)
CSS_URL_RE = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)""")
NOT_PAGES = ("mailto:", "tel:", "data:", "javascript:")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the built site: the output (or source) file and what is wrong."""

    page: str
    message: str

    def __str__(self) -> str:
        return f"{self.page}: {self.message}"


@dataclass
class CheckReport:
    """What `check_site` built and found."""

    build: BuildReport
    problems: list[Problem] = field(default_factory=list)
    pages: int = 0
    links: int = 0
    feeds: int = 0

    def summary(self) -> str:
        """One line for the terminal and CI logs."""
        return (f"check: {counted(self.build.articles, 'article')}, {counted(self.pages, 'page')}, "
                f"{counted(self.links, 'internal link')}, {self.feeds} feeds and sitemaps: "
                f"{counted(len(self.problems), 'problem')}, {counted(len(self.build.skipped), 'article')} skipped, "
                f"{counted(len(self.build.warnings), 'warning')}")


def check_site(cfg: Config, drafts: bool = False, future: bool = False,
               progress: Progress | None = None) -> CheckReport:
    """Build the site into a temporary folder (nothing published) and check what came out."""
    from .pipeline import build

    with tempfile.TemporaryDirectory(prefix="sitegen-check-") as tmp:
        out = Path(tmp) / "public"
        # a cache of its own: check must neither trust nor overwrite what the site's own builds recorded
        isolated = dataclasses.replace(cfg, output_dir=out, cache_dir=Path(tmp) / "cache")
        try:
            report = build(isolated, drafts=drafts, future=future, progress=progress)
        except FileExistsError as exc:  # Staging.add opens with "xb": a second page wrote the same file
            return CheckReport(BuildReport(), [Problem(_staged(str(exc.filename)), "two pages of the site "
                                                       "write this same output file; rename one")])
        checked = Checker(out, cfg.base_url).run(progress)
        checked.build = report
        return checked


class Checker:
    """The link, asset and feed checks over one built output folder."""

    def __init__(self, root: Path, base_url: str) -> None:
        self.root = root
        self.base_url = base_url
        self.base_path = Urls(base_url).base_path
        self.files = sorted(_walk(root))
        self.known = set(self.files)
        self.ids: dict[str, set[str]] = {}
        self.fragments: list[tuple[str, str, str]] = []   # (page, target file, fragment)
        self.report = CheckReport(BuildReport())

    def run(self, progress: Progress | None = None) -> CheckReport:
        """Check every file; return the report with problems in file order."""
        self._collisions()
        html_files = [f for f in self.files if f.endswith(".html")]
        for n, rel in enumerate(html_files, 1):
            self._page(rel)
            if progress:
                progress("links", n, len(html_files))
        for rel in self.files:
            if rel.endswith(".css"):
                self._css(rel)
            elif rel.endswith((".xml", ".opml", ".json")) or rel == "robots.txt":
                problems, urls = feed_problems(rel, (self.root / rel).read_bytes())
                for message in problems:
                    self._problem(rel, message)
                for url in urls:
                    self._link(rel, url, absolute_only=True)
                self.report.feeds += rel != "robots.txt"
        for page, target, frag in self.fragments:
            if frag not in self.ids.get(target, set()):
                self._problem(page, f"link to #{frag} in {target}: no element has id={frag!r}")
        self.report.pages = len(html_files)
        self.report.problems.sort(key=lambda p: p.page)
        return self.report

    def _problem(self, page: str, message: str) -> None:
        self.report.problems.append(Problem(page, message))

    def _collisions(self) -> None:
        seen: dict[str, str] = {}
        for rel in self.files:
            other = seen.setdefault(rel.casefold(), rel)
            if other != rel:
                self._problem(rel, f"differs from {other} only in letter case: they collide on "
                                   "case-insensitive file systems (macOS, Windows, some CDNs)")

    def _page(self, rel: str) -> None:
        text = (self.root / rel).read_text(encoding="utf-8", errors="replace")
        self.ids[rel] = {_first(m) for m in ID_RE.finditer(text)}
        for m in LINK_RE.finditer(text):
            self._link(rel, html.unescape(_first(m)))

    def _css(self, rel: str) -> None:
        text = (self.root / rel).read_text(encoding="utf-8", errors="replace")
        for m in CSS_URL_RE.finditer(text):
            self._link(rel, m.group(1).strip())

    def _link(self, page: str, url: str, absolute_only: bool = False) -> None:
        """Check one link found in `page`: internal ones must name an output file (and fragment)."""
        url = url.strip()
        if not url or url.startswith(NOT_PAGES) or url.startswith("//") and not url.startswith("//" + self._host()):
            return
        if url.startswith("#"):
            self._fragment(page, page, url[1:])
            return
        parts = urlsplit(url)
        if parts.scheme or parts.netloc:
            if not url.startswith(self.base_url.rstrip("/")):
                return   # another site
            path = parts.path or "/"
        elif absolute_only:
            self._problem(page, f"{url}: must be an absolute URL under {self.base_url}")
            return
        else:
            path = urljoin(self._page_url(page), parts.path)
        self.report.links += 1
        target = self._resolve(page, url, path)
        if target and parts.fragment:
            self._fragment(page, target, parts.fragment)

    def _resolve(self, page: str, url: str, path: str) -> str | None:
        if not (path + "/").startswith(self.base_path):
            self._problem(page, f"broken link {url}: outside the site's base path {self.base_path}")
            return None
        rel = unquote(path[len(self.base_path):])
        candidates = [rel + "index.html"] if rel == "" or rel.endswith("/") else [rel, rel + "/index.html"]
        for candidate in candidates:
            if candidate in self.known:
                return candidate
        self._problem(page, f"broken link {url}: no file {candidates[0]} in the built site")
        return None

    def _fragment(self, page: str, target: str, frag: str) -> None:
        if frag and frag != "top" and target.endswith(".html"):
            self.fragments.append((page, target, unquote(frag)))

    def _page_url(self, rel: str) -> str:
        return self.base_path + (rel.removesuffix("index.html"))

    def _host(self) -> str:
        return urlsplit(self.base_url).netloc


def _first(m: re.Match[str]) -> str:
    return next((g for g in m.groups() if g is not None), "")


def _walk(root: Path) -> Iterator[str]:
    for folder, _, names in os.walk(root):
        for name in names:
            rel = (Path(folder) / name).relative_to(root).as_posix()
            if rel != MARKER:
                yield rel


def _staged(path: str) -> str:
    """The output-relative part of a path inside a staging folder (`.public.staging-*/a/b` -> `a/b`)."""
    parts = Path(path).parts
    starts = [i for i, p in enumerate(parts) if ".staging-" in p]
    return "/".join(parts[starts[-1] + 1:]) if starts else path


# --- feeds, sitemaps, OPML, robots.txt ----------------------------------------------------------------------
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def feed_problems(rel: str, data: bytes) -> tuple[list[str], list[str]]:
    """(problems, absolute URLs to check) of one machine-readable file; unknown kinds pass untouched."""
    if rel == "robots.txt":
        text = data.decode("utf-8", errors="replace")
        return [], [line.split(":", 1)[1].strip() for line in text.splitlines()
                    if line.lower().startswith("sitemap:")]
    if rel.endswith(".json"):
        return _json_feed(data)
    from lxml import etree  # feedgen's own dependency; imported late so `check` alone pays for it

    try:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"], []
    kinds = {"rss": _rss, f"{ATOM}feed": _atom, f"{SITEMAP}urlset": _sitemap,
             f"{SITEMAP}sitemapindex": _sitemap, "opml": _opml}
    check = kinds.get(root.tag)
    return check(root) if check else ([], [])


def _need(el, paths: list[str], where: str, problems: list[str], ns: dict[str, str] | None = None) -> None:
    for path in paths:
        found = el.find(path, ns)
        if found is None or not (found.text or found.get("href") or "").strip():
            problems.append(f"{where}: missing required <{path.split('}')[-1]}>")


def _rss(root) -> tuple[list[str], list[str]]:
    from email.utils import parsedate_to_datetime

    problems: list[str] = []
    channel = root.find("channel")
    if root.get("version") != "2.0" or channel is None:
        return ["RSS: expected <rss version=\"2.0\"> with a <channel>"], []
    _need(channel, ["title", "link", "description"], "RSS channel", problems)
    urls = [channel.findtext("link", "")]
    urls += [a.get("href", "") for a in channel.iterfind(f"{ATOM}link") if a.get("rel") == "self"]
    for n, item in enumerate(channel.iterfind("item"), 1):
        if not (item.findtext("title") or item.findtext("description")):
            problems.append(f"RSS item {n}: needs a <title> or a <description>")
        _need(item, ["link", "guid", "pubDate"], f"RSS item {n}", problems)
        try:
            parsedate_to_datetime(item.findtext("pubDate", ""))
        except (TypeError, ValueError):
            problems.append(f"RSS item {n}: pubDate {item.findtext('pubDate')!r} is not an RFC 822 date")
        urls.append(item.findtext("link", ""))
    return problems, [u for u in urls if u]


def _atom(root) -> tuple[list[str], list[str]]:
    problems: list[str] = []
    _need(root, [f"{ATOM}id", f"{ATOM}title", f"{ATOM}updated"], "Atom feed", problems)
    links = {a.get("rel", "alternate"): a.get("href", "") for a in root.iterfind(f"{ATOM}link")}
    if "self" not in links:
        problems.append("Atom feed: missing <link rel=\"self\">")
    has_author = root.find(f"{ATOM}author") is not None
    urls = list(links.values())
    for n, entry in enumerate(root.iterfind(f"{ATOM}entry"), 1):
        _need(entry, [f"{ATOM}id", f"{ATOM}title", f"{ATOM}updated", f"{ATOM}link"], f"Atom entry {n}", problems)
        if not has_author and entry.find(f"{ATOM}author") is None:
            problems.append(f"Atom entry {n}: no <author> here or on the feed")
        urls += [a.get("href", "") for a in entry.iterfind(f"{ATOM}link")]
    return problems, [u for u in urls if u]


def _sitemap(root) -> tuple[list[str], list[str]]:
    locs = [(el.text or "").strip() for el in root.iter(f"{SITEMAP}loc")]
    return ([] if locs or root.tag.endswith("urlset") else ["sitemap index: no <loc>"]), locs


def _opml(root) -> tuple[list[str], list[str]]:
    problems = [] if root.find("body") is not None else ["OPML: missing <body>"]
    return problems, [el.get(k, "") for el in root.iter("outline") for k in ("xmlUrl", "htmlUrl") if el.get(k)]


def _json_feed(data: bytes) -> tuple[list[str], list[str]]:
    import json

    try:
        feed = json.loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        return [f"not valid JSON: {exc}"], []
    if not isinstance(feed, dict) or not str(feed.get("version", "")).startswith("https://jsonfeed.org/version/"):
        return [], []   # some other JSON file, not a feed
    problems = [] if isinstance(feed.get("title"), str) else ["JSON Feed: missing title"]
    items = feed.get("items")
    if not isinstance(items, list):
        return [*problems, "JSON Feed: items must be a list"], []
    urls = [u for u in (feed.get("home_page_url"), feed.get("feed_url")) if isinstance(u, str)]
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            problems.append(f"JSON Feed item {n}: missing id")
            continue
        if not any(isinstance(item.get(k), str) for k in ("content_html", "content_text")):
            problems.append(f"JSON Feed item {n}: needs content_html or content_text")
        if isinstance(item.get("url"), str):
            urls.append(item["url"])
    return problems, urls
