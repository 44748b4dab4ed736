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
import hashlib
import io
import json
import os
import pickle
import sys
import zlib
import zoneinfo
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO

from . import __version__
from .manifest import Manifest
from .write import MARKER, write_atomic

FORMAT = 3
RECORD_SHARDS = 32


@dataclass
class Entry:
    """What the cache knows about one content file."""

    mtime_ns: int
    size: int
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
    plan_index: tuple[str, dict] | None = None                 # (salt, the group each term had) (plans.Plans)
    published: Any = None                                      # delta.Snapshot of the published articles
    pages: dict[str, str] = field(default_factory=dict)        # standalone pages' HTML by body digest
    origin: dict[str, Entry] = field(default_factory=dict, repr=False)   # records as loaded (not saved)
    disk: Any = field(default=None, repr=False)                # the build file as loaded (_Disk; not saved)


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


def salt(*parts: Any) -> str:
    """A digest naming the sitegen version and whatever else must match for cached data to be valid."""
    blob = "\x1f".join([__version__, str(FORMAT), *map(repr, parts)])
    return hashlib.blake2b(blob.encode(), digest_size=16).hexdigest()


_PACKAGE: dict[tuple[str, ...], str] = {}


# Distributions whose work ends up in the output (Markdown's HTML, Jinja's, feedgen's XML, the sanitiser's
# choices, slugs, the search index) or in the cached records (YAML), by normalised name.
LIBRARIES = frozenset({"markdown", "jinja2", "markupsafe", "pyyaml", "feedgen", "lxml", "nh3", "anyascii",
                       "pagefind", "pagefind_bin"})


@functools.lru_cache(maxsize=1)
def libraries() -> tuple[str, ...]:
    """`name=version` of each installed distribution in LIBRARIES, and Python's version: upgrading one of
    them may change what a build makes, so it invalidates the cache as a sitegen change does. Read from
    the names of the metadata folders on sys.path (importing importlib.metadata alone costs 30 ms, a
    tenth of a no-change rebuild)."""
    found = {f"python={sys.version_info[0]}.{sys.version_info[1]}"}
    for entry in sys.path:
        try:
            with os.scandir(entry or ".") as names:
                for item in names:
                    if item.name.endswith((".dist-info", ".egg-info")):
                        name, _, version = item.name.rsplit(".", 1)[0].partition("-")
                        key = name.lower().replace("-", "_").replace(".", "_")
                        if key in LIBRARIES:
                            found.add(f"{key}={version.partition('-')[0]}")
        except OSError:
            continue
    return tuple(sorted(found))


def package_digest() -> str:
    """A digest of the installed sitegen package's code and data (topic model), by content, and of the
    versions of the libraries it relies on (`libraries`): editing sitegen itself or upgrading Markdown
    invalidates what it built, while two installs of the same code agree. Themes are left out:
    templates are tracked one by one (jobs.template_digests) and static files are outputs of their own.
    Contents are hashed once per process for a given set of file stats."""
    root = Path(__file__).parent
    files: list[tuple[str, str]] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", "themes"))
        files += [(os.path.join(folder, n), os.path.relpath(os.path.join(folder, n), root)) for n in sorted(names)
                  if not n.endswith((".pyc", ".pyo"))]
    stats = libraries() + tuple(f"{rel}|{os.stat(path).st_size}|{os.stat(path).st_mtime_ns}" for path, rel in files)
    if stats not in _PACKAGE:
        digest = hashlib.blake2b("\n".join(libraries()).encode(), digest_size=16)
        for path, rel in files:
            digest.update(rel.encode() + b"\0")
            with open(path, "rb") as fh:
                digest.update(fh.read())
        _PACKAGE[stats] = digest.hexdigest()
    return _PACKAGE[stats]


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
_MISSING = object()


@dataclass
class _Disk:
    """The build file as loaded: what a save compares the state against."""

    base: str                                    # the build file's id (a journal names the one it continues)
    size: int                                    # its size in bytes
    maps: dict[tuple[str, ...], dict[Any, Any]]  # copies of its BIG mappings


def _get(state: Any, path: tuple[str, ...]) -> dict[Any, Any] | None:
    obj = state
    for name in path:
        obj = getattr(obj, name, None)
    return obj if type(obj) is dict else None


def _set(state: Any, path: tuple[str, ...], value: dict[Any, Any]) -> None:
    obj = state
    for name in path[:-1]:
        obj = getattr(obj, name)
    object.__setattr__(obj, path[-1], value)   # Snapshot is a frozen dataclass


def _hollow(state: State) -> State:
    """The state without records and with every BIG mapping empty (in copies of the objects holding them)."""
    out = replace(state, records={}, origin={}, disk=None)
    for path in BIG:
        if _get(out, path) is None:
            continue
        obj: Any = out
        for name in path[:-1]:   # copy each holder before emptying its mapping: `state` keeps its own
            copied = replace(getattr(obj, name))
            object.__setattr__(obj, name, copied)
            obj = copied
        _set(out, path, {})
    return out


def _changes(old: dict[Any, Any], new: dict[Any, Any]) -> tuple[dict[Any, Any], list[Any]]:
    """(entries of `new` that are not in `old` as they are, keys of `old` that `new` lacks)."""
    changed = {k: v for k, v in new.items() if (was := old.get(k, _MISSING)) is not v and was != v}
    added = sum(1 for k in changed if k not in old)
    removed = [k for k in old if k not in new] if len(new) - added != len(old) else []
    return changed, removed


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
    maps = {path: dict(found) for path in BIG if (found := _get(state, path)) is not None}
    journal = _read(folder / "build-journal.pickle")
    if (type(journal) is tuple and len(journal) == 3 and journal[0] == base and isinstance(journal[1], State)
            and journal[1].salt == expected_salt and type(journal[2]) is dict):
        hollow, changes = journal[1], journal[2]
        for path in BIG:
            if _get(hollow, path) is None:
                continue
            mapping = _get(state, path)
            if mapping is None:
                mapping = {}
            changed, removed = changes.get(path, ({}, []))
            mapping.update(changed)
            for key in removed:
                mapping.pop(key, None)
            _set(hollow, path, mapping)
        state = hollow
    state.disk = _Disk(base, size, maps)
    return state


def _save_build(folder: Path, state: State) -> None:
    """Write how the state differs from the build file to the journal, or, once the journal would hold
    JOURNAL_SHARE of the build file's entries, write the build file whole (see BIG)."""
    disk: _Disk | None = state.disk
    if disk is not None:
        changes = {path: _changes(disk.maps.get(path, {}), new) for path in BIG
                   if (new := _get(state, path)) is not None}
        size = sum(len(changed) + len(removed) for changed, removed in changes.values())
        if size <= JOURNAL_SHARE * sum(map(len, disk.maps.values())):
            journal = pickle.dumps((disk.base, _hollow(state), {p: c for p, c in changes.items() if c[0] or c[1]}),
                                   protocol=pickle.HIGHEST_PROTOCOL)
            if len(journal) <= JOURNAL_BYTES * disk.size:
                write_atomic(folder / "build-journal.pickle", journal, sync=False)
                return
    base = os.urandom(8).hex()
    # The build file first, then the journal: a journal naming another build file is never applied.
    write_atomic(folder / "build.pickle", functools.partial(_dump, (base, replace(state, records={}, origin={},
                                                                                    disk=None))), sync=False)
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

