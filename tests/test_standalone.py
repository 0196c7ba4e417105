"""The repository stands alone: nothing it tracks reads a `shared` folder beside the checkout."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SIBLING = "shared"  # the folder beside the checkout that a user's clone does not have

# A relative path up to it, the workplace's absolute path, or pathlib's `.parent(s[...]) / "shared"`. The folder
# is named through SIBLING so that this file never spells such a path itself.
SIBLING_SHARED = re.compile(rf"""\.\./{SIBLING}\b|/work/{SIBLING}\b|\.parents?(\[\d+\])?\s*/\s*["']{SIBLING}["']""")


def tracked_files() -> list[Path]:
    """The files git tracks (every file under the root, minus caches and the model, without git)."""
    if shutil.which("git") and (ROOT / ".git").exists():
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
        return [ROOT / name for name in out.decode().split("\0") if name]
    skip = {".git", "__pycache__", ".pytest_cache", "models", ".venv"}
    return [p for p in ROOT.rglob("*") if p.is_file() and not skip & set(p.relative_to(ROOT).parts)]


def test_the_pattern_catches_the_ways_a_sibling_folder_is_named():
    for text in (f'DATA = ROOT.parent / "{SIBLING}" / "data"', f"Path(__file__).parents[2] / '{SIBLING}'",
                 f"see ../{SIBLING}/data/benchmarks", f"/work/{SIBLING}/design.md"):
        assert SIBLING_SHARED.search(text), text
    for text in ("from pages.shared import money", "one engine shared by every session", "data/benchmarks"):
        assert not SIBLING_SHARED.search(text), text


def test_no_tracked_file_refers_to_a_sibling_shared_folder():
    files = [p for p in tracked_files() if p.is_file()]
    assert len(files) > 50
    offenders = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:  # gzipped data, images
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if SIBLING_SHARED.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert not offenders, f"these read ../{SIBLING}, which a clone does not have:\n" + "\n".join(offenders)


@pytest.mark.parametrize("folder", ["routellm", "fastchat_mt_bench", "arena_hard"])
def test_every_benchmark_folder_is_described_in_the_data_readme(folder):
    readme = (ROOT / "data" / "benchmarks" / "README.md").read_text(encoding="utf-8")
    files = sorted(p.name for p in (ROOT / "data" / "benchmarks" / folder).iterdir())
    assert files and f"## {folder}/" in readme
    for name in files:
        assert f"`{name}`" in readme, f"{folder}/{name} has no source line in data/benchmarks/README.md"
