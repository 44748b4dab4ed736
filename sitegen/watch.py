"""Rebuild on change for `sitegen serve`: watch the site's folders (watchfiles), build one at a time into the
served folder, and publish each outcome to `LiveState`, which open pages wait on.
"""

from __future__ import annotations

import dataclasses
import threading
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

from .errors import BuildAborted, ConfigError, SitegenError


class Log(Protocol):
    def info(self, line: str) -> None: ...
    def problem(self, line: str) -> None: ...
    def detail(self, line: str) -> None: ...


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
