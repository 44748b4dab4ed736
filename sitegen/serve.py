"""`sitegen serve`: build into a temporary folder, serve it on localhost, rebuild on change, reload open tabs.

Files are watched with watchfiles; open pages get a small live-reload script (and, when the last build
failed, an error banner) injected into the HTML as it is served: the built files never contain them. The
script listens on a server-sent-events stream at `/__sitegen/events`.
"""

from __future__ import annotations

import errno
import html
import io
import os
import signal
import socket
import tempfile
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .errors import SitegenError
from .watch import LiveState, Log, Rebuilder, Watcher

EVENTS = "/__sitegen/events"
PING_EVERY = 15.0  # seconds between keep-alive comments, so a closed tab frees its thread soon


class ServeError(SitegenError):
    """The server could not start (e.g. the port is taken)."""


def inject(page: bytes, state: LiveState) -> bytes:
    """The page as served: plus the live-reload script, plus an error banner when the last build failed."""
    script = (f'<script>/* sitegen serve: live reload; not part of the built site */(() => {{'
              f'const gen = "{state.generation}"; const es = new EventSource("{EVENTS}");'
              f'es.addEventListener("reload", (e) => {{ if (e.data !== gen) location.reload(); }});}})();</script>')
    banner = ""
    if state.error:
        banner = ('<div id="sitegen-error" role="alert" style="position:fixed;inset:0 0 auto 0;z-index:2147483647;'
                  'max-height:60vh;overflow:auto;margin:0;padding:1rem;background:#7f1d1d;color:#fff;'
                  'font:14px/1.4 ui-monospace,monospace;box-shadow:0 2px 8px #0008">'
                  '<strong>sitegen: the last build failed; showing the previous one.</strong> '
                  'Fix the problem and save: this page reloads by itself.'
                  f'<pre style="white-space:pre-wrap;margin:.5rem 0 0">{html.escape(state.error)}</pre></div>')
    extra = (banner + script).encode("utf-8")
    at = page.lower().rfind(b"</body>")
    return page[:at] + extra + page[at:] if at >= 0 else page + extra


class Handler(SimpleHTTPRequestHandler):
    """Static files from the output folder, HTML with the live-reload script, and the event stream."""

    state: LiveState
    verbose: bool = False

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] == EVENTS:
            self._events()
        else:
            super().do_GET()

    def send_head(self):  # type: ignore[no-untyped-def]
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            if not self.path.split("?", 1)[0].endswith("/"):
                return super().send_head()   # redirects to the folder URL with its slash
            path = os.path.join(path, "index.html")
        if path.endswith(".html") and os.path.isfile(path):
            return self._html(Path(path).read_bytes(), 200)
        if not os.path.exists(path):
            missing = Path(self.directory) / "404.html"
            page = missing.read_bytes() if missing.is_file() else (
                b"<!doctype html><html><head><title>Not found</title></head><body><h1>Not found</h1>"
                b"<p>Nothing has been built yet.</p></body></html>")
            return self._html(page, 404)
        return super().send_head()

    def _html(self, page: bytes, status: int) -> io.BytesIO:
        body = inject(page, self.state)
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")   # every reload must show the newest build
        super().end_headers()

    def _events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        seen: int | None = None
        try:
            while not self.state.closed:
                current = self.state.wait(seen, PING_EVERY)
                message = f"retry: 1000\nevent: reload\ndata: {current}\n\n" if current != seen else ": ping\n\n"
                self.wfile.write(message.encode("utf-8"))
                self.wfile.flush()
                seen = current
        except (BrokenPipeError, ConnectionResetError):
            return   # the tab was closed or reloaded

    def log_message(self, format: str, *args: object) -> None:
        if self.verbose:
            super().log_message(format, *args)


class _ServerV6(ThreadingHTTPServer):
    address_family = socket.AF_INET6


def make_server(host: str, port: int) -> ThreadingHTTPServer:
    """Bind the HTTP server (port 0: any free port); a taken port is a `ServeError` saying what to do."""
    try:
        if ":" in host:   # an IPv6 address such as ::1
            return _ServerV6((host, port), Handler)
        return ThreadingHTTPServer((host, port), Handler)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(f"port {port} on {host} is already in use (another 'sitegen serve'?): stop it, "
                             "or pass --port N, or --port 0 for any free port") from None
        if exc.errno == errno.EACCES:
            raise ServeError(f"port {port}: permission denied (ports below 1024 need root); "
                             "pass --port 8000") from None
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def local_url(server: ThreadingHTTPServer, host: str) -> str:
    """The address to open in a browser, and the base_url the served build uses."""
    shown = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "[::1]"}.get(host, host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{server.server_address[1]}/"


class LiveServer:
    """The running preview: HTTP server, watcher and rebuild threads over a temporary output folder."""

    def __init__(self, site: Path, log: Log, host: str = "127.0.0.1", port: int = 8000, drafts: bool = False,
                 future: bool = False, verbose: bool = False, search: bool = False) -> None:
        from .config import load_config

        cfg = load_config(site)       # a missing or broken site.yaml at start is a usage error (exit 2)
        self.server = make_server(host, port)
        self.url = local_url(self.server, host)
        self.log = log
        self.state = LiveState()
        self._tmp = tempfile.TemporaryDirectory(prefix="sitegen-serve-")
        self.output = Path(self._tmp.name) / "public"
        handler = type("LiveHandler", (Handler,), {"state": self.state, "verbose": verbose})
        self.server.RequestHandlerClass = partial(handler, directory=str(self.output))  # type: ignore[assignment]
        self.rebuild = Rebuilder(cfg.root, self.url, self.output, self.state, log, drafts, future, search)
        folders = [cfg.content_dir, *(cfg.root / d for d in ("themes", "templates", "static"))]
        self.watcher = Watcher(cfg.root, folders, self.rebuild.request)
        self.stopped = threading.Event()
        self._threads = [
            threading.Thread(target=self.rebuild.loop, args=(self.stopped,), daemon=True, name="sitegen-rebuild"),
            threading.Thread(target=self.server.serve_forever, args=(0.2,), daemon=True, name="sitegen-http")]

    def start(self) -> None:
        """Watch, build once, then serve; a failed first build is served as an error page."""
        self.watcher.start()          # before the first build, so edits made during it are not missed
        self.rebuild.build()
        for t in self._threads:
            t.start()
        self.log.info(f"serving {self.url}  (Ctrl-C to stop)")

    def stop(self) -> None:
        """Stop every thread, close the socket and remove the temporary output folder."""
        self.stopped.set()
        self.state.close()
        self.watcher.stop()
        if self._threads[1].is_alive():
            self.server.shutdown()
        self.server.server_close()
        for t in self._threads:
            if t.is_alive():
                t.join(timeout=30)   # let a build in progress finish before its folder is removed
        self._tmp.cleanup()


def serve(site: Path, log: Log, host: str = "127.0.0.1", port: int = 8000, drafts: bool = False,
          future: bool = False, verbose: bool = False, search: bool = False) -> int:
    """Serve the site until Ctrl-C (or SIGTERM); return the exit code."""
    live = LiveServer(site, log, host, port, drafts, future, verbose, search)
    main = threading.current_thread() is threading.main_thread()   # only the main thread may set handlers
    previous = signal.signal(signal.SIGTERM, lambda *_: live.stopped.set()) if main else None
    try:
        live.start()
        while not live.stopped.wait(0.5):
            pass
    except KeyboardInterrupt:
        log.info("")
    finally:
        live.stop()
        if main:
            signal.signal(signal.SIGTERM, previous)
    log.info("sitegen serve: stopped")
    return 0
