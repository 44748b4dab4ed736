"""Pagefind itself: whether it can run here, and so what a build does about search (Config -> `Mode`), and
running it: `index_files` turns records into one bundle's files through a `pagefind --service` process.

Kept apart from search.py (which decides the bundles and their records) so that a no-change rebuild decides
about search without importing the renderer.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from .config import Config
from .errors import SitegenError


@dataclass(frozen=True)
class Mode:
    """What this build does about search: make the index or not, and what the report says."""

    index: bool               # make the index bundles
    state: str                # the report's `search`: "on" or "off"
    warning: str = ""         # "search is off: <why>" when it was asked for but cannot be made
    version: str = ""         # the Pagefind version that makes the index

    @property
    def key(self) -> str:
        """Part of the build's input fingerprint: a rebuild after switching search on is never skipped."""
        return f"search={self.state}|{self.version}|{self.warning}"


def mode(cfg: Config, requested: bool | None = None) -> Mode:
    """Decide for this build: `requested` (build --no-search / serve --search) overrides site.yaml."""
    if not cfg.search or requested is False:
        return Mode(False, "off")
    version, why = probe()
    if not version:
        return Mode(False, "off", f"search is off: {why}; the rest of the site is built "
                    "(pip install 'pagefind[bin]', or build --no-search to silence this)")
    return Mode(True, "on", version=version)


def executable() -> str | None:
    """The Pagefind binary, looked up as Pagefind's Python wrapper does: $PAGEFIND_BINARY_PATH, the binary
    of the pagefind_bin_extended or pagefind_bin wheel, else `pagefind_extended` or `pagefind` on PATH.
    (The wheels are found without importing the wrapper, whose asyncio import costs a rebuild 0.1 s.)"""
    env = os.environ.get("PAGEFIND_BINARY_PATH")
    if env is not None:
        return env
    for package in ("pagefind_bin_extended", "pagefind_bin"):
        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            spec = None
        for folder in (spec.submodule_search_locations or []) if spec else []:
            for name in ("pagefind_extended", "pagefind", "pagefind_extended.exe", "pagefind.exe"):
                if os.path.isfile(os.path.join(folder, name)):
                    return os.path.join(folder, name)
    return shutil.which("pagefind_extended") or shutil.which("pagefind")


def probe() -> tuple[str, str]:
    """(version, "") when the Pagefind binary runs here, else ("", why not)."""
    exe = executable()
    if exe is None:
        return "", "the pagefind binary is not installed"
    try:
        st = os.stat(exe)
    except OSError as exc:
        return "", f"cannot run {exe}: {exc.strerror}"
    return _probe(exe, st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=8)
def _probe(exe: str, mtime_ns: int, size: int) -> tuple[str, str]:
    """Run `pagefind --version` once per binary (a few milliseconds)."""
    try:
        done = subprocess.run([exe, "--version"], capture_output=True, timeout=30, check=False)
    except OSError as exc:
        return "", f"cannot run {exe}: {exc.strerror or exc}"
    except subprocess.TimeoutExpired:
        return "", f"{exe} --version did not answer within 30 s"
    out = done.stdout.decode("utf-8", "replace").strip()
    if done.returncode != 0 or not out.startswith("pagefind "):
        tail = (done.stderr.decode("utf-8", "replace").strip().splitlines() or [out or "no output"])[-1]
        return "", f"{exe} --version failed (exit {done.returncode}): {tail[:200]}"
    return out.split()[1], ""


# --- Pagefind's service protocol: base64 JSON messages, each followed by "," --------------------------------
def _message(n: int, payload: dict) -> bytes:
    return base64.b64encode(json.dumps({"message_id": n, "payload": payload}).encode("utf-8")) + b","


def index_files(records: Sequence[dict], lang: str, keep: re.Pattern[str], what: str) -> dict[str, bytes]:
    """Index `records` in a new index of this process's `pagefind --service` and return the bundle's files
    that `keep` matches.

    Pagefind's Python wrapper polls its process every 0.1 s per message (100 s for 1,000 records); this
    speaks the same protocol directly: every record is written at once by a thread while replies are read.
    One service runs per process and makes its bundles one after another (each index deleted once read):
    starting Pagefind costs about 0.04 s, paid once per worker rather than once per bundle.
    """
    exe = executable()
    if exe is None:
        raise SitegenError(f"search index {what}: the pagefind binary is missing; build --no-search builds "
                           "the site without search")
    global _SERVICE
    service = _SERVICE
    if service is None or not service.usable(exe):
        close_service()
        try:
            service = _SERVICE = _Service(exe)
        except OSError as exc:
            raise SitegenError(f"search index {what}: cannot run {exe}: {exc.strerror or exc}") from None
    try:
        return service.index(records, lang, keep, what)
    except (OSError, ValueError, KeyError) as exc:
        tail = service.error_tail() or str(exc)
        close_service()   # its state is unknown after a failure: the next bundle starts a new one
        raise SitegenError(f"search index {what}: pagefind failed: {tail[:300]} (build --no-search "
                           "builds the site without search)") from None


class _Service:
    """A `pagefind --service` process owned by the process that started it (forked workers start their own)."""

    def __init__(self, exe: str) -> None:
        self.exe, self.pid, self.next_id = exe, os.getpid(), 0
        self.errors = tempfile.TemporaryFile()   # noqa: SIM115 (open as long as the service runs)
        try:
            self.proc = subprocess.Popen([exe, "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=self.errors)
        except OSError:
            self.errors.close()
            raise
        assert self.proc.stdout is not None
        self.replies = _Replies(self.proc.stdout)
        # A forked worker that ends normally stops its own service on the way out (the build's process
        # stops its one when the build ends). Imported here: a no-change rebuild never needs it.
        import multiprocessing.util

        multiprocessing.util.Finalize(None, close_service, exitpriority=0)

    def usable(self, exe: str) -> bool:
        return self.exe == exe and self.pid == os.getpid() and self.proc.poll() is None

    def _ids(self, n: int) -> int:
        first, self.next_id = self.next_id, self.next_id + n
        return first

    def index(self, records: Sequence[dict], lang: str, keep: re.Pattern[str], what: str) -> dict[str, bytes]:
        stdin = self.proc.stdin
        assert stdin is not None
        n = self._ids(1)
        stdin.write(_message(n, {"type": "NewIndex", "config": {"force_language": lang}}))
        stdin.flush()
        index = self.replies.next(n, "NewIndex")["index_id"]
        first = self._ids(len(records) + 2)   # the records, GetFiles, DeleteIndex

        def write() -> None:
            try:
                for n, rec in enumerate(records, first):
                    stdin.write(_message(n, {"type": "AddRecord", "index_id": index, "url": rec["url"],
                                             "content": rec["content"], "language": rec["language"],
                                             "meta": rec["meta"], "filters": None, "sort": None}))
                stdin.write(_message(first + len(records), {"type": "GetFiles", "index_id": index}))
                stdin.write(_message(first + len(records) + 1, {"type": "DeleteIndex", "index_id": index}))
                stdin.flush()
            except OSError:
                pass    # the process died: the reader meets the end of its output and says so

        # Filters are left out on purpose: Pagefind writes filter values in hash-map order (not deterministic).
        writer = threading.Thread(target=write, name=f"pagefind-{what}", daemon=True)
        writer.start()
        try:
            for n in range(first, first + len(records)):
                self.replies.next(n, "IndexedFile")
            files = self.replies.next(first + len(records), "GetFiles")["files"]
            self.replies.next(first + len(records) + 1, "DeleteIndex")
        finally:
            writer.join()
        return {f["path"]: base64.b64decode(f["content"]) for f in files if keep.fullmatch(f["path"])}

    def error_tail(self) -> str:
        """The last line Pagefind wrote to its standard error, once it has ended (or been stopped)."""
        self.stop()
        try:
            self.errors.seek(0)
            lines = self.errors.read().decode("utf-8", "replace").strip().splitlines()
        except (OSError, ValueError):
            return ""
        return lines[-1] if lines else ""

    def stop(self) -> None:
        """End the process: closing its input makes it exit; it is killed if it does not within 10 s."""
        if self.proc.stdin and not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


_SERVICE: _Service | None = None


def close_service() -> None:
    """Stop this process's Pagefind service, if it has one (a forked worker's copy of its parent's is left
    alone: the parent owns that process)."""
    global _SERVICE
    service, _SERVICE = _SERVICE, None
    if service is not None and service.pid == os.getpid():
        service.stop()
        service.errors.close()


class _Replies:
    """Replies from the service, in order; an error reply or the end of output is a ValueError."""

    def __init__(self, stream) -> None:  # type: ignore[no-untyped-def]
        self.stream, self.buffer = stream, bytearray()

    def next(self, n: int, kind: str) -> dict:
        end, seen = self.buffer.find(b","), 0
        while end < 0:      # a reply may run to megabytes (GetFiles): look for its end in new bytes only
            chunk = self.stream.read1(1 << 20)
            if not chunk:
                raise ValueError("the pagefind process ended early")
            seen = len(self.buffer)
            self.buffer += chunk
            end = self.buffer.find(b",", seen)
        raw = bytes(self.buffer[:end])
        del self.buffer[:end + 1]
        reply = json.loads(base64.b64decode(raw))
        payload = reply.get("payload") or {}
        if payload.get("type") != kind or reply.get("message_id") != n:
            answer = payload.get("message") or payload.get("type")
            raise ValueError(f"pagefind answered {answer!r} to message {n}")
        return payload
