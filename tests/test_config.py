"""site.yaml: defaults, every problem reported at once, exit code 2 from the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.cli import main
from sitegen.config import load_config
from sitegen.errors import ConfigError


def _site(tmp_path: Path, text: str) -> Path:
    (tmp_path / "site.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_defaults(tmp_path: Path) -> None:
    cfg = load_config(_site(tmp_path, ""))
    assert cfg.title == "News digest" and cfg.base_url == "http://localhost:8000/" and cfg.page_size == 20
    assert cfg.output_dir == tmp_path.resolve() / "public" and cfg.timezone == "UTC"


def test_values_are_typed_and_normalised(tmp_path: Path) -> None:
    cfg = load_config(_site(tmp_path, "title: no\nbase_url: https://x.org/digest\npage_size: 5\n"
                                      "feeds:\n  topics: {limit: 3, content: summary}\n"))
    assert cfg.title == "no" and cfg.base_url == "https://x.org/digest/" and cfg.page_size == 5
    assert cfg.feeds["topics"].limit == 3 and cfg.feeds["topics"].content == "summary" and cfg.feeds["site"].limit == 50


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    _site(tmp_path, "titel: x\npage_size: 0\nbase_url: example.org\ntimezone: Mars/Base\nlanguage: 12\n"
                    "output_dir: .\nfeeds:\n  site: {limt: 3}\n  bogus: {}\n")
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path)
    assert exc.value.problems == [
        "site.yaml: titel: unknown key (did you mean 'title'?)",
        "site.yaml: page_size: must be from 1 to 1000, not 0",
        "site.yaml: base_url: must be an absolute URL such as https://example.org/",
        "site.yaml: timezone: unknown timezone 'Mars/Base': use an IANA name such as UTC or Europe/London",
        "site.yaml: language: must be a language tag such as en or en-GB",
        "site.yaml: feeds.site.limt: unknown key (did you mean 'limit'?)",
        "site.yaml: feeds.bogus: unknown key; known keys: editions, entities, site, sources, topics",
        "site.yaml: output_dir: must be its own folder inside or beside the site, apart from the content folder "
        "(it is replaced on every build)",
    ]


def test_cli_exits_2_on_config_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _site(tmp_path, "page_size: lots\n")
    assert main(["--site", str(tmp_path), "build"]) == 2
    assert "site.yaml: page_size: must be a whole number from 1 to 1000" in capsys.readouterr().err


def test_missing_site_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--site", str(tmp_path), "build"]) == 2
    assert "no site.yaml here" in capsys.readouterr().err


def test_new_site_builds(tmp_path: Path) -> None:
    assert main(["new", str(tmp_path / "fresh")]) == 0
    assert main(["--site", str(tmp_path / "fresh"), "build"]) == 0
    assert (tmp_path / "fresh" / "public" / "index.html").is_file()
    assert list((tmp_path / "fresh" / "public").glob("2025/01/01/*/index.html"))
    assert main(["new", str(tmp_path / "fresh")]) == 2
