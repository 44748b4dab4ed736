"""Raw wire text in the seed format -> `RawArticle` (header, title, source, paragraphs), or `SourceError`."""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import html
import re
from dataclasses import dataclass, field

from .errors import SourceError
from .text import clean, clean_line

MAX_TITLE_CHARS = 250
_HEADER = re.compile(r"^date\s+(\S+)(?:\s+(\S+))?$", re.IGNORECASE)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# A leading "(Source)" or "(Source- Via)"; the name must look like an outlet, not a date or an aside.
_LEAD_PAREN = re.compile(r"^\(([^()\n]{1,60})\)\s*(?:[-\u2013\u2014:]+\s*)?")
_MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_NOT_SOURCE = re.compile(rf"\d+/\d+|\b{_MONTHS}\s+\d|\bUPDATE\b|^\d+$", re.IGNORECASE)
# Entities that lost their "&" on the way (AG News: "#36;10 million", "night #39;s game").
_BARE_ENTITY = re.compile(r"(?<![&\w])#(\d{2,5});")


@dataclass(frozen=True)
class RawArticle:
    """One parsed raw article; `paragraphs` are cleaned plain text with the source prefix removed."""

    path: str
    date: dt.date
    id: str | None
    title: str
    paragraphs: tuple[str, ...]
    source: str | None = None
    via: str | None = None
    raw_sha256: str = ""
    warnings: tuple[str, ...] = field(default=())


def decode(data: bytes, path: str) -> tuple[str, list[str]]:
    """Decode raw bytes: UTF-8 (BOM allowed), UTF-16 with a BOM, else Windows-1252 with a warning."""
    if b"\x00" in data and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise SourceError(path, line, "binary data (NUL bytes): not a text article; remove the file")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), []
        except UnicodeDecodeError as exc:
            raise SourceError(path, 1, f"invalid UTF-16 text ({exc.reason}); re-save it as UTF-8") from None
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise SourceError(
                path, line, f"undecodable byte 0x{data[exc.start]:02x} at offset {exc.start}: "
                "the file is neither UTF-8 nor Windows-1252; re-save it as UTF-8") from None
        warning = (f"{path}:{line}: not valid UTF-8 (byte 0x{data[exc.start]:02x}); "
                   "read as Windows-1252: check the accents, or re-save the file as UTF-8")
        return text, [warning]


def _repair(text: str) -> str:
    """Undo HTML escaping that leaked into plain text (`&amp;`, `&#39;`, `#36;`)."""
    if "&" in text:
        text = html.unescape(text)
    if "#" in text:
        text = _BARE_ENTITY.sub(lambda m: _entity(m), text)
    return text


def _entity(match: re.Match[str]) -> str:
    code = int(match.group(1))
    return chr(code) if 32 <= code < 0xD800 or 0xE000 <= code < 0xFFFE else match.group(0)


def _parse_header(line: str, path: str, lineno: int) -> tuple[dt.date, str | None]:
    m = _HEADER.match(line.strip())
    if not m:
        shown = line.strip()[:60]
        raise SourceError(path, lineno, f"malformed header {shown!r}: expected ' date YYYY-MM-DD ID', "
                          "e.g. ' date 2025-07-22 403'")
    raw_date, raw_id = m.group(1), m.group(2)
    d = _ISO_DATE.match(raw_date)
    if not d:
        raise SourceError(path, lineno, f"bad date {raw_date[:40]!r} in header: write it as YYYY-MM-DD")
    try:
        date = dt.date(int(d.group(1)), int(d.group(2)), int(d.group(3)))
    except ValueError:
        raise SourceError(path, lineno, f"impossible date {raw_date} in header: no such day") from None
    if date.year < 1800:
        raise SourceError(path, lineno, f"implausible date {raw_date} in header: check the year")
    if raw_id is not None and not _ID.match(raw_id):
        raise SourceError(path, lineno, f"bad article id {raw_id[:40]!r}: use letters, digits, '.', '_' or '-'")
    return date, raw_id


def split_source(paragraph: str) -> tuple[str | None, str | None, str]:
    """Take a leading `(SOURCE)` or `(SOURCE- VIA)` off the first paragraph: (source, via, rest)."""
    m = _LEAD_PAREN.match(paragraph)
    if not m:
        return None, None, paragraph
    name = m.group(1).strip()
    if not name or not (name[0].isupper() or name[0].isdigit()) or _NOT_SOURCE.search(name):
        return None, None, paragraph
    if len(name.split()) > 6:
        return None, None, paragraph
    rest = paragraph[m.end():].lstrip()
    source, via = name, None
    parts = re.split(r"\s*-\s+", name, maxsplit=1)
    if len(parts) == 2 and parts[0] and parts[1]:
        source, via = parts[0].strip(), parts[1].strip()
    return clean_line(source) or None, (clean_line(via) or None) if via else None, rest


def parse(text: str, path: str, raw_sha256: str = "", warnings: tuple[str, ...] = ()) -> RawArticle:
    """Parse one raw article; raise `SourceError` naming the line for anything unusable."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    idx = 0
    while idx < len(lines) and not clean(lines[idx]).strip():
        idx += 1
    if idx == len(lines):
        raise SourceError(path, 1, "empty file: no header, title or body")
    date, article_id = _parse_header(clean(lines[idx]), path, idx + 1)
    idx += 1
    while idx < len(lines) and not clean_line(lines[idx]):
        idx += 1
    if idx == len(lines):
        raise SourceError(path, idx, "no title: the line after the header must be the article's title")
    title = clean_line(_repair(lines[idx]))
    title_line = idx + 1
    if not title:   # "&#x1b;": an escaped control character, nothing readable once decoded
        raise SourceError(path, title_line, "title holds no readable text once its HTML escapes are decoded; "
                          "write the headline as plain text")
    extra: list[str] = []
    if len(title) > MAX_TITLE_CHARS:
        cut = title[:MAX_TITLE_CHARS]
        title = (cut[: cut.rfind(" ")] if " " in cut else cut).rstrip() + "\u2026"
        extra.append(f"{path}:{title_line}: title longer than {MAX_TITLE_CHARS} characters; shortened")
    paragraphs = [p for p in (clean_line(_repair(x)) for x in lines[idx + 1:]) if p]
    source = via = None
    if paragraphs:
        source, via, first = split_source(paragraphs[0])
        paragraphs = ([first] if first else []) + paragraphs[1:]
    if not paragraphs:
        raise SourceError(path, title_line + 1, "empty body: no text after the title")
    return RawArticle(path=path, date=date, id=article_id, title=title, paragraphs=tuple(paragraphs),
                      source=source, via=via, raw_sha256=raw_sha256, warnings=tuple(warnings) + tuple(extra))


def parse_bytes(data: bytes, path: str) -> RawArticle:
    """Decode and parse one raw file's bytes (the hash is taken over the bytes as given)."""
    digest = hashlib.sha256(data).hexdigest()
    text, warnings = decode(data, path)
    return parse(text, path, raw_sha256=digest, warnings=tuple(warnings))
