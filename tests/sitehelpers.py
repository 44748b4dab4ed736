"""Helpers for tests that make sites: import them with `from sitehelpers import ...` (not from conftest,
which pytest may load under several names)."""

from __future__ import annotations

from pathlib import Path


def write_site(root: Path, extra_yaml: str = "") -> Path:
    """A minimal site folder with a site.yaml."""
    root.mkdir(parents=True, exist_ok=True)
    base = {"title": "Test digest", "base_url": "https://news.example.org/", "timezone": "UTC"}
    extra = {line.split(":", 1)[0]: line for line in extra_yaml.splitlines() if line and not line[0].isspace()}
    lines = [f"{k}: {v}" for k, v in base.items() if k not in extra]
    (root / "site.yaml").write_text("\n".join(lines) + "\n" + extra_yaml, encoding="utf-8")
    (root / "content" / "articles").mkdir(parents=True, exist_ok=True)
    return root


def article(root: Path, rel: str, front: str, body: str = "Body text.\n") -> Path:
    """Write a hand-written article under content/."""
    path = root / "content" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front.strip()}\n---\n{body}", encoding="utf-8")
    return path
