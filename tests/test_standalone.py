"""The repository stands alone: nothing it tracks reads a folder outside the checkout (a user's clone has
nothing beside it). The guard names no folder: any path that climbs out of the repository is refused."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# A relative path up and into another folder ("../x", not the "..." of an elided URL), the workplace's absolute
# root, or the checkout's own parent named from code (ROOT.parent).
CLIMBS_OUT = re.compile(r"""(?<![.\w])\.\./\w|/work/\w|\bROOT\.parent\b""")
FILE_PARENTS = re.compile(r"""__file__\)(?:\.resolve\(\))?\.parents\[(\d+)\]""")


def escapes(path: Path, line: str) -> bool:
    """Does this line of `path` name something outside the checkout?"""
    if CLIMBS_OUT.search(line):
        return True
    try:
        depth = len(path.relative_to(ROOT).parts) - 1  # the file's parents[depth] is ROOT
    except ValueError:
        return False
    return any(int(n) > depth for n in FILE_PARENTS.findall(line))


def tracked_files() -> list[Path]:
    """The files git tracks (every file under the root, minus caches and the model, without git)."""
    if shutil.which("git") and (ROOT / ".git").exists():
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
        return [ROOT / name for name in out.decode().split("\0") if name]
    skip = {".git", "__pycache__", ".pytest_cache", "models", ".venv"}
    return [p for p in ROOT.rglob("*") if p.is_file() and not skip & set(p.relative_to(ROOT).parts)]


def test_the_guard_catches_the_ways_a_folder_beside_the_checkout_is_named():
    here = ROOT / "router_core" / "some_module.py"  # two levels deep: parents[1] is ROOT, parents[2] is outside
    for text in ('DATA = ROOT.parent / "elsewhere" / "data"', "Path(__file__).resolve().parents[2] / 'elsewhere'",
                 "see ../elsewhere/data/benchmarks", "/work/elsewhere/design.md"):
        assert escapes(here, text), text
    for text in ("from pages.shared import money", "`POST .../chat/completions`", "data/benchmarks",
                 "Path(__file__).resolve().parents[1] / 'data'"):
        assert not escapes(here, text), text


def test_no_tracked_file_names_a_folder_outside_the_checkout():
    files = [p for p in tracked_files() if p.is_file() and p != Path(__file__).resolve()]  # not the guard's examples
    assert len(files) > 50
    offenders = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:  # gzipped data, images
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if escapes(path, line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert not offenders, "these name a folder outside the checkout, which a clone does not have:\n" + \
        "\n".join(offenders)


@pytest.mark.parametrize("folder", ["routellm", "fastchat_mt_bench", "arena_hard"])
def test_every_benchmark_folder_is_described_in_the_data_readme(folder):
    readme = (ROOT / "data" / "benchmarks" / "README.md").read_text(encoding="utf-8")
    files = sorted(p.name for p in (ROOT / "data" / "benchmarks" / folder).iterdir())
    assert files and f"## {folder}/" in readme
    for name in files:
        assert f"`{name}`" in readme, f"{folder}/{name} has no source line in data/benchmarks/README.md"
