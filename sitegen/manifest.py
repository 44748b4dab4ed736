"""What the output folder holds, as the build cache remembers it, and what a new plan must make: the last
build's outputs (path -> fingerprint, the salt and template digests they were made under) + this build's
jobs and carried entries -> the jobs to make, the paths to remove, and the new manifest with its build id.

A job's bytes are a function of the salt (sitegen's code and the settings), its template (and every
template that one pulls in) and its fingerprint: an output whose three are unchanged is left as it is.
The build id names the whole output: a digest of the salt, the template digests and the sum of one
128-bit hash per (path, fingerprint). A sum can be updated by the entries that changed alone, so a
rebuild never sorts or hashes all 200,000 entries of a 100,000-article site, and it is the same number
a clean build of the same content adds up.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from .jobs import Entry, Job, digest

MASK = (1 << 128) - 1


@dataclass
class Manifest:
    """The outputs of a build, as the next one compares them."""

    salt: str = ""                                        # the output salt they were made under
    fingerprints: dict[str, str] | None = None            # output path -> fingerprint
    templates: dict[str, str] | None = None               # template name -> its digest then
    total: int = 0                                        # sum of entry_hash over `fingerprints`, mod 2**128
    build_id: str = ""                                    # also written into the output's marker file


def entry_hash(path: str, fingerprint: str) -> int:
    """The 128-bit hash of one output entry."""
    data = f"{path}\x1f{fingerprint}".encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(data, digest_size=16).digest(), "big")


class Clash(ValueError):
    """Two outputs would be written to one path."""

    def __init__(self, paths: list[str]) -> None:
        super().__init__("; ".join(paths))
        self.paths = paths


@dataclass
class Change:
    """What a build must do to its output."""

    todo: list[int]          # indices of the jobs to make
    removed: list[str]       # paths of outputs no longer made, sorted
    manifest: Manifest       # the output once done


def compare(old: Manifest | None, planned: Sequence[Job], carried: Sequence[Entry], salt: str,
            templates: dict[str, str]) -> Change:
    """The jobs of `planned` to make and the outputs to remove, given the manifest of the output as it is
    (`old`, None when it cannot be trusted), this build's `salt` and the digests of its `templates`.
    `carried` are entries of outputs known to be unchanged (see plans.Plans). Raises Clash naming the paths
    two outputs share."""
    prints = {path: fp for path, _, fp in carried}
    prints.update({j.path: j.fingerprint for j in planned})
    if len(prints) != len(planned) + len(carried):
        seen: set[str] = set()
        paths = [j.path for j in planned] + [e[0] for e in carried]
        raise Clash(sorted({p for p in paths if p in seen or seen.add(p)}))  # type: ignore[func-returns-value]
    last = old.fingerprints if old is not None and old.salt == salt and old.fingerprints is not None else None
    was = last or {}
    before = (old.templates or {}) if last is not None and old is not None else {}
    stale = {t for t, d in templates.items() if before.get(t) != d}
    todo = [i for i, j in enumerate(planned) if was.get(j.path) != j.fingerprint or j.template in stale]
    removed = sorted(was.keys() - prints.keys())
    if last is None or old is None:
        total = sum(entry_hash(p, fp) for p, fp in prints.items()) & MASK
    else:
        total = old.total
        for path in [planned[i].path for i in todo] + removed:
            if path in was:
                total -= entry_hash(path, was[path])
            if path in prints:
                total += entry_hash(path, prints[path])
        total &= MASK
    ident = digest(f"{salt}\x1f{sorted(templates.items())!r}\x1f{total:032x}")
    return Change(todo, removed, Manifest(salt, prints, templates, total, ident))
