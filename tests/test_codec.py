"""Stored JSON (store/codec.dumps): what the standard library wrote before, in compact form, for every kind of
value the store is given; NaN and infinities become null."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum

import numpy as np

from router_core.store.codec import _json_default, dumps


class Colour(str, Enum):
    RED = "red"


@dataclass
class Point:
    x: float
    label: str


def old_dumps(value):  # the standard library, as dumps was written before it used orjson
    return json.dumps(value, default=_json_default, ensure_ascii=False, separators=(",", ":"))


VALUES = [
    {"text": "héllo ✓ 中文", "n": 3, "f": 0.1, "neg": -2.5, "none": None, "flag": True},
    [1, 2.0, "three", [4, {"five": 5}]],
    {"numpy": [np.float64(0.5), np.int64(3), np.float32(1.5), np.bool_(True)]},
    {"when": datetime(2026, 12, 3, 9, 30, tzinfo=timezone.utc), "naive": datetime(2026, 12, 3, 9, 30, 0, 5),
     "other_zone": datetime(2026, 12, 3, 9, 30, tzinfo=timezone(timedelta(hours=2))), "day": date(2026, 12, 3)},
    {"enum": Colour.RED, "point": Point(1.25, "a"), "set": {7}, "tuple": (1, 2), "decimal": Decimal("1.10")},
    {1: "int key", None: "none key", 2.5: "float key"},
    {"big": 2 ** 70},
    "a\nquote\" and \\ backslash \u0001 control",
]


def test_dumps_writes_what_the_standard_library_did():
    for value in VALUES:
        assert json.loads(dumps(value)) == json.loads(old_dumps(value)), value


def test_numpy_floats_stay_numbers():
    assert json.loads(dumps({"score": np.float64(0.75)})) == {"score": 0.75}


def test_nan_and_infinities_are_written_as_null_so_the_json_stays_valid():
    text = dumps({"a": math.nan, "b": math.inf, "c": [-math.inf]})
    assert json.loads(text) == {"a": None, "b": None, "c": [None]}
