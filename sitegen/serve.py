"""`sitegen serve`: build into a temporary folder, serve it on localhost, rebuild on change, reload open tabs.

Files are watched with watchfiles; open pages get a small live-reload script (and, when the last build
failed, an error banner) injected into the HTML as it is served: the built files never contain them. The
script listens on a server-sent-events stream at `/__sitegen/events`.
"""

from __future__ import annotations

import dataclasses
import errno
import html
import io
import os
import signal
import socket
import tempfile
import threading
import traceback
from collections.abc import Callable, Iterable
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Protocol

from .errors import BuildAborted, ConfigError, SitegenError

EVENTS = "/__sitegen/events"
PING_EVERY = 15.0  # seconds between keep-alive comments, so a closed tab frees its thread soon


class Log(Protocol):
    def info(self, line: str) -> None: ...
    def problem(self, line: str) -> None: ...
    def detail(self, line: str) -> None: ...


class ServeError(SitegenError):
    """The server could not start (e.g. the port is taken)."""


class LiveState:
    """What open pages need to know: the build generation (bumped on every rebuild) and the last error."""

    def __init__(self) -> None:
        self.generation = 0
        self.error = ""          # text of the last failed build, "" when it succeeded
        self.closed = False
        self._cond = threading.Condition()

    def publish(self, error: str) -> None:
        """Record a finished build and wake every waiting event stream."""
        with self._cond:
            self.generation += 1
            self.error = error
            self._cond.notify_all()

    def wait(self, seen: int | None, timeout: float) -> int:
        """Block until the generation differs from `seen` (or timeout, or close); return the current one."""
        with self._cond:
            self._cond.wait_for(lambda: self.closed or self.generation != seen, timeout)
            return self.generation

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()


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


class Rebuilder:
    """Builds the site into the served folder, one build at a time, recording the outcome in `state`."""

    def __init__(self, site: Path, base_url: str, output: Path, state: LiveState, log: Log,
                 drafts: bool = False, future: bool = False, search: bool = False) -> None:
        self.site, self.base_url, self.output, self.state, self.log = site, base_url, output, state, log
        self.drafts, self.future = drafts, future
        self.search = search   # the search index takes seconds per thousand articles: off unless asked
        self._pending = threading.Event()
        self._why: set[str] = set()
        self._lock = threading.Lock()

    def request(self, changed: set[str]) -> None:
        """Ask for a rebuild (called from the watcher threads)."""
        with self._lock:
            self._why |= changed
        self._pending.set()

    def loop(self, stop: threading.Event) -> None:
        """Rebuild whenever asked, until `stop`; changes during a build lead to one more build."""
        while not stop.is_set():
            if not self._pending.wait(0.2):
                continue
            self._pending.clear()
            with self._lock:
                changed, self._why = self._why, set()
            # editors save through temporary files: name the files that are still there
            why = sorted(p for p in changed if (self.site / p).exists()) or sorted(changed)
            self.log.info(f"changed: {why[0]}" + (f" and {len(why) - 1} more" if len(why) > 1 else ""))
            self.build(reload=True)

    def build(self, reload: bool = False) -> bool:
        """Build once; report problems in the terminal and to open pages; never raise."""
        from .pipeline import build

        try:
            report = build(self._config(), drafts=self.drafts, future=self.future, search=self.search)
        except ConfigError as exc:
            return self._failed("\n".join(exc.problems))
        except (BuildAborted, SitegenError, OSError) as exc:
            return self._failed(str(exc))
        except Exception as exc:  # noqa: BLE001 (a template error or a bug: show it, keep serving the last build)
            return self._failed(self._explain(exc))
        for w in report.warnings:
            self.log.detail(f"warning: {w}")
        for line in report.skipped:
            self.log.problem(line)
        self.log.info(report.summary() + ("; reloading open pages" if reload else ""))
        errors = "\n".join(report.skipped)
        self.state.publish(f"{len(report.skipped)} article(s) skipped:\n{errors}" if errors else "")
        return not errors

    def _explain(self, exc: Exception) -> str:
        """`template:line: error` for template mistakes (the usual cause), else the end of the traceback."""
        import jinja2

        if isinstance(exc, jinja2.TemplateSyntaxError):
            where = exc.filename or self._syntax_error_in() or exc.name or "a template"
            return f"{self._rel(where)}:{exc.lineno}: {exc.message}"
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith((".html", ".xml", ".txt"))]
        if isinstance(exc, jinja2.TemplateError) and frames:
            return f"{self._rel(frames[-1].filename)}:{frames[-1].lineno}: {type(exc).__name__}: {exc}"
        return "".join(traceback.format_exception(exc, limit=-8))

    def _syntax_error_in(self) -> str | None:
        """The site's template that fails to parse: errors from build worker processes lose the file name."""
        import jinja2

        env = jinja2.Environment()
        for folder in (self.site / "templates", self.site / "themes"):
            for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
                try:
                    if path.is_file():
                        env.parse(path.read_text(encoding="utf-8", errors="replace"))
                except jinja2.TemplateSyntaxError:
                    return str(path)
                except OSError:
                    continue   # deleted or unreadable while we looked: not the culprit
        return None

    def _rel(self, path: str) -> str:
        p = Path(path)
        return p.relative_to(self.site).as_posix() if p.is_absolute() and p.is_relative_to(self.site) else path

    def _failed(self, text: str) -> bool:
        self.log.problem(f"build failed; still serving the previous build:\n{text}")
        self.state.publish(text)
        return False

    def _config(self):  # type: ignore[no-untyped-def]
        from .config import config_from_mapping, load_config
        from .frontmatter import load_yaml

        cfg = load_config(self.site)   # reread every time: site.yaml may have changed
        raw = load_yaml((cfg.root / "site.yaml").read_text(encoding="utf-8-sig"), "site.yaml") or {}
        cfg = config_from_mapping(cfg.root, {**raw, "base_url": self.base_url})
        # output and build cache beside each other in the temporary folder: the site's own cache keeps
        # describing public/, so the next `sitegen build` stays incremental
        return dataclasses.replace(cfg, output_dir=self.output, cache_dir=self.output.parent / "cache")


class Watcher:
    """watchfiles on the site's folders (recursive) and on its root (not recursive, for site.yaml).

    site.yaml is watched through its folder because editors that save by renaming would end a watch on
    the file itself; a watched folder created (or removed) later restarts the folder watch, and only then
    asks for the rebuild, so files written into a new folder before its watch began are not missed.
    """

    def __init__(self, root: Path, folders: Iterable[Path], on_change: Callable[[set[str]], None]) -> None:
        self.root, self.folders, self.on_change = root, list(folders), on_change
        self.names = {"site.yaml"} | {f.name for f in self.folders if f.parent == root}
        self._stop = threading.Event()
        self._round = threading.Event()   # set to restart the folder watch with the folders that exist now
        self._threads = [threading.Thread(target=t, daemon=True, name=f"sitegen-watch-{i}")
                         for i, t in enumerate((self._watch_root, self._watch_folders))]

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        self._stop.set()
        self._round.set()
        for t in self._threads:
            t.join(timeout=10)

    def _watch_root(self) -> None:
        from watchfiles import watch

        relevant = lambda _change, path: Path(path).name in self.names
        for changes in watch(self.root, watch_filter=relevant, recursive=False, stop_event=self._stop,
                             debounce=300, raise_interrupt=False):
            if any(Path(p).name != "site.yaml" for _, p in changes):
                self._round.set()     # the folder watch restarts and reports the change itself
            if any(Path(p).name == "site.yaml" for _, p in changes):
                self.on_change({"site.yaml"})

    def _watch_folders(self) -> None:
        from watchfiles import DefaultFilter, watch

        watched: set[Path] | None = None
        while not self._stop.is_set():
            self._round.clear()
            existing = [f for f in self.folders if f.is_dir()]
            if watched is not None and set(existing) != watched:
                # asked for just before watch() below starts; the build reads templates and content later
                self.on_change({self._rel(str(f)) for f in set(existing) ^ watched})
            watched = set(existing)
            if not existing:
                self._round.wait()
                continue
            for changes in watch(*existing, watch_filter=DefaultFilter(), stop_event=self._round, debounce=300,
                                 raise_interrupt=False):
                self.on_change({self._rel(p) for _, p in changes})

    def _rel(self, path: str) -> str:
        p = Path(path)
        return p.relative_to(self.root).as_posix() if p.is_relative_to(self.root) else path


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
