"""`sitegen serve`: the live-reload script is injected only into served HTML, edits trigger a rebuild and a
reload event, a failed build is served as a banner while the last good build stays up, ports are handled."""

from __future__ import annotations

import http.client
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sitehelpers import article, write_site

from sitegen.serve import EVENTS, LiveServer, LiveState, ServeError, inject

WAIT = 120  # seconds: only a safety net so a broken watcher fails the test instead of hanging it (CI can be slow)


class Log:
    """Collects what the server would print."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, line: str) -> None:
        self.lines.append(line)

    problem = detail = info


def _site(root: Path) -> Path:
    write_site(root)
    article(root, "articles/2025/07/21/older.md", "title: Older story\ndate: 2025-07-21\ntopics: [politics]")
    article(root, "articles/2025/07/22/story.md", "title: First title\ndate: 2025-07-22\ntopics: [politics]")
    return root


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=WAIT) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8")


class Events:
    """A client of the server-sent-events stream, as the injected script is."""

    def __init__(self, url: str) -> None:
        host = url.split("//", 1)[1].rstrip("/")
        self.conn = http.client.HTTPConnection(host, timeout=WAIT)
        self.conn.request("GET", EVENTS)
        self.response = self.conn.getresponse()
        assert self.response.getheader("Content-Type") == "text/event-stream"

    def next_reload(self) -> str:
        """Block until the next `reload` event; return its data (the build generation)."""
        event = ""
        give_up = time.monotonic() + WAIT   # keep-alive pings arrive meanwhile, so a socket timeout never fires
        while time.monotonic() < give_up:
            line = self.response.fp.readline().decode("utf-8").rstrip("\n")
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event == "reload":
                return line.split(":", 1)[1].strip()
        raise AssertionError(f"no reload event within {WAIT} s")

    def until(self, url: str, wanted: str, most: int = 5) -> str:
        """Wait for reload events until the page at `url` contains `wanted` (a save may take two builds)."""
        for _ in range(most):
            self.next_reload()
            page = _get(url)[1]
            if wanted in page:
                return page
        raise AssertionError(f"{wanted!r} never appeared at {url} after {most} rebuilds")

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def live(tmp_path: Path):  # type: ignore[no-untyped-def]
    server = LiveServer(_site(tmp_path / "site"), Log(), port=0)
    server.start()
    yield server
    server.stop()


def test_inject_puts_script_before_body_end_and_a_banner_only_after_a_failure() -> None:
    state = LiveState()
    page = b"<html><body><p>x</p></body></html>"
    served = inject(page, state)
    assert served.startswith(b"<html><body><p>x</p><script>") and served.endswith(b"</script></body></html>")
    assert EVENTS.encode() in served and b"sitegen-error" not in served
    state.publish("content/a.md:3: <bad> date")
    served = inject(page, state)
    assert b'<div id="sitegen-error" role="alert"' in served and b"content/a.md:3: &lt;bad&gt; date" in served
    assert inject(b"no body tag", state).startswith(b"no body tag<div id=")


def test_serves_built_pages_with_live_reload_and_leaves_disk_files_alone(live: LiveServer) -> None:
    status, html = _get(live.url)
    assert status == 200 and "First title" in html and f'new EventSource("{EVENTS}")' in html
    assert f'<link rel="canonical" href="{live.url}">' in html          # base_url is the local address
    assert "EventSource" not in (live.output / "index.html").read_text(encoding="utf-8")
    status, html = _get(live.url + "no/such/page/")
    assert status == 404 and "Page not found" in html and "EventSource" in html
    status, xml = _get(live.url + "feed.xml")
    assert status == 200 and "EventSource" not in xml
    with urllib.request.urlopen(live.url + "2025", timeout=WAIT) as r:   # folder URLs get their slash
        assert r.url == live.url + "2025/"


def test_edit_rebuilds_and_reloads_open_pages(live: LiveServer) -> None:
    events = Events(live.url)
    first = events.next_reload()              # sent on connect, so a page built meanwhile reloads at once
    story = live.rebuild.site / "content" / "articles" / "2025" / "07" / "22" / "story.md"
    story.write_text(story.read_text(encoding="utf-8").replace("First title", "Second title"), encoding="utf-8")
    assert events.next_reload() != first
    assert "<h1>Second title</h1>" in _get(live.url + "2025/07/22/second-title/")[1]
    assert any(line.startswith("changed: content/articles/2025/07/22/story.md") for line in live.log.lines)
    events.close()


def test_a_failed_build_is_shown_in_the_page_and_the_last_build_kept(live: LiveServer) -> None:
    events = Events(live.url)
    events.next_reload()
    templates = live.rebuild.site / "templates"
    templates.mkdir()
    (templates / "article.html").write_text('{% extends "default/article.html" %}\n{% block content %}'
                                            "{{ oops( }}{% endblock %}\n", encoding="utf-8")
    # templates/ did not exist when serving began: the new folder is watched too
    html = events.until(live.url + "2025/07/22/first-title/", 'id="sitegen-error"')
    assert "<h1>First title</h1>" in html            # the last good build is still served
    assert "templates/article.html:2: unexpected &#x27;}&#x27;, expected &#x27;)&#x27;" in html
    (templates / "article.html").unlink()
    events.next_reload()
    assert 'id="sitegen-error"' not in _get(live.url)[1]
    events.close()


def test_busy_port_is_a_clear_error_and_port_0_picks_a_free_one(tmp_path: Path) -> None:
    site = _site(tmp_path / "site")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ServeError, match=rf"port {port} on 127.0.0.1 is already in use.*--port 0"):
            LiveServer(site, Log(), port=port)
    server = LiveServer(site, Log(), port=0)
    assert not server.url.endswith(":0/")
    server.start()
    assert _get(server.url)[0] == 200
    server.stop()
    assert not server.output.parent.exists()      # the temporary build is removed
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(server.url, timeout=WAIT)


def test_cli_serve_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    site = _site(tmp_path / "site")
    # As from a terminal: SIGINT at its default even when this test run inherited it ignored (a job started in
    # the background by a non-interactive shell ignores SIGINT, and so would the server without this).
    proc = subprocess.Popen([sys.executable, "-m", "sitegen.cli", "--site", str(site), "serve", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"},
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    output = Output(proc)
    try:
        serving = output.first("serving ")
        assert serving.startswith("serving http://127.0.0.1:"), serving
        assert _get(serving.split()[1])[0] == 200
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=WAIT)
    text = output.all()
    assert proc.returncode == 0, text
    assert text.strip().endswith("sitegen serve: stopped") and "Traceback" not in text


class Output:
    """A subprocess's output read as it comes (a reader thread), so waiting for a line never hangs."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, args=(proc.stdout,), daemon=True)
        self.reader.start()

    def _read(self, stream) -> None:  # type: ignore[no-untyped-def]
        for line in iter(stream.readline, ""):
            self.lines.put(line)

    def first(self, prefix: str) -> str:
        """The first line starting with `prefix` (what came before is the first build's report)."""
        give_up = time.monotonic() + WAIT
        while time.monotonic() < give_up:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                continue
            self.seen.append(line)
            if line.startswith(prefix):
                return line
        raise AssertionError(f"no line starting {prefix!r} within {WAIT} s; got {self.seen}")

    def all(self) -> str:
        """Everything printed, once the process has ended."""
        self.reader.join(timeout=WAIT)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return "".join(self.seen)
