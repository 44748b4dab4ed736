"""The persistent build cache (`cache_dir`, default .sitegen/cache): parsed articles and the last build's
output manifest, so a rebuild re-reads only changed files and re-makes only changed outputs.

`build.pickle` holds the manifest and what the last build planned, and `build-journal.pickle` how the
latest build's differ from that (a rebuild does not write all 40 MB again; see BIG). The article records are
spread over RECORD_SHARDS files by folder (`records-NN.pickle`), and a build rewrites only the shards whose
records changed (an edit rewrites one of 32, not the whole 160 MB of a 100,000-article site). Each file is written
atomically and only trusted when its salt (sitegen version and the settings that shape parsing) matches; a
record stands on its own (it is checked against its file's mtime and size), so shards written by different
builds mix safely. The manifest is only trusted while the output folder still carries the build id recorded
with it. Loading uses an allow-list unpickler: only our own record types come back.
"""

from __future__ import annotations

import functools
import io
import json
import os
import pickle
import zlib
import zoneinfo
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from . import journal
from .manifest import Manifest
from .write import MARKER, write_atomic

RECORD_SHARDS = 32


class Entry(NamedTuple):
    """What the cache knows about one content file. (A named tuple, as content.Loaded and model.Article: a
    rebuild loads 100,000 of them, and a dataclass comes back with a dict of its fields to make.)"""

    stat: tuple[int, int]   # the file's (st_mtime_ns, st_size) when read (inputs.Stat)
    source_hash: str
    loaded: Any          # content.Loaded


@dataclass
class State:
    """Everything carried from one build to the next."""

    salt: str = ""
    records: dict[str, Entry] = field(default_factory=dict)   # content path (site-relative) -> entry
    manifest: Manifest = field(default_factory=Manifest)       # what the output folder holds
    plans: dict[str, tuple] = field(default_factory=dict)      # page groups planned (plans.Plans)
    weeks: dict[str, Any] = field(default_factory=dict)        # stories worked out per week (weeks.Memo)
    plan_index: tuple[str, dict, dict] | None = None   # (salt, each term's group, its count) (plans.Plans)
    published: Any = None                                      # delta.Snapshot of the published articles
    pages: dict[str, str] = field(default_factory=dict)        # standalone pages' HTML by body digest
    origin: dict[str, Entry] = field(default_factory=dict, repr=False)   # records as loaded (not saved)
    disk: Any = field(default=None, repr=False)                # the build file as loaded (journal.Disk; not saved)


_ALLOWED = {
    ("sitegen.cache", "State"), ("sitegen.cache", "Entry"), ("sitegen.content", "Loaded"),
    ("sitegen.model", "Article"), ("sitegen.model", "restore"), ("sitegen.delta", "Snapshot"), ("sitegen.manifest", "Manifest"),
    ("datetime", "datetime"), ("datetime", "date"), ("datetime", "timezone"), ("datetime", "timedelta"),
    ("zoneinfo", "ZoneInfo"), ("zoneinfo._zoneinfo", "ZoneInfo"),
    ("builtins", "set"), ("builtins", "frozenset"), ("copyreg", "_reconstructor"), ("builtins", "object"),
}


def _getattr(obj: Any, name: str) -> Any:
    """The one attribute lookup pickled data may ask for: how a ZoneInfo rebuilds itself."""
    if obj is zoneinfo.ZoneInfo and name == "_unpickle":
        return zoneinfo.ZoneInfo._unpickle  # type: ignore[attr-defined]
    raise pickle.UnpicklingError(f"attribute {name!r} is not allowed in the build cache")


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("builtins", "getattr"):
            return _getattr
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the build cache")
        return super().find_class(module, name)


@dataclass
class Quick:
    """What a no-change rebuild needs to answer without reading anything else: the inputs it was made from
    and the report it gave."""

    inputs: str
    build_id: str
    valid_until: str | None       # ISO time the earliest left-out future article comes due
    report: dict[str, Any]


def load_quick(folder: Path) -> Quick | None:
    """The last build's input fingerprint, if any."""
    try:
        data = json.loads((folder / "inputs.json").read_text(encoding="utf-8"))
        return Quick(data["inputs"], data["build_id"], data["valid_until"], data["report"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_quick(folder: Path, quick: Quick) -> None:
    """Record this build's input fingerprint."""
    write_atomic(folder / "inputs.json", json.dumps(vars(quick), sort_keys=True).encode("utf-8"), sync=False)


def _read(path: Path) -> Any:
    try:
        with open(path, "rb") as fh:
            return _Unpickler(io.BufferedReader(fh)).load()  # type: ignore[arg-type]
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError, TypeError, ImportError):
        return None


def _dump(obj: object, fh: BinaryIO) -> None:
    pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)   # streamed: no copy of the bytes in memory


def _shard(rel: str) -> int:
    """The records file of a content path: by its folder, so a day's new articles land in one file."""
    return zlib.crc32(rel.rpartition("/")[0].encode("utf-8", "surrogatepass")) % RECORD_SHARDS


# --- build.pickle and its journal ---------------------------------------------------------------------------
# The big mappings of the build file (paths of attributes from State). A rebuild changes a few hundred of
# their 100,000s of entries: it writes how they differ from the build file to `build-journal.pickle`, with
# the rest of the state (small), instead of writing the whole file again (0.4 s at 100,000 articles), until
# the journal holds JOURNAL_SHARE of the entries the build file does, or a quarter of its bytes (a changed
# term's page group, remembered whole, can hold thousands of entries); then the build file is written whole.
BIG: tuple[tuple[str, ...], ...] = (
    ("manifest", "fingerprints"), ("plans",), ("weeks",), ("published", "published"), ("published", "copies"),
    ("published", "threads"), ("published", "pages"))
JOURNAL_SHARE, JOURNAL_BYTES = 0.05, 0.25


def _load_build(folder: Path, expected_salt: str) -> State:
    """The build file with its journal applied; an absent, unreadable or stale one is an empty state."""
    data = _read(folder / "build.pickle")
    try:
        size = (folder / "build.pickle").stat().st_size
    except OSError:
        data = None
    if not (type(data) is tuple and len(data) == 2 and isinstance(data[1], State)
            and data[1].salt == expected_salt):
        return State(salt=expected_salt)
    base, state = data
    maps = journal.copies(state, BIG)
    kept = _read(folder / "build-journal.pickle")
    if (type(kept) is tuple and len(kept) == 3 and kept[0] == base and isinstance(kept[1], State)
            and kept[1].salt == expected_salt and type(kept[2]) is dict):
        try:
            state = journal.apply(state, kept[1], kept[2], BIG)
        except (TypeError, ValueError, AttributeError, KeyError):
            return State(salt=expected_salt)   # a journal of another shape: start afresh, never half-applied
    state.disk = journal.Disk(base, size, maps)
    return state


def _saved(state: State) -> State:
    """What the build file keeps of a state: all but the records (their own files) and what was loaded."""
    return replace(state, records={}, origin={}, disk=None)


def _save_build(folder: Path, state: State) -> None:
    """Write how the state differs from the build file to the journal, or, once the journal would hold
    JOURNAL_SHARE of the build file's entries (or JOURNAL_BYTES of its bytes), write the build file whole."""
    disk: journal.Disk | None = state.disk
    if disk is not None:
        changes = journal.changes(disk, state, BIG)
        if sum(len(changed) + len(removed) for changed, removed in changes.values()) <= JOURNAL_SHARE * disk.entries:
            data = pickle.dumps((disk.base, journal.hollow(_saved(state), BIG), changes),
                                protocol=pickle.HIGHEST_PROTOCOL)
            if len(data) <= JOURNAL_BYTES * disk.size:
                write_atomic(folder / "build-journal.pickle", data, sync=False)
                return
    base = os.urandom(8).hex()
    # The build file first, then the journal: a journal naming another build file is never applied.
    write_atomic(folder / "build.pickle", functools.partial(_dump, (base, _saved(state))), sync=False)
    (folder / "build-journal.pickle").unlink(missing_ok=True)
    state.disk = None   # this state is saved whole: a later save of it writes the whole file again


def load(folder: Path, expected_salt: str) -> State:
    """Read the cache; an absent, unreadable or stale file is simply empty."""
    state = _load_build(folder, expected_salt)
    records: dict[str, Entry] = {}
    for n in range(RECORD_SHARDS):
        part = _read(folder / f"records-{n:02d}.pickle")
        if type(part) is tuple and len(part) == 2 and part[0] == expected_salt and type(part[1]) is dict:
            records.update(part[1])
    state.records, state.origin = records, dict(records)
    return state


def save(folder: Path, state: State) -> None:
    """Write the cache: the records files whose records changed since `load`, then the rest, each atomically."""
    parts: list[dict[str, Entry]] = [{} for _ in range(RECORD_SHARDS)]
    dirty = {_shard(rel) for rel in state.origin.keys() - state.records.keys()}
    for rel, entry in state.records.items():
        n = _shard(rel)
        parts[n][rel] = entry
        if state.origin.get(rel) is not entry:
            dirty.add(n)
    for n in sorted(dirty):
        write_atomic(folder / f"records-{n:02d}.pickle", functools.partial(_dump, (state.salt, parts[n])),
                     sync=False)
    _save_build(folder, state)
    state.origin = dict(state.records)


def output_build_id(output: Path) -> str:
    """The build id recorded in an output folder's marker file ("" when none)."""
    try:
        text = (output / MARKER).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
    for line in text.splitlines():
        if line.startswith("build: "):
            return line[7:].strip()
    return ""

