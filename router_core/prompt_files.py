"""Reading an uploaded prompt file: CSV with a 'prompt' column, or JSONL with one {"prompt": ...} object a line.

    for where, row in read_rows(content, "set.csv", error=ReplayInputError):
        prompt = field(row, "prompt")          # keys are matched case-insensitively
    read_rows(content, "faq.csv", required=None, error=DatasetError, wanted="a column per {{variable}}")

The one reader behind the What-if replay (replay.load_prompts), evaluation prompt sets
(quality.promptsets.load_file) and experiment datasets (experiments.dataset.load_file, no required column).
It checks the file type, decodes the bytes, skips blank CSV rows, refuses a row with more values than columns,
finds the required column or key and refuses an over-long prompt; each caller reads the fields it needs and
applies its own count limit.
Errors say what was found (extension, columns, keys, line and column) and what to provide instead.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from .errors import RouterError

ACCEPTED_EXTENSIONS = (".csv", ".jsonl", ".ndjson")
MAX_PROMPT_CHARS = 200_000
EXAMPLE = "{\"prompt\": \"...\"}"


class PromptFileError(RouterError, ValueError):
    """A prompt file could not be read; the message says what was found and what to provide."""


Row = tuple[str, Mapping[str, Any]]


def display_name(filename: str | None) -> str:
    """The file's base name as shown in messages ("upload" when there is none)."""
    return Path(filename or "upload").name or "upload"


def find_key(keys: Iterable[Any], wanted: str = "prompt") -> str | None:
    """The first key that is `wanted` ignoring case and surrounding spaces, or None."""
    return next((k for k in keys if isinstance(k, str) and k.strip().lower() == wanted), None)


def field(row: Mapping[str, Any], wanted: str) -> Any:
    """The value of `wanted` in a row (case-insensitive key), or None."""
    key = find_key(row, wanted)
    return None if key is None else row[key]


def _shown(names: Sequence[Any], limit: int = 8) -> str:
    names = [str(n) for n in names]
    text = ", ".join(repr(n) for n in names[:limit])
    return text + (f" and {len(names) - limit} more" if len(names) > limit else "") if names else "none"


def decode_text(content: bytes | str, name: str, error: type[PromptFileError] = PromptFileError) -> str:
    """An upload as text: UTF-8 (a BOM is dropped); `error` for a binary file or other encodings."""
    if isinstance(content, str):
        return content
    if b"\x00" in content[:4096]:
        raise error(f"{name} looks like a binary file, not CSV or JSONL text. Export the prompts as CSV "
                    f"(with a 'prompt' column) or JSONL (one {EXAMPLE} object per line).")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"{name} is not UTF-8 text (byte {exc.start} cannot be decoded). "
                    "Save it as UTF-8 CSV or JSONL and upload it again.") from None


def _csv_rows(text: str, name: str, error: type[PromptFileError], required: str | None) -> Iterator[Row]:
    # csv refuses fields over 131,072 characters by default (a process-wide setting): room for any prompt up to
    # the limit, so an over-long one gets the clear "more than N characters" message instead of a CSV error
    csv.field_size_limit(max(csv.field_size_limit(), 4 * MAX_PROMPT_CHARS))
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            wanted = f"a '{required}' column, then one prompt per row" if required else \
                "the column names, then one row per input"
            raise error(f"{name} is empty: expected a header row with {wanted}.")
        if required and find_key(header, required) is None:
            raise error(f"{name} has no '{required}' column; found columns: {_shown(header)}. "
                        f"Rename the column that holds the prompts to '{required}'.")
        for number, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            if len(values) > len(header):
                raise error(f"{name} row {number} has {len(values)} values for {len(header)} columns "
                            "(a comma inside a value needs quotes around the value).")
            yield f"{name} row {number}", dict(zip(header, values))
    except csv.Error as exc:
        raise error(f"{name} is not valid CSV near line {reader.line_num}: {exc}.") from None


def _jsonl_rows(text: str, name: str, error: type[PromptFileError], required: str | None) -> Iterator[Row]:
    example = EXAMPLE if required else "{\"question\": \"...\", \"expected\": \"...\"}"
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise error(f"{name} line {number} is not valid JSON ({exc.msg} at column {exc.colno}). "
                        f"Each line must be one object like {example}.") from None
        if not isinstance(obj, dict):
            raise error(f"{name} line {number} is a JSON {type(obj).__name__}, not an object. "
                        f"Each line must be one object like {example}.")
        if required and find_key(obj, required) is None:
            raise error(f"{name} line {number} has no '{required}' key; found keys: {_shown(list(obj))}. "
                        f"Each line needs {example}.")
        yield f"{name} line {number}", obj


def read_rows(content: bytes | str, filename: str | None, *, error: type[PromptFileError] = PromptFileError,
              required: str | None = "prompt", wanted: str = "a 'prompt' column") -> Iterator[Row]:
    """(where, row) for every data row of a .csv / .jsonl / .ndjson file, where is "name row 3" or
    "name line 3". Every row has the `required` column or key (None: no column is required; its value may be
    blank or not text: the caller decides); `wanted` says what a CSV should hold when the file type is wrong.
    Raises `error` (a PromptFileError) for a file that cannot be read or a prompt that is too long."""
    name = display_name(filename)
    suffix = Path(name).suffix.lower()
    if suffix not in ACCEPTED_EXTENSIONS:
        found = f"a {suffix} file" if suffix else "a file without an extension"
        raise error(f"{name} is {found}; upload a .csv file with {wanted} or a .jsonl file with one "
                    f"object per line.")
    text = decode_text(content, name, error)
    rows = _csv_rows(text, name, error, required) if suffix == ".csv" else \
        _jsonl_rows(text, name, error, required)
    for where, row in rows:
        prompt = field(row, required) if required else None
        if isinstance(prompt, str) and len(prompt.strip()) > MAX_PROMPT_CHARS:
            raise error(f"{where}: the prompt has {len(prompt.strip()):,} characters, more than the "
                        f"{MAX_PROMPT_CHARS:,} the router accepts.")
        yield where, row


__all__ = ["read_rows", "field", "find_key", "display_name", "decode_text", "PromptFileError", "ACCEPTED_EXTENSIONS",
           "MAX_PROMPT_CHARS"]
