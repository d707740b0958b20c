"""The documentation: a front-door README, a site that builds strictly, and a config reference that
is the schema's own."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from rnncli.config import known_keys, reference
from rnncli.config.choices import RULES

ROOT = Path(__file__).resolve().parent.parent


def test_the_config_reference_is_written_from_the_schema_and_current():
    page = (ROOT / "docs" / "config.md").read_text()
    assert page == reference.markdown(), "docs/config.md is stale: run `make docs`"
    documented = set(re.findall(r"^\| `([\w.]+)` \|", page, flags=re.M))
    assert documented == set(known_keys())  # every key, and no key that does not exist
    for key in RULES:  # the keys the data chooses say so, with the rule
        assert re.search(rf"^\| `{re.escape(key)}` \| from the data: ", page, flags=re.M), key
    assert "| `data.path` | required |" in page and "| `model.cell` | `gru` |" in page


def test_the_site_builds_strictly(tmp_path):
    # strict: a broken link, a missing page or a page left out of the navigation fails the build
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--quiet",
            "--site-dir",
            str(tmp_path / "site"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    pages = {p.parent.name for p in (tmp_path / "site").glob("*/index.html")}
    assert {"data", "commands", "evaluation", "config", "runs", "architecture"} <= pages


def test_the_readme_is_a_front_door_whose_links_resolve():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.encode()) < 15_000
    links = re.findall(r"\]\(([^)#\s]+)\)", readme)
    assert links and all((ROOT / link).exists() for link in links if "://" not in link), links
    docs = {p.name for p in (ROOT / "docs").glob("*.md")}
    assert docs <= {Path(link).name for link in links}  # every page is reachable from the front door
