"""One money formatter: the report, the CLI and the app print the same text for the same amount."""

from __future__ import annotations

import pytest

from pages.ui.text import signed_money
from router_core.display import money


@pytest.mark.parametrize("value, text", [
    (-0.0014, "-$0.0014"), (0.0014, "$0.0014"), (-2.5, "-$2.50"), (-1234.0, "-$1,234"),
    (-0.00001, "-<$0.0001"), (0.0, "$0"), (None, "unpriced"),
])
def test_money_puts_the_sign_before_the_dollar(value: float | None, text: str) -> None:
    assert money(value) == text


@pytest.mark.parametrize("value", [-0.0014, -3.2, 0.5, 0.0, -250.0])
def test_the_app_and_the_cli_print_the_same_amount(value: float) -> None:
    assert signed_money(value) == money(value)
