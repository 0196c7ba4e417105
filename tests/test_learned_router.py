"""The team's learned router: trained on scripted outcomes it finds the weakness the text reveals, beats the plain
classifier on held-out outcomes, survives a trip through JSON and the database unchanged, refuses corrupt or
incompatible artifacts, chooses a threshold that keeps its quality target on new data, and `learn` stores it
(or exits 2 with nothing stored)."""

from __future__ import annotations

import json
import random
import string

import numpy as np
import pytest
from learnkit import scripted_outcomes

from router_core.__main__ import main
from router_core.learning.artifact import Artifact, ArtifactError, Hashing, murmur3_32
from router_core.learning.threshold import HeldOut, choose, project
from router_core.learning.training import MIN_OUTCOMES, Rows, TooFewOutcomes, export, fit, train
from router_core.store import Store


@pytest.fixture(scope="module")
def trained() -> dict:
    return train(scripted_outcomes(400), sources=("judge_shadow",))


def test_held_out_apgr_is_clearly_above_random_and_above_the_plain_classifier():
    """The cheap model fails on limericks, a word the plain classifier does not score: only learning finds it."""
    trained = train(scripted_outcomes(400, weakness="limerick"))
    cv = trained["cv"]
    assert cv["folds"] == 5 and cv["scored_folds"] == 5
    assert cv["learned_apgr"] > 0.8, cv
    assert cv["learned_apgr"] > cv["classifier_apgr"] + 0.15, cv
    held = trained["cv"]["held_out"]
    assert None not in held["p"] and len(held["p"]) == 400
    hard = [p for p, w in zip(held["p"], held["weak"]) if w == 0]
    easy = [p for p, w in zip(held["p"], held["weak"]) if w == 1]
    assert min(hard) > max(easy)  # held out, every limerick prompt ranks above every other one


def test_the_integral_weakness_is_learned_on_held_out_folds(trained):
    cv, held = trained["cv"], trained["cv"]["held_out"]
    assert cv["learned_apgr"] > 0.8 and cv["learned_apgr"] >= cv["classifier_apgr"] - 0.01
    hard = [p for p, w in zip(held["p"], held["weak"]) if w == 0]
    assert min(hard) > max(p for p, w in zip(held["p"], held["weak"]) if w == 1)


def test_the_artifact_round_trips_through_json_and_predicts_identically():
    outcomes = scripted_outcomes(200)
    for i, o in enumerate(outcomes):
        o["agent"] = "maths" if i % 3 == 0 else None
    rows = Rows.of(outcomes)
    everything = np.arange(len(rows))
    fitted = fit(rows, everything)
    artifact = Artifact.from_json(json.dumps(export(fitted)))
    expected = fitted.predict(rows, everything)
    got = [artifact.predict(o["prompt"], agent=o["agent"]) for o in outcomes]
    assert np.allclose(got, expected, atol=1e-9, rtol=0)
    unseen = "What is the integral of a chess opening?"
    assert artifact.predict(unseen) > 2 * artifact.predict("What is the outline of a chess opening?")


def test_the_stored_artifact_loads_back_from_the_database(tmp_path, trained):
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    version = store.save_learned_router(trained, n=trained["n"], sources=trained["sources"])
    row = store.learned_router(version)
    store.close()
    assert row["n"] == 400 and row["sources"] == ["judge_shadow"]
    loaded, direct = Artifact.from_json(row["artifact_json"]), Artifact.from_dict(trained)
    for prompt in ("Give me the integral of tides, part 9", "hello", "Explain the rules of chess"):
        assert loaded.predict(prompt) == direct.predict(prompt)


def test_feature_hashing_is_scikit_learns_exactly():
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.utils import murmurhash3_32

    rng = random.Random(0)
    for text in ["", "a", "abcd", "über straße", "日本語", *("".join(rng.choices(string.printable, k=rng.randint(0, 40)))
                                                     for _ in range(300))]:
        assert murmur3_32(text.encode()) == murmurhash3_32(text.encode(), seed=0)
    hv = HashingVectorizer(ngram_range=(1, 2), n_features=2 ** 18, alternate_sign=False)
    ours = Hashing(2 ** 18, (1, 2), False, "l2")
    for text in ["Solve the integral of x^2 dx, and the integral of sin x", "Hi", "", "Über 42 cafés? Yes yes."]:
        m = hv.transform([text])
        assert ours.vector(text) == pytest.approx(dict(zip(m.indices.tolist(), m.data.tolist())))


@pytest.mark.parametrize("damage, message", [
    (lambda a: "{not json", "not valid JSON"),
    (lambda a: json.dumps({**a, "format": "pickle"}), "not a Switchboard learned-router artifact"),
    (lambda a: json.dumps({**a, "format_version": 99}), "format version 99"),
    (lambda a: json.dumps({k: v for k, v in a.items() if k != "weights"}), "incomplete or corrupt"),
    (lambda a: json.dumps({**a, "structure": {**a["structure"], "names": ["words_only", *a["structure"]["names"][1:]]}}),
     "train it again"),
    (lambda a: json.dumps({**a, "hashing": {**a["hashing"], "token_pattern": r"\S+"}}), "does not reproduce"),
])
def test_a_corrupt_or_incompatible_artifact_is_refused_with_a_clear_error(trained, damage, message):
    with pytest.raises(ArtifactError, match=message):
        Artifact.from_json(damage(dict(trained)))


def test_too_few_outcomes_or_one_kind_only_is_refused():
    with pytest.raises(TooFewOutcomes, match=f"at least {MIN_OUTCOMES}"):
        train(scripted_outcomes(MIN_OUTCOMES - 1))
    same = [dict(o, strong_wins=False, good=True) for o in scripted_outcomes(60)]
    with pytest.raises(TooFewOutcomes, match="not one strong-model win"):
        train(same)


def test_the_chosen_threshold_meets_its_target_on_new_outcomes_and_thresholds_move_cost_and_quality(trained):
    held = HeldOut.of(trained)
    pick = choose(held, target=0.95)
    assert pick.meets_target and pick.quality >= 0.95 and pick.escalated < 0.5  # not "escalate everything"
    assert pick.quality_ci[0] <= pick.quality <= pick.quality_ci[1] and pick.cost_ci[0] <= pick.cost <= pick.cost_ci[1]
    artifact = Artifact.from_dict(trained)
    fresh = scripted_outcomes(200, seed=11, start=5000)  # prompts never seen in training
    escalated = [artifact.predict(o["prompt"]) >= pick.threshold for o in fresh]
    kept = sum(1.0 if esc else float(o["good"]) for o, esc in zip(fresh, escalated)) / len(fresh)
    assert kept >= 0.95
    lower, higher = project(held, 0.2), project(held, 0.8)
    assert lower.escalated >= higher.escalated and lower.cost >= higher.cost and lower.quality >= higher.quality
    assert project(held, 0.0).quality == 1.0 and project(held, 1.0 + 1e-6).escalated == 0.0


def test_learn_exits_2_and_stores_nothing_with_too_few_outcomes(tmp_path, capsys):
    store = Store(f"sqlite:///{tmp_path / 'router.db'}")
    store.add_outcomes(scripted_outcomes(10))
    assert main(["learn", "--json"]) == 2
    err = capsys.readouterr().err
    assert "nothing stored" in err and f"at least {MIN_OUTCOMES}" in err and "judge_shadow 10" in err
    assert store.learned_routers() == []
    store.close()


def test_learn_stores_a_version_and_ends_with_the_json_figures(tmp_path, capsys):
    store = Store(f"sqlite:///{tmp_path / 'router.db'}")
    store.add_outcomes(scripted_outcomes(240, weakness="limerick"))
    store.add_outcomes(scripted_outcomes(40, source="thumbs", start=1000))
    assert main(["learn", "--sources", "judge", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"version", "n", "by_source", "learned_apgr", "learned_sd", "classifier_apgr", "classifier_sd"} <= set(figures)
    assert figures["n"] == 240 and figures["by_source"] == {"judge_shadow": 240}  # thumbs left out
    assert figures["learned_apgr"] > 0.8 and figures["learned_apgr"] > figures["classifier_apgr"]
    assert [r["version"] for r in store.learned_routers()] == [figures["version"]]
    assert main(["learn", "--sources", "likes"]) == 2
    store.close()
