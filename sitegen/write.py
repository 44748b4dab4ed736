"""Writing files safely: one file atomically (`write_atomic`), an output path that cannot leave its folder
(`safe_join`), and the build lock. Replacing the output folder itself is outputs.py's job.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

MARKER = ".sitegen-output"


def write_atomic(path: Path, data: bytes | Callable[[BinaryIO], object], sync: bool = True) -> None:
    """Write `data` to `path` through a temporary file and a rename: never half-written. `data` may be a
    function that writes to the open file (a large cache streamed out without a copy in memory)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            if callable(data):
                data(fh)
            else:
                fh.write(data)
            if sync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def safe_join(root: Path, rel: str) -> str:
    """Join a relative output path under `root`, refusing anything that could escape it.

    The check is lexical (no `..`, no absolute or empty parts, no backslashes or NULs): output paths are
    made by urls.py from slugs, and the staging tree holds no symlinks, so nothing can redirect a write.
    """
    if (not rel or rel.startswith("/") or "\\" in rel or "\x00" in rel
            or any(part in ("", ".", "..") for part in rel.split("/"))):
        raise ValueError(f"refusing output path outside the site: {rel!r}")
    return f"{root}/{rel}"


class Locked(Exception):
    """Another sitegen process holds the site's build lock."""


@contextmanager
def build_lock(state_dir: Path, wait: bool = True, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the site's build lock (`.sitegen/build.lock`) so two builds never interleave their output.

    A second build waits for the first (after telling `on_wait` who holds the lock), or with `wait=False`
    raises `Locked`. The lock is an flock: it dies with its process, so a killed build never leaves it held.
    """
    import fcntl

    state_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(state_dir / "build.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "another process"
            message = f"{state_dir.parent}: another sitegen build is running (pid {holder})"
            if not wait:
                raise Locked(message + "; try again when it has finished") from None
            if on_wait:
                on_wait(message + "; waiting for it to finish")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)
