"""Untrusted text made safe to store and emit: str -> str (NFC, no XML-invalid or invisible controls)."""

from __future__ import annotations

import re
import unicodedata

# XML 1.0 forbids C0 controls except tab/newline/CR, U+FFFE/U+FFFF and lone surrogates; C1 controls and
# zero-width/bidi formatting characters are legal but let a title hide or reorder text, so they go too.
_INVALID = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
    "\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")


def clean(text: str) -> str:
    """Return `text` in NFC with XML-invalid, control and bidi/zero-width characters removed."""
    text = _INVALID.sub("", text)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text


def clean_line(text: str) -> str:
    """Return one cleaned line: `clean`, newlines and runs of spaces folded to one space, stripped."""
    return _SPACES.sub(" ", clean(text).replace("\r", " ").replace("\n", " ")).strip()


def words(text: str) -> int:
    """Count the words of plain text."""
    return len(text.split())


def truncate_words(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` words, ending with an ellipsis when it was cut."""
    parts = text.split()
    if len(parts) <= limit:
        return " ".join(parts)
    return " ".join(parts[:limit]).rstrip(",;:-") + "\u2026"
