"""The ingest stage, file by file: raw files -> `RawArticle` -> article file text under content/articles, with an
index of what `content/` already holds (so ingesting twice changes nothing and hand edits are never lost).

An article file records where it came from (`provenance`): the raw file's name and SHA-256, and a digest of
the file as ingest wrote it, so a later ingest can tell an untouched file from one an editor changed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import Config
from .entities import extract as extract_entities
from .errors import SourceError
from .frontmatter import join
from .ingest import RawArticle, parse_bytes
from .markup import paragraphs_to_markdown, summarize
from .report import Outcome
from .slugs import slug_or
from .topics import Taxonomy
from .write import write_atomic

_DIGEST_LINE = re.compile(r"^  digest: [0-9a-f]{64}\n", re.MULTILINE)
_HEAD_FIELDS = re.compile(r"^(id|date|slug|  raw_sha256|  digest): '?([^'\n]*)'?$", re.MULTILINE)
HEAD_BYTES = 4096
_PENDING = "f" * 64   # placeholder while the digest is computed: plain hex, so YAML leaves it unquoted


def file_digest(text: str) -> str:
    """Digest of an article file's text with its own `digest:` line left out."""
    return hashlib.sha256(_DIGEST_LINE.sub("", text, count=1).encode("utf-8")).hexdigest()


def article_text(raw: RawArticle, slug: str, topics: list[tuple[str, float]], raw_name: str) -> str:
    """Return the Markdown file (front matter + literal body) for one raw article."""
    meta: dict[str, Any] = {"title": raw.title, "date": raw.date}
    if raw.id is not None:
        meta["id"] = raw.id
    meta["slug"] = slug
    if raw.source:
        meta["source"] = raw.source
    if raw.via:
        meta["via"] = raw.via
    meta["topics"] = [t for t, _ in topics]
    meta["topic_scores"] = {t: round(s, 3) for t, s in topics}
    meta["summary"] = summarize(raw.paragraphs)
    found = {kind: names for kind, names in extract_entities(raw.title, raw.paragraphs).items() if names}
    if found:
        meta["entities"] = found
    meta["provenance"] = {"raw_file": raw_name, "raw_sha256": raw.raw_sha256, "digest": _PENDING}
    text = join(meta, paragraphs_to_markdown(raw.paragraphs))
    return text.replace("  digest: " + _PENDING, "  digest: " + file_digest(text), 1)


def relative_path(raw: RawArticle, slug: str) -> str:
    """Where an article lives under `content/articles/`."""
    return f"{raw.date:%Y/%m/%d}/{slug}.md"


@dataclass
class ContentIndex:
    """What `content/articles/` holds, keyed the ways ingest needs to find an earlier copy."""

    root: Path
    by_key: dict[tuple[str, str], Path] = field(default_factory=dict)   # (date, id) -> file
    by_hash: dict[str, Path] = field(default_factory=dict)              # raw sha256 -> file
    names: set[str] = field(default_factory=set)                        # "YYYY/MM/DD/slug" taken

    @classmethod
    def scan(cls, root: Path) -> ContentIndex:
        """Read the head of every article file (not the bodies) into an index."""
        index = cls(root)
        if root.is_dir():
            for path in sorted(root.rglob("*.md")):
                index.add(path, _head(path))
        return index

    def add(self, path: Path, fields: dict[str, str]) -> None:
        """Record one article file."""
        rel = path.relative_to(self.root).as_posix()
        self.names.add(rel[:-3])
        if fields.get("id") and fields.get("date"):
            self.by_key.setdefault((fields["date"][:10], fields["id"]), path)
        if fields.get("raw_sha256"):
            self.by_hash.setdefault(fields["raw_sha256"], path)

    def find(self, raw: RawArticle) -> Path | None:
        """The file that already holds this raw article (same text, or same date and id), if any."""
        found = self.by_hash.get(raw.raw_sha256)
        if found is None and raw.id is not None:
            found = self.by_key.get((raw.date.isoformat(), raw.id))
        return found

    def unique_slug(self, raw: RawArticle) -> str:
        """A slug for `raw` that no other article of its day uses (deterministic suffixes)."""
        base = slug_or(raw.title, raw.id or "", raw.raw_sha256)
        day = f"{raw.date:%Y/%m/%d}/"
        candidates = [base]
        if raw.id:
            candidates.append(f"{base}-{slug_or(raw.id)}")
        candidates += [f"{base}-{raw.raw_sha256[:8]}", f"{base}-{raw.raw_sha256[:16]}"]
        for slug in candidates:
            if day + slug not in self.names:
                return slug
        n = 2
        while f"{day}{base}-{n}" in self.names:
            n += 1
        return f"{base}-{n}"


def _head(path: Path) -> dict[str, str]:
    """The fields ingest indexes, from the front matter only (read up to its closing line, not the body)."""
    head = ""
    try:
        with open(path, "rb") as fh:
            while "\n---" not in head[3:] and len(head) < 1_000_000:
                chunk = fh.read(HEAD_BYTES)
                if not chunk:
                    break
                head += chunk.decode("utf-8", "replace")
    except OSError:
        return {}
    end = head.find("\n---", 3)
    return {k.strip(): v.strip() for k, v in _HEAD_FIELDS.findall(head[: end if end > 0 else None])}


def edited_by_hand(text: str) -> bool:
    """Tell whether an ingested article file was changed since ingest wrote it."""
    m = re.search(r"^  digest: ([0-9a-f]{64})$", text, re.MULTILINE)
    return m is None or m.group(1) != file_digest(text)


def raw_files(paths: Iterable[Path], passed_over: list[str] | None = None) -> list[Path]:
    """Expand files and folders (recursively: `*.txt` in any case, hidden entries skipped) into a sorted,
    unique list; other files met in a folder are named in `passed_over`, with what to do about them."""
    found: dict[str, Path] = {}
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if not child.is_file() or any(p.startswith(".") for p in child.relative_to(path).parts):
                    continue
                if child.suffix.lower() == ".txt":
                    found.setdefault(str(child.resolve()), child)
                elif passed_over is not None:
                    passed_over.append(f"{child}: not read: only .txt files are taken from a folder (rename it to "
                                       ".txt, or name the file itself on the command line)")
        else:
            found.setdefault(str(path.resolve()), path)
    return [found[k] for k in sorted(found)]


def read_raw(path: Path, cap: int) -> RawArticle:
    try:
        size = path.stat().st_size
        if size > cap:
            raise SourceError(str(path), None, f"file is {size:,} bytes, over the {cap:,}-byte limit "
                              "(max_article_bytes in site.yaml): split it or raise the limit")
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(str(path), None, "no such file") from None
    except OSError as exc:
        raise SourceError(str(path), None, f"cannot read: {exc.strerror}") from None
    if not data.strip():
        raise SourceError(str(path), 1, "empty file: no header, title or body")
    return parse_bytes(data, str(path))


def ingest_one(cfg: Config, raw: RawArticle, path: Path, index: ContentIndex, taxonomy: Taxonomy,
                update: bool) -> Outcome:
    existing = index.find(raw)
    if existing is not None:
        rel = existing.relative_to(cfg.root).as_posix()
        if not update:
            same = index.by_hash.get(raw.raw_sha256) == existing
            why = "same text" if same else "same date and id, different text: use --update to replace it"
            return Outcome(str(path), "unchanged" if same else "skipped", rel,
                           "" if same else f"{path}: already ingested as {rel} ({why})")
        old_text = existing.read_text(encoding="utf-8")
        if edited_by_hand(old_text):
            return Outcome(str(path), "skipped", rel, f"{path}: {rel} was edited by hand; not overwritten "
                           "(delete it, then ingest again, to regenerate it)")
        slug = existing.stem
        text = article_text(raw, slug, _topics(taxonomy, raw), path.name)
        if text == old_text:
            return Outcome(str(path), "unchanged", rel)
        write_atomic(existing, text.encode("utf-8"))
        return Outcome(str(path), "updated", rel)
    slug = index.unique_slug(raw)
    target = cfg.articles_dir / relative_path(raw, slug)
    text = article_text(raw, slug, _topics(taxonomy, raw), path.name)
    write_atomic(target, text.encode("utf-8"))
    index.add(target, {"id": raw.id or "", "date": raw.date.isoformat(), "raw_sha256": raw.raw_sha256})
    return Outcome(str(path), "converted", target.relative_to(cfg.root).as_posix())


def _topics(taxonomy: Taxonomy, raw: RawArticle) -> list[tuple[str, float]]:
    return taxonomy.classify(raw.title, "\n".join(raw.paragraphs))
