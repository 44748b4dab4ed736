"""Whether Pagefind can run here, and so what a build does about search: Config -> `Mode`.

Kept apart from search.py (which builds the index) so that a no-change rebuild decides this without importing
the renderer.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache

from .config import Config


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
