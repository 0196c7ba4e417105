"""The Compare page's charts, as figures: axes that fit the numbers."""

from __future__ import annotations

from pages.ui.compare_view import cost_figure


def _item(target: str, cost: float | None) -> dict:
    return {"target": target, "cost_usd": cost, "is_auto": False, "error": None}


def test_all_zero_costs_do_not_stretch_the_axis_to_a_dollar() -> None:
    fig = cost_figure([_item("local:smollm2-135m", 0.0), _item("ollama:llama3.2", 0.0)])
    assert fig.layout.xaxis.range is not None and fig.layout.xaxis.range[1] <= 0.001


def test_the_axis_fits_the_largest_cost_with_room_for_its_label() -> None:
    fig = cost_figure([_item("a:x", 0.002), _item("b:y", 0.0005)])
    assert 0.002 < fig.layout.xaxis.range[1] < 0.004
