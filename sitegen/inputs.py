"""What a build reads, looked at cheaply: Config -> the article files with their stats, the template and static
folders, the build's notion of now, and one fingerprint of them all.

A no-change rebuild is answered from this fingerprint alone, so this module imports nothing heavy (no Jinja2,
Markdown or feed libraries): they load only when a build has work to do.
"""

from __future__ import annotations

import datetime as dt
import operator
import os
from pathlib import Path

from .config import Config
from .errors import ConfigError
from .jobs import digest

PACKAGE_THEMES = Path(__file__).parent / "themes"


Stat = tuple[int, int]   # (st_mtime_ns, st_size): the two fields of a file's stat a build compares, as a plain
# tuple (made, compared and printed at C speed a hundred thousand times a rebuild)
Scan = list[tuple[str, str, Stat]]   # (path, site-relative path, stat) of every article file


def content_files(cfg: Config) -> list[tuple[str, str]]:
    """(absolute path, site-relative path) of every article file: content/**/*.md except hidden entries and
    `pages/`, sorted."""
    return [(path, rel) for path, rel, _ in scan(cfg)]


def scan(cfg: Config) -> Scan:
    """Every article file with its modification time and size, sorted by site-relative path. A rebuild
    stats every file, so this is one pass of os.scandir over folder descriptors (each stat resolves one
    name, not the whole path: half the cost at 100,000 files). Like os.walk, symlinked folders are not
    entered, symlinked files are followed and a folder that cannot be listed is passed over."""
    root = str(cfg.content_dir)
    prefix = cfg.content_dir.relative_to(cfg.root).as_posix() if cfg.content_dir.is_relative_to(cfg.root) \
        else str(cfg.content_dir)
    out: Scan = []
    try:
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return out
    _scan_folder(fd, root, prefix, True, out)
    out.sort(key=_REL)
    return out


def _scan_folder(fd: int, folder: str, rel_dir: str, top: bool, out: Scan) -> None:
    """Add the article files under the open folder `fd` to `out`; closes `fd`."""
    try:
        entries = list(os.scandir(fd))
    except OSError:
        entries = []
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        if entry.is_dir():
            if not (top and name == "pages") and not entry.is_symlink():
                try:
                    sub = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
                except OSError:
                    continue
                _scan_folder(sub, f"{folder}/{name}", f"{rel_dir}/{name}", False, out)
        elif name.endswith(".md"):
            st = entry.stat()
            out.append((f"{folder}/{name}", f"{rel_dir}/{name}", (st.st_mtime_ns, st.st_size)))
    os.close(fd)


_REL = operator.itemgetter(1)


def theme_dirs(cfg: Config) -> list[Path]:
    """Template folders in lookup order (existing ones only)."""
    return _existing([cfg.root / "templates", cfg.root / "themes" / cfg.theme / "templates",
                      PACKAGE_THEMES / cfg.theme / "templates", PACKAGE_THEMES / "default" / "templates"])


def static_dirs(cfg: Config) -> list[Path]:
    """Static asset folders, highest priority first (site, site theme, installed theme, default)."""
    return _existing([cfg.root / "static", cfg.root / "themes" / cfg.theme / "static",
                      PACKAGE_THEMES / cfg.theme / "static", PACKAGE_THEMES / "default" / "static"])


def _existing(candidates: list[Path]) -> list[Path]:
    out: list[Path] = []
    for path in candidates:
        if path.is_dir() and path.resolve() not in [p.resolve() for p in out]:
            out.append(path)
    return out


def build_time() -> dt.datetime:
    """The build's notion of now: SOURCE_DATE_EPOCH when set (reproducible builds), else the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return dt.datetime.now(tz=dt.UTC)
    try:
        if not epoch.strip().isdigit():
            raise ValueError(epoch)
        return dt.datetime.fromtimestamp(int(epoch.strip()), tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        # The reproducible-builds specification: a malformed value is an error, never silently the clock.
        raise ConfigError([(f"SOURCE_DATE_EPOCH={epoch[:40]!r}: must be a whole number of seconds since 1970 "
                            "(or unset)")]) from None


def fingerprint(cfg: Config, files: Scan, code: str, *flags: object) -> str:
    """A digest of everything a build reads: articles, pages, templates, static files, settings, the sitegen
    code (`code`) and the build's flags."""
    parts = [code, repr(sorted(vars(cfg).items(), key=lambda kv: kv[0])), str(flags)]
    parts += [f"{rel}|{st[0]}|{st[1]}" for _, rel, st in files]
    for folder in [cfg.content_dir / "pages", *theme_dirs(cfg), *static_dirs(cfg)]:
        for path, dirs, names in os.walk(folder):
            dirs.sort()
            for name in sorted(names):
                st = os.stat(os.path.join(path, name))
                parts.append(f"{os.path.join(path, name)}|{st.st_mtime_ns}|{st.st_size}")
    yaml_st = os.stat(cfg.root / "site.yaml") if (cfg.root / "site.yaml").exists() else None
    parts.append(f"site.yaml|{yaml_st.st_mtime_ns if yaml_st else 0}|{yaml_st.st_size if yaml_st else 0}")
    return digest("\n".join(parts))
