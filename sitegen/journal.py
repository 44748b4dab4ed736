"""Journaling the big mappings of a saved object: how they differ from the copy last written whole, so a save
writes a few hundred changed entries instead of all of them (the build cache's `build.pickle`, cache.py).

Mappings are named by paths of attribute names from the object (("manifest", "fingerprints")); the objects
holding them are dataclasses. A journal is (the rest of the object with those mappings empty, {path:
(entries changed or added, keys removed)}), always against the copy written whole: applying it to that copy
gives back the object saved.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

Path = tuple[str, ...]
Changes = dict[Path, tuple[dict[Any, Any], list[Any]]]
_MISSING = object()


@dataclass
class Disk:
    """The copy written whole, as loaded: what a save compares against."""

    base: str                        # its id (a journal names the copy it continues)
    size: int                        # its size in bytes
    maps: dict[Path, dict[Any, Any]]  # copies of its big mappings (the object's own may change in place)

    @property
    def entries(self) -> int:
        return sum(map(len, self.maps.values()))


def get(obj: Any, path: Path) -> dict[Any, Any] | None:
    """The mapping at `path`, None when there is none (a holder on the way is None)."""
    for name in path:
        obj = getattr(obj, name, None)
    return obj if type(obj) is dict else None


def _put(obj: Any, path: Path, value: dict[Any, Any]) -> None:
    for name in path[:-1]:
        obj = getattr(obj, name)
    object.__setattr__(obj, path[-1], value)   # holders may be frozen dataclasses


def copies(obj: Any, paths: tuple[Path, ...]) -> dict[Path, dict[Any, Any]]:
    """A copy of each mapping of `paths` that `obj` has."""
    return {path: dict(found) for path in paths if (found := get(obj, path)) is not None}


def hollow(obj: Any, paths: tuple[Path, ...]) -> Any:
    """`obj` (already a copy) with every mapping of `paths` empty, in copies of the objects holding them."""
    for path in paths:
        if get(obj, path) is None:
            continue
        holder = obj
        for name in path[:-1]:   # copy each holder before emptying its mapping: the caller's keep theirs
            copied = replace(getattr(holder, name))
            object.__setattr__(holder, name, copied)
            holder = copied
        _put(obj, path, {})
    return obj


def _diff(old: dict[Any, Any], new: dict[Any, Any]) -> tuple[dict[Any, Any], list[Any]]:
    """(entries of `new` that are not in `old` as they are, keys of `old` that `new` lacks)."""
    changed = {k: v for k, v in new.items() if (was := old.get(k, _MISSING)) is not v and was != v}
    added = sum(1 for k in changed if k not in old)
    removed = [k for k in old if k not in new] if len(new) - added != len(old) else []
    return changed, removed


def changes(disk: Disk, obj: Any, paths: tuple[Path, ...]) -> Changes:
    """How each mapping of `obj` differs from the copy written whole (only those that do)."""
    out: Changes = {}
    for path in paths:
        new = get(obj, path)
        if new is not None:
            changed, removed = _diff(disk.maps.get(path, {}), new)
            if changed or removed:
                out[path] = (changed, removed)
    return out


def apply(base: Any, kept: Any, changes: Changes, paths: tuple[Path, ...]) -> Any:
    """The journal (`kept`, the hollow object, and `changes`) applied to the copy written whole (`base`, whose
    mappings are updated in place and moved into `kept`)."""
    for path in paths:
        if get(kept, path) is None:
            continue
        mapping = get(base, path)
        if mapping is None:
            mapping = {}
        changed, removed = changes.get(path, ({}, []))
        mapping.update(changed)
        for key in removed:
            mapping.pop(key, None)
        _put(kept, path, mapping)
    return kept
