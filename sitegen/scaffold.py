"""`sitegen new DIR`: a new, ready-to-build site (config, folders, one sample article, an about page)."""

from __future__ import annotations

from pathlib import Path

SITE_YAML = """\
# sitegen site settings: every key is optional; unknown keys are errors.
title: My news digest
description: The day's news, grouped by date and topic.
base_url: http://localhost:8000/     # the address the site is published at
language: en
timezone: UTC                        # daily editions are cut at midnight in this timezone
page_size: 20                        # articles per topic/source listing page
home_editions: 7                     # daily editions on the home page
# feeds:
#   site: {enabled: true, limit: 50, content: full}      # content: full or summary
#   topics: {limit: 30, content: summary}
"""

SAMPLE_RAW = """\
 date {date} 1
sitegen makes its first edition
(Sitegen) This is a sample article. Raw articles like this one go through 'sitegen ingest', which writes Markdown with front matter under content/articles/.
Edit or delete it, then run 'sitegen serve' to preview the site, or 'sitegen build' to write it into public/.
"""

ABOUT = """\
---
title: About this digest
---
This site is built with [sitegen](https://pypi.org/project/sitegen/) from raw news articles.
"""

README = """\
# {name}

A news digest built with sitegen: `sitegen ingest inbox/` adds raw articles, `sitegen build` writes the
site into `public/`, `sitegen serve` previews it with live reload.
"""

GITIGNORE = "/public/\n/.sitegen/\n"


def new_site(target: Path, sample_date: str = "2025-01-01") -> None:
    """Create a site in `target` (absent or empty); refuse to touch a folder that holds anything."""
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{target}: exists and is not empty; choose a new folder")
    (target / "content" / "articles").mkdir(parents=True, exist_ok=True)
    (target / "content" / "pages").mkdir(parents=True, exist_ok=True)
    (target / "templates").mkdir(exist_ok=True)
    (target / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    (target / "content" / "pages" / "about.md").write_text(ABOUT, encoding="utf-8")
    (target / "README.md").write_text(README.format(name=target.name), encoding="utf-8")
    (target / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    _sample_article(target, sample_date)


def _sample_article(target: Path, date: str) -> None:
    from .config import load_config
    from .ingest import parse_bytes
    from .intake import article_text, relative_path
    from .write import write_atomic

    cfg = load_config(target)
    raw = parse_bytes(SAMPLE_RAW.format(date=date).encode("utf-8"), "sample.txt")
    topics = [("science-technology", 1.0)]   # an editor's choice: the sample is about software
    slug = "sitegen-makes-its-first-edition"
    write_atomic(cfg.articles_dir / relative_path(raw, slug),
                 article_text(raw, slug, topics, "sample.txt").encode("utf-8"))
