"""Readable, safe URL slugs: any text -> `^[a-z0-9]+(-[a-z0-9]+)*$`, never empty, never a path."""

from __future__ import annotations

import functools
import hashlib
import re

from anyascii import anyascii

MAX_LEN = 80
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Names Windows refuses as files or folders, whatever the extension.
_RESERVED = {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}


def slugify(text: str, max_len: int = MAX_LEN) -> str:
    """Transliterate to ASCII and join the alphanumeric runs with `-`; may return "" (see `slug_or`)."""
    if not text.isascii():
        # CJK characters transliterate to one syllable each: keep them apart so they read as words.
        text = "".join(f" {anyascii(c)} " if ord(c) >= 0x2E80 else c for c in text)
    ascii_text = anyascii(text).lower().replace("'", "").replace("\u2019", "")
    slug = _NON_ALNUM.sub("-", ascii_text).strip("-")
    if len(slug) > max_len:
        cut = slug[: max_len + 1]
        slug = cut[: cut.rfind("-")] if "-" in cut[: max_len] else slug[:max_len]
        slug = slug.strip("-")
    if slug in _RESERVED:
        slug += "-x"
    return slug


@functools.lru_cache(maxsize=1 << 16)   # names, topics and sources are slugged again and again in a build
def slug_or(text: str, *fallbacks: str) -> str:
    """Return the slug of `text`, else of the first fallback that gives one, else a short hash of `text`."""
    for candidate in (text, *fallbacks):
        slug = slugify(candidate)
        if slug:
            return slug
    return "a-" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]


def is_slug(value: str) -> bool:
    """Tell whether `value` is already a valid slug."""
    return bool(SLUG_RE.match(value)) and len(value) <= MAX_LEN + 12 and value not in _RESERVED
