"""The docs: generated pages up to date, the mkdocs site builds with warnings as errors,
and every file the README links to exists."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_generated_pages_are_up_to_date() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_docs.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_site_builds_strict(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    api = (tmp_path / "api" / "index.html").read_text(encoding="utf-8")
    assert "Read and validate a batch file" in api  # sbbatch.check's docstring
    glossary = (tmp_path / "glossary" / "index.html").read_text(encoding="utf-8")
    assert "增员申报" in glossary and "person_id" in glossary


def test_readme_links_only_to_files_that_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)\)", readme)
    local = [t for t in targets if "://" not in t]
    assert local, "the README links to docs/"
    missing = [t for t in local if not (ROOT / t).exists()]
    assert missing == []
    for name in ("design.md", "policy-facts.md"):
        assert name not in readme  # not in the repository: docs/policy.md is
