"""The only code that writes the site: atomic single files, and `publish` of a whole output tree.

A build is written into a staging folder beside the output folder and swapped in only when complete; files
whose bytes did not change are hard-linked from the previous output so their mtimes (and inodes) stay.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MARKER = ".sitegen-output"


@dataclass(frozen=True)
class OutputFile:
    """One file of the built site: a relative POSIX path and its bytes."""

    path: str
    data: bytes


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file and a rename: never half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def safe_join(root: Path, rel: str) -> Path:
    """Join a relative output path under `root`, refusing anything that could escape it."""
    pure = PurePosixPath(rel)
    if pure.is_absolute() or any(part in ("..", "") for part in pure.parts) or "\\" in rel or "\x00" in rel:
        raise ValueError(f"refusing output path outside the site: {rel!r}")
    path = root.joinpath(*pure.parts)
    if not path.resolve().is_relative_to(root.resolve()):
        raise ValueError(f"refusing output path outside the site: {rel!r}")
    return path


class Staging:
    """A new output tree being built beside `output`; `commit()` swaps it in, `abort()` removes it."""

    def __init__(self, output: Path) -> None:
        self.output = output
        self.previous = output if (output / MARKER).is_file() else None
        if output.exists() and self.previous is None and any(output.iterdir()):
            raise FileExistsError(
                f"{output}: exists, is not empty and was not built by sitegen; refusing to replace it. "
                "Empty or remove it, or set output_dir in site.yaml to another folder")
        output.parent.mkdir(parents=True, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(dir=output.parent, prefix=f".{output.name}.staging-"))
        self.written = 0
        self.linked = 0
        self.bytes_written = 0
        self._dirs: set[Path] = {self.root}

    def _parent(self, path: Path) -> None:
        parent = path.parent
        if parent not in self._dirs:
            parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(parent)

    def add(self, rel: str, data: bytes) -> None:
        """Place one file, linking the previous build's copy when its bytes are identical."""
        path = safe_join(self.root, rel)
        self._parent(path)
        if self.previous is not None:
            old = self.previous.joinpath(*PurePosixPath(rel).parts)
            try:
                if old.stat().st_size == len(data) and old.read_bytes() == data:
                    os.link(old, path)
                    self.linked += 1
                    return
            except OSError:
                pass  # no previous copy, or links unsupported: write a fresh file
        with open(path, "xb") as fh:
            fh.write(data)
        self.written += 1
        self.bytes_written += len(data)

    def copy_tree(self, src: Path, prefix: str = "") -> None:
        """Copy a folder of static assets into the tree (files already placed win)."""
        for path in sorted(src.rglob("*")):
            if path.is_file() and not any(p.startswith(".") for p in path.relative_to(src).parts):
                rel = (PurePosixPath(prefix) / path.relative_to(src).as_posix()).as_posix()
                if not safe_join(self.root, rel).exists():
                    self.add(rel, path.read_bytes())

    def commit(self) -> None:
        """Swap the finished tree in place of the output folder, then remove the old tree."""
        (self.root / MARKER).write_bytes(b"built by sitegen; this folder is replaced on every build\n")
        self.root.chmod(0o755)
        if self.output.exists():
            if not _exchange(self.root, self.output):
                old = self.output.with_name(f".{self.output.name}.old-{os.getpid()}")
                os.replace(self.output, old)
                os.replace(self.root, self.output)
                self.root = old
            shutil.rmtree(self.root, ignore_errors=True)
        else:
            os.replace(self.root, self.output)

    def abort(self) -> None:
        """Throw the unfinished tree away; the output folder is untouched."""
        shutil.rmtree(self.root, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two folders with Linux renameat2(RENAME_EXCHANGE); False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name or not hasattr(os, "O_DIRECTORY"):
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP if hasattr(errno, "ENOTSUP") else errno.EINVAL):
        return False
    raise OSError(err, os.strerror(err), str(b))


def clean_stale_staging(output: Path) -> None:
    """Remove staging folders left by a build that was killed."""
    for stale in output.parent.glob(f".{output.name}.staging-*"):
        shutil.rmtree(stale, ignore_errors=True)
    for stale in output.parent.glob(f".{output.name}.old-*"):
        shutil.rmtree(stale, ignore_errors=True)
