"""Values in and out of the database: UTC times, compact JSON, query results as pandas frames."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, is_dataclass
from datetime import datetime, timezone
from enum import Enum
from typing import TYPE_CHECKING, Any

import orjson
import sqlalchemy as sa

if TYPE_CHECKING:  # pandas is imported only by the read paths, to keep routing's import light
    import pandas as pd

SQLITE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores DateTime on SQLite


def utcnow() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(timezone.utc)


def to_db_time(value: datetime | str | float | int | None) -> datetime | None:
    """Aware UTC for the database: aware datetimes are converted, naive ones are taken as UTC,
    numbers are epoch seconds, strings are ISO 8601."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, timezone.utc)
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if hasattr(value, "to_pydatetime"):  # a pandas Timestamp
        value = value.to_pydatetime()
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def from_db_time(value: datetime | None) -> datetime | None:
    """A stored time as an aware UTC datetime (None stays None)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, float):  # a float subclass orjson leaves to us (numpy.float64): still a number
        return float(obj)
    if is_dataclass(obj) and not isinstance(obj, type):
        return asdict(obj)
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, datetime):
        return obj.isoformat()
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    return str(obj)


def dumps(value: Any) -> str:
    """Compact JSON (dataclasses, enums, datetimes and sets included); NaN and infinities are written as null."""
    try:
        return orjson.dumps(value, default=_json_default, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:  # what orjson refuses (an integer past 64 bits, a nesting too deep): the standard library
        return json.dumps(value, default=_json_default, ensure_ascii=False, separators=(",", ":"))


def loads_list(text: str | None) -> list:
    """A JSON list column as a list; unreadable text is kept as a one-item list, empty as []."""
    if not text:
        return []
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return [text]
    return value if isinstance(value, list) else [value]


def enum_str(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def frame(result: sa.CursorResult | sa.Result, time_cols: Sequence[str] = ()) -> pd.DataFrame:
    """A query result as a DataFrame, `time_cols` as UTC timestamps."""
    import pandas as pd

    keys = list(result.keys())
    df = pd.DataFrame.from_records(result.fetchall(), columns=keys)
    for col in time_cols:
        if col in df.columns:
            df[col] = pd.to_datetime(df[col], utc=True)
    return df


def source_in(column: sa.ColumnElement, sources: Sequence[str | None]) -> sa.ColumnElement:
    """WHERE `column` is one of `sources`, where None stands for rows logged before sources existed (NULL)."""
    names = [s for s in sources if s is not None]
    named = column.in_(names) if names else sa.false()
    return sa.or_(named, column.is_(None)) if None in sources else named
