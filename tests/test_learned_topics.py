"""One large kind of traffic must not swamp a small one: a topic (the agent, or a cluster of similar prompts when
there is no agent) gets its own n-gram weights on top of the shared ones, and those survive the trip through the
JSON artifact, scored in plain Python."""

from __future__ import annotations

import json

import numpy as np
import pytest
from learnkit import two_topic_outcomes

from router_core.learning.artifact import Artifact
from router_core.learning.training import Rows, cross_validate, export, fit, train
from router_core.routing_eval import curve_from_order


def _apgr_by_topic(outcomes: list[dict], held_out: list[float | None]) -> dict[str, float]:
    """Held-out APGR within topic A and within topic B."""
    out = {}
    for topic in "AB":
        idx = [i for i, o in enumerate(outcomes) if o["topic"] == topic]
        out[topic] = curve_from_order([float(outcomes[i]["good"]) for i in idx], [1.0] * len(idx),
                                      [held_out[i] for i in idx]).apgr
    return out


@pytest.mark.parametrize("agents", [True, False], ids=["by agent", "by cluster"])
def test_a_small_topic_with_the_opposite_rule_is_not_swamped_by_a_large_one(agents):
    outcomes = two_topic_outcomes(agents=agents)  # A: 900 outcomes, B: 100 with the opposite rule
    rows = Rows.of(outcomes)
    global_only = _apgr_by_topic(outcomes, cross_validate(rows, per_topic=False)["held_out"])
    per_topic = _apgr_by_topic(outcomes, cross_validate(rows)["held_out"])
    # B's oracle is 0.75 (half its prompts gain), A's 0.875 (a quarter); the global model turns B upside down
    assert global_only["B"] < 0.4, global_only
    assert per_topic["B"] > 0.7 and per_topic["B"] > global_only["B"] + 0.3, (global_only, per_topic)
    assert per_topic["A"] >= global_only["A"] - 0.02, (global_only, per_topic)


def test_clusters_and_topic_weights_round_trip_through_the_artifact():
    outcomes = two_topic_outcomes(agents=False)
    for o in outcomes[::7]:
        o["agent"] = "support-desk"  # a few with an agent: their topic is the agent, the rest are clustered
    rows = Rows.of(outcomes)
    everything = np.arange(len(rows))
    fitted = fit(rows, everything)
    data = json.loads(json.dumps(export(fitted)))
    assert data["topics"]["clusters"] and len(data["topics"]["words"]) >= 2
    artifact = Artifact.from_dict(data)
    _, _, labels = fitted.features(rows, everything)
    got = [artifact.topic(artifact.hashing.vector(o["prompt"]), o.get("agent")) for o in outcomes]
    assert got == labels  # the plain-Python nearest centroid is training's
    expected = fitted.predict(rows, everything)
    assert np.allclose([artifact.predict(o["prompt"], agent=o.get("agent")) for o in outcomes], expected,
                       atol=1e-9, rtol=0)


def test_the_stored_router_escalates_by_topic():
    artifact = Artifact.from_dict(train(two_topic_outcomes(agents=True)))
    ask = (lambda word, agent: artifact.predict(f"Give me notes on the rules of chess: {word}, part 7001", agent=agent))
    assert ask("limerick", "support") > 2 * ask("summary", "support")  # A: a limerick needs the strong model
    assert ask("summary", "maths") > 2 * ask("limerick", "maths")  # B: the opposite


def test_a_version_1_artifact_without_topic_weights_still_loads_and_scores_as_before():
    outcomes = two_topic_outcomes(agents=True, big=200, small=40)
    rows = Rows.of(outcomes)
    fitted = fit(rows, np.arange(len(rows)), per_topic=False)
    data = export(fitted)
    old = {**data, "format_version": 1, "topics": {k: v for k, v in data["topics"].items()
                                                   if k in ("field", "rates", "overall", "prior")}}
    new, before = Artifact.from_dict(data), Artifact.from_dict(old)
    for o in outcomes[:20]:
        expected = new.predict(o["prompt"], agent=o["agent"])
        assert before.predict(o["prompt"], agent=o["agent"]) == pytest.approx(expected)


def _stored(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in o.items() if k != "topic"} for o in rows]


def test_learn_reports_the_figures_with_and_without_the_agent(tmp_path, capsys):
    """The agent is request metadata: `learn --json` reports the held-out APGR with it and without it."""
    from router_core.__main__ import main
    from router_core.store import Store

    store = Store(f"sqlite:///{tmp_path / 'router.db'}")
    store.add_outcomes(_stored(two_topic_outcomes(agents=True)))  # B is told apart by its agent only
    assert main(["learn", "--json"]) == 0
    out = capsys.readouterr().out
    figures = json.loads(out.strip().splitlines()[-1])
    assert figures["meta_used"] is True
    assert figures["learned_apgr"] > figures["learned_apgr_no_meta"] + 0.02, figures
    assert figures["learned_sd_no_meta"] is not None and "Without the agent as a feature" in out
    store.close()


def test_without_agents_the_figures_without_metadata_are_the_same():
    cv = train(two_topic_outcomes(agents=False, big=300, small=60))["cv"]
    assert cv["meta_used"] is False and cv["learned_apgr_no_meta"] == cv["learned_apgr"]
