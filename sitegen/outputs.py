"""Replacing the output folder: a whole new tree built beside it and swapped in (`Staging`), or a journaled
patch of the files that changed (`Patch`). Either way nothing is half-written: the output is untouched until
the commit, and a patch cut short leaves a journal that makes the next build rebuild whole. Files whose
bytes did not change are hard-linked from the old output, so their mtimes (and inodes) stay.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .write import MARKER, safe_join, write_atomic


class Staging:
    """A new output tree built beside `output`; `commit()` swaps it in, `abort()` throws it away.

    Files whose bytes equal the previous build's copy are hard-linked from it, so their mtimes stay.
    """

    def __init__(self, output: Path) -> None:
        self.output = output
        self.previous = output if (output / MARKER).is_file() else None
        check_output(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(dir=output.parent, prefix=f".{output.name}.staging-"))
        self._dirs: set[str] = set()

    def _target(self, rel: str) -> str:
        return _made_path(self.root, rel, self._dirs)

    def put(self, rel: str, data: bytes) -> bool:
        """Place one file; return True when new bytes were written, False when an identical copy was linked."""
        path = self._target(rel)
        if self.previous is not None and _linked(safe_join(self.previous, rel), path, data):
            return False
        with open(path, "xb") as fh:
            fh.write(data)
        return True

    def remove(self, rel: str) -> None:
        """Nothing to do: a fresh tree holds only what this build puts in it."""

    def commit(self, build_id: str = "", paths: Sequence[str] = ()) -> None:
        """Swap the finished tree in place of the output folder, then remove the old tree."""
        _write_marker(self.root, build_id)
        self.root.chmod(0o755)
        if self.output.exists():
            if not _exchange(self.root, self.output):
                old = self.output.with_name(f".{self.output.name}.old-{os.getpid()}")
                os.replace(self.output, old)
                os.replace(self.root, self.output)
                self.root = old
            _remove_tree(self.root)
        else:
            os.replace(self.root, self.output)

    def abort(self) -> None:
        """Throw the unfinished tree away; the output folder is untouched."""
        _remove_tree(self.root)


class Patch:
    """An incremental update: changed files are written beside the output, then moved in by `commit()`.

    Until `commit()` the output is untouched. `commit()` first records what it will do in a journal, then
    replaces each changed file with one atomic rename (a file is never half-written), removes dropped files,
    stamps the marker and deletes the journal. A journal left behind means a commit was cut short: the next
    build must not trust the output and rebuilds it whole (see `interrupted`).

    Files are staged flat, under a digest of their path (`flat`): a backdated article patches thousands of
    pages in as many folders, and a staging tree mirroring them cost a folder made and removed per page.
    Folders replaced whole (search bundles) are staged as trees (`tree`).
    """

    def __init__(self, output: Path, journal: Path) -> None:
        self.output, self.journal = output, journal
        self.root = Path(tempfile.mkdtemp(dir=output.parent, prefix=f".{output.name}.staging-"))
        self.tree, self.flat = self.root / "tree", self.root / "flat"
        self.tree.mkdir()
        self.flat.mkdir()
        self.removed: list[str] = []
        self._folders: tuple[str, ...] = ()   # folders replaced whole at commit (removed with a trailing "/")
        self._dirs: set[str] = set()

    def put(self, rel: str, data: bytes) -> bool:
        """Place one file; True when new bytes were written. Inside a folder being replaced whole (a search
        bundle, mostly unchanged) a file the old folder holds with these bytes is linked from it, not written
        again, so its mtime stays. (Elsewhere a job is only made when its fingerprint changed: its bytes are
        not compared, which would cost a read per file of a backdated article's thousands.)"""
        if not rel.startswith(self._folders):
            safe_join(self.output, rel)   # the same checks as every output path
            with open(os.path.join(self.flat, _flat_name(rel)), "xb") as fh:
                fh.write(data)
            return True
        path = self._target(rel)
        if _linked(safe_join(self.output, rel), path, data):
            return False
        with open(path, "xb") as fh:
            fh.write(data)
        return True

    def _target(self, rel: str) -> str:
        return _made_path(self.tree, rel, self._dirs)

    def remove(self, rel: str) -> None:
        """Drop a file, or (path ending with "/") a whole folder, from the output at commit."""
        safe_join(self.tree, rel.rstrip("/"))
        self.removed.append(rel)
        if rel.endswith("/"):
            self._folders += (rel,)

    def commit(self, build_id: str = "", paths: Sequence[str] = ()) -> None:
        """Move in the files put (`paths`: every path that may have been put, as workers put them), then
        drop the removed ones."""
        staged = set(os.listdir(self.flat))
        changed = sorted({rel for rel in paths if _flat_name(rel) in staged})
        if len(changed) != len(staged):
            raise RuntimeError(f"{self.flat}: staged files not among the paths given to commit")
        trees = sorted(str(p.relative_to(self.tree).as_posix()) for p in self.tree.rglob("*") if p.is_file())
        write_atomic(self.journal, ("\n".join(["put " + c for c in changed + trees] + ["rm " + r for r in self.removed])
                                    + "\n").encode("utf-8"))
        self._swap_folders()
        made: set[str] = set()
        for rel in changed:
            target = safe_join(self.output, rel)
            parent = os.path.dirname(target)
            if parent not in made:
                os.makedirs(parent, exist_ok=True)
                made.add(parent)
            os.replace(os.path.join(self.flat, _flat_name(rel)), target)
        for rel in self.removed:
            if not rel.endswith("/"):
                Path(safe_join(self.output, rel)).unlink(missing_ok=True)
                _prune(Path(safe_join(self.output, rel)).parent, self.output)
        _write_marker(self.output, build_id)
        self.journal.unlink()
        self.abort()

    def _swap_folders(self) -> None:
        """Replace each re-made folder (a search bundle) whole, in one atomic exchange where the system has
        one, so readers never see it half old, half new; drop folders that were not re-made."""
        for rel in self.removed:
            if not rel.endswith("/"):
                continue
            old, new = Path(safe_join(self.output, rel.rstrip("/"))), Path(safe_join(self.tree, rel.rstrip("/")))
            if not new.is_dir():
                shutil.rmtree(old, ignore_errors=True)
                continue
            if old.is_dir() and _exchange(new, old):
                pass   # the old folder now sits in the staging tree, removed with it
            else:
                shutil.rmtree(old, ignore_errors=True)
                old.parent.mkdir(parents=True, exist_ok=True)
                os.rename(new, old)

    def abort(self) -> None:
        _remove_tree(self.root)


def _made_path(root: Path, rel: str, made: set[str]) -> str:
    """`rel` under `root`, with its folder made (once: `made` remembers the folders made so far)."""
    path = safe_join(root, rel)
    parent = os.path.dirname(path)
    if parent not in made:
        os.makedirs(parent, exist_ok=True)
        made.add(parent)
    return path


def _linked(old: str, path: str, data: bytes) -> bool:
    """Hard-link `old` at `path` when it holds exactly `data` (so its mtime stays): False when there is no
    old copy, its bytes differ, or the file system has no links (then the caller writes the file)."""
    try:
        if os.stat(old).st_size == len(data):
            with open(old, "rb") as fh:
                if fh.read() == data:
                    os.link(old, path)
                    return True
    except OSError:
        pass
    return False


def _flat_name(rel: str) -> str:
    """The staging file name of an output path (a digest: paths hold folders, and may be long)."""
    return hashlib.blake2b(rel.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def interrupted(journal: Path) -> bool:
    """Whether an incremental commit was cut short (the output may mix two builds)."""
    return journal.exists()


def check_output(output: Path) -> None:
    """Refuse to replace a folder sitegen did not build."""
    if output.exists() and not (output / MARKER).is_file() and (not output.is_dir() or any(output.iterdir())):
        raise FileExistsError(
            f"{output}: exists, is not empty and was not built by sitegen; refusing to replace it. "
            "Empty or remove it, or set output_dir in site.yaml to another folder")


def _write_marker(root: Path, build_id: str) -> None:
    text = "built by sitegen; this folder is replaced on every build\n" + (f"build: {build_id}\n" if build_id else "")
    write_atomic(root / MARKER, text.encode("utf-8"), sync=False)


def _prune(folder: Path, stop: Path) -> None:
    while folder != stop and folder.is_relative_to(stop):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _remove_tree(path: Path) -> None:
    rm = shutil.which("rm")
    if rm and sys.platform.startswith("linux"):
        subprocess.run([rm, "-rf", "--", str(path)], check=False, stdin=subprocess.DEVNULL)
    else:
        shutil.rmtree(path, ignore_errors=True)


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
