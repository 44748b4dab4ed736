"""YAML front matter: text -> (meta, body, body_line) and back; YAML errors carry the file's line.

The loader is deliberately small: only `null`, `true`/`false` and explicit tags resolve to non-strings.
YAML 1.1's `no`/`on`/`yes` booleans, octal-looking ids and `1.10` -> 1.1 floats all stay strings; every
field is then coerced by `model.py`. Anchors/aliases, duplicate keys and non-mapping documents are errors.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import yaml

from .errors import SourceError
from .text import clean

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BaseDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_FENCE = re.compile(r"^---[ \t]*$")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$")


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader with a minimal set of implicit types and strict mappings."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects or node in self.recursive_objects:
            raise yaml.constructor.ConstructorError(
                None, None, "anchors and aliases (&name / *name) are not allowed in front matter",
                node.start_mark)
        return super().construct_object(node, deep=deep)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}: keep one", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_Loader.yaml_implicit_resolvers = {}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"),
                              ["~", "n", "N", ""])


def _file_line(text: str, index: int) -> int:
    """Zero-based line of character `index` of `text`, counting only the ends of lines a file has; the end of
    the text is on the line after its last (YAML's own marks say so too: the closing '---' of front matter)."""
    if index >= len(text):
        return text.count("\n") + 1
    return text.count("\n", 0, max(0, index))


def load_yaml(text: str, path: str, first_line: int = 1) -> Any:
    """Load one YAML document with the strict loader; errors name `path` and the file line."""
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        # YAML also breaks lines at U+0085, U+2028 and U+2029, which are not line ends in the file: count the
        # file's own line ends before the mark's character offset, not YAML's line number.
        line = first_line + (_file_line(text, mark.index) if mark else 0)
        what = exc.problem or exc.context or "invalid YAML"
        raise SourceError(path, line, f"YAML error: {what}") from None
    except yaml.reader.ReaderError as exc:
        line = first_line + _file_line(text, exc.position)
        raise SourceError(path, line, f"YAML error: {exc.reason} (character {exc.character!r})") from None
    except yaml.YAMLError as exc:
        raise SourceError(path, first_line, "YAML error: " + " ".join(str(exc).split())) from None
    except (TypeError, ValueError, RecursionError) as exc:  # e.g. unhashable keys such as `? [a]`
        raise SourceError(path, first_line, f"YAML error: {type(exc).__name__}: {exc}") from None


# --- fast path: the simple block YAML that ingest (and most people) write -----------------------------------
# `key: value` lines, one level of nested `  key: value`, plain / single-quoted / simple double-quoted
# scalars and flow lists of plain words. Anything else returns None and goes to the YAML loader; where the
# fast path answers, it answers exactly what the loader would (tests/test_frontmatter.py, hypothesis).
_KEY_LINE = re.compile(r"^( {2})?([A-Za-z_][A-Za-z0-9_-]*):(?: (.*))?$")
_PLAIN_BAD_START = tuple("-?:,[]{}#&*!|>'\"%@`")
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NULLS = {"~", "null", "Null", "NULL", ""}
_FLOW_ITEM = re.compile(r"^[^\W_][\w .'\u2019/&-]*(?<![ :])$")
_NOVALUE = object()
_YAML_BREAKS = re.compile("[\x85\u2028\u2029]")


def _scalar(raw: str) -> Any:
    if raw[:1] in (" ", "\t"):
        return _NOVALUE   # extra indentation: leave the subtleties to the YAML loader
    value = raw.rstrip(" ")
    if value.startswith("'"):
        inner = value[1:-1]
        if len(value) < 2 or not value.endswith("'") or "'" in inner.replace("''", ""):
            return _NOVALUE
        return inner.replace("''", "'")
    if value.startswith('"'):
        inner = value[1:-1]
        if len(value) < 2 or not value.endswith('"') or '"' in inner or "\\" in inner:
            return _NOVALUE
        return inner
    if value.startswith("["):
        if not value.endswith("]"):
            return _NOVALUE
        items = [x.strip() for x in value[1:-1].split(",")] if value[1:-1].strip() else []
        if not all(_FLOW_ITEM.match(x) and x not in _BOOLS and x not in _NULLS for x in items):
            return _NOVALUE
        return items
    if value.startswith(_PLAIN_BAD_START) or ": " in value or " #" in value or value.endswith(":"):
        return _NOVALUE
    if value in _BOOLS:
        return _BOOLS[value]
    return None if value in _NULLS else value


def fast_load(lines: list[str]) -> dict[str, Any] | None:
    """Parse simple front matter lines, or return None when the full YAML loader is needed."""
    if not lines:
        return None
    out: dict[str, Any] = {}
    nested: dict[str, Any] | None = None
    for line in lines:
        m = _KEY_LINE.match(line)
        if m is None or "\t" in line or _YAML_BREAKS.search(line):   # U+0085/2028/2029 break lines in YAML
            return None
        indent, key, raw = m.groups()
        if key in _BOOLS or key in _NULLS:
            return None   # `true:` / `null:` keys are not text to YAML
        raw = "" if raw is None else raw
        if indent:
            if nested is None or key in nested:
                return None
            value = _scalar(raw)
            if value is _NOVALUE or raw == "":
                return None
            nested[key] = value
            continue
        if key in out:
            return None
        if raw.strip(" ") == "":   # YAML spaces only: str.strip() would also take U+00A0 and the like
            nested = out[key] = {}
            continue
        nested = None
        value = _scalar(raw)
        if value is _NOVALUE:
            return None
        out[key] = value
    return {k: (None if v == {} else v) for k, v in out.items()}


def split(text: str, path: str) -> tuple[dict[str, Any], str, int]:
    """Split a Markdown file into (front matter, body, line number where the body starts)."""
    text = text.lstrip("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if not lines or not _FENCE.match(lines[0]):
        raise SourceError(path, 1, "no front matter: start the file with a '---' line, then 'title:' and "
                          "'date:' lines, then another '---' line")
    for i in range(1, len(lines)):
        if _CLOSE.match(lines[i]):
            break
    else:
        raise SourceError(path, 1, "front matter opened with '---' is never closed: add a '---' line after it")
    # Control and invisible characters are cleaned before parsing, so both parsers see the same text.
    head = [clean(line) for line in lines[1:i]]
    meta = fast_load(head)
    if meta is None:
        meta = load_yaml("\n".join(head), path, first_line=2)
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise SourceError(path, 2, f"front matter must be a mapping of 'key: value' lines, "
                          f"not a {type(meta).__name__}")
    for key in meta:
        if not isinstance(key, str):
            raise SourceError(path, 2, f"front matter key {key!r} is not text: write it as a plain word")
    body = "\n".join(lines[i + 1:])
    return meta, body, i + 2


class _Dumper(_BaseDumper):  # type: ignore[misc, valid-type]
    """Block mappings, flow lists: `topics: [a, b]` under readable nested keys."""


_Dumper.add_representer(dict, lambda d, data: d.represent_mapping("tag:yaml.org,2002:map", data.items(),
                                                                  flow_style=False))
_Dumper.add_representer(list, lambda d, data: d.represent_sequence("tag:yaml.org,2002:seq", data,
                                                                   flow_style=True))


def dump_yaml(meta: dict[str, Any]) -> str:
    """Serialise a mapping as YAML, keys in the given order, strings quoted where YAML 1.1 would retype."""
    return yaml.dump(meta, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100000)


def join(meta: dict[str, Any], body: str) -> str:
    """Return the file text for `meta` and `body` (body ends with exactly one newline)."""
    return "---\n" + dump_yaml(meta) + "---\n" + body.rstrip("\n") + "\n"


def parse_date(value: Any) -> dt.date | dt.datetime | None:
    """Parse an ISO date or date-time string (`Z` allowed, space or T); None if it is not one."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value
    if not isinstance(value, str):
        return None
    s = value.strip()
    try:
        if len(s) == 10:
            return dt.date.fromisoformat(s)
        return dt.datetime.fromisoformat(s.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
