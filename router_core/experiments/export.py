"""An experiment as a file: CSV (one row per cell) or a self-contained HTML page (the per-column summary, then
the grid: rows = inputs, columns = variant x target). Model output is untrusted: every text in the HTML is
escaped, and a CSV cell that a spreadsheet would run as a formula is quoted."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Mapping, Sequence
from typing import Any

from .grid import Column
from .scorers import Scorer

CELL_COLUMNS = ["input_index", "variant", "target", "provider", "model", "answer", "cost_usd", "latency_ms",
                "input_tokens", "output_tokens", "error", "simulated"]


def cell_rows(experiment: Mapping[str, Any], cells: Sequence[Mapping[str, Any]],
              scorers: Sequence[Scorer]) -> tuple[list[str], list[list[Any]]]:
    """(header, rows): the input's variables and expected answer, then the cell, then each scorer's score."""
    inputs = experiment["inputs_json"]
    variables = list(dict.fromkeys(k for i in inputs for k in (i.get("vars") or {})))
    header = ["input_index", *variables, "expected", *CELL_COLUMNS[1:], *(f"score:{s.name}" for s in scorers),
              *(f"detail:{s.name}" for s in scorers)]
    rows = []
    for c in cells:
        item = inputs[c["input_index"]]
        results = [c["score_detail"].get(s.name) or {} for s in scorers]
        rows.append([c["input_index"], *((item.get("vars") or {}).get(v, "") for v in variables), item.get("expected"),
                     *(c.get(k) for k in CELL_COLUMNS[1:]), *(r.get("score") for r in results),
                     *((r.get("error") or r.get("detail") or "") for r in results)])
    return header, rows


def to_csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[_safe(v) for v in row] for row in rows])
    return buf.getvalue()


def _safe(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _num(value: float | None, fmt: str) -> str:
    return "–" if value is None else format(value, fmt)


def to_html(experiment: Mapping[str, Any], cols: Sequence[Column], scorer: Scorer,
            cells: Sequence[Mapping[str, Any]]) -> str:
    """A page a browser shows without running anything from the experiment's texts."""
    title = f"Experiment #{experiment['id']}" + (f" — {experiment['name']}" if experiment.get("name") else "")
    sim = " <strong>(simulated answers: not a measurement)</strong>" if any(c.simulated for c in cols) else ""
    head = ["column", "n", "mean score", "95 % interval", "cost (USD)", "cost per point", "latency p50 (ms)"]
    summary = "".join(_summary_row(c) for c in cols)
    by_key = {(c["input_index"], c["variant"], c["target"]): c for c in cells}
    grid_rows = []
    for index, item in enumerate(experiment["inputs_json"]):
        values = "; ".join(f"{k} = {v}" for k, v in (item.get("vars") or {}).items())
        row = [f"<td class=\"input\">{_e(values)}" + (f"<br><em>expected:</em> {_e(item['expected'])}"
                                                     if item.get("expected") is not None else "") + "</td>"]
        for c in cols:
            cell = by_key.get((index, c.variant, c.target))
            row.append(f"<td>{_cell_html(cell, scorer)}</td>")
        grid_rows.append("<tr>" + "".join(row) + "</tr>")
    grid_head = "".join(f"<th>{_e(c.label)}</th>" for c in cols)
    return (f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{_e(title)}</title><style>"
            "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}"
            "td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}"
            "tr.rec{background:#e6f4ea}pre{white-space:pre-wrap;max-width:40em;margin:0}.meta{color:#555}"
            f"</style></head><body><h1>{_e(title)}</h1><p class=\"meta\">{_e(experiment['dataset'])}; scored by "
            f"{_e(scorer.describe())}{sim}</p><h2>Per column</h2><table><tr>"
            + "".join(f"<th>{h}</th>" for h in head) + f"</tr>{summary}</table><h2>Grid</h2><table><tr><th>input</th>"
            f"{grid_head}</tr>{''.join(grid_rows)}</table></body></html>")


def _summary_row(c: Column) -> str:
    mark, star = (' class="rec"', " ★ recommended") if c.recommended else ("", "")
    values = [c.n, _num(c.mean_score, ".2f"), f"{_num(c.ci_low, '.2f')}–{_num(c.ci_high, '.2f')}",
              f"{c.cost_usd:.6f}",
              _num(c.cost_per_point, ".6f"), _num(c.latency_ms_p50, ".0f")]
    return f"<tr{mark}><td>{_e(c.label)}{star}</td>" + "".join(f"<td>{v}</td>" for v in values) + "</tr>"


def _cell_html(cell: Mapping[str, Any] | None, scorer: Scorer) -> str:
    if cell is None:
        return "<em>not run</em>"
    if cell.get("error"):
        return f"<em>error:</em> {_e(cell['error'])}"
    result = cell["score_detail"].get(scorer.name) or {}
    score = "pending" if not result else (_num(result.get("score"), "g") if result.get("score") is not None
                                          else f"error: {result.get('error')}")
    cost = "unpriced" if cell.get("cost_usd") is None else f"${cell['cost_usd']:.6f}"
    return (f"<strong>{_e(score)}</strong> · {_e(cost)} · {_num(cell.get('latency_ms'), '.0f')} ms"
            f"<pre>{_e(cell.get('answer'))}</pre>")
