"""What cached data and outputs were made by: sitegen's version and code, and the libraries that shape what a
build makes. A digest of these goes into every salt (cache.py, pipeline.py), so changing any of them
invalidates what was made with the old ones."""

from __future__ import annotations

import functools
import hashlib
import os
import sys
from pathlib import Path
from typing import Any

from . import __version__

FORMAT = 5   # of the build cache's files


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
