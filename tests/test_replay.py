"""What-if replay: loading prompt sets (and refusing bad ones clearly), classifying, projecting costs."""

from __future__ import annotations

import json

import pytest

from router_core import Complexity, Verdict, replay
from router_core.catalog import RoutingTable, Target
from router_core.config import load_config
from router_core.policy import Policy
from router_core.pricing import PriceBook
from router_core.replay import ReplayInputError

CHEAP, MID, PREMIUM = Target("cheap", "c1"), Target("mid", "m1"), Target("premium", "p1")


class FlatPrices:
    """USD per token: cheap 1e-6 in / 2e-6 out, mid 1e-5 / 2e-5, premium 1e-4 / 2e-4; `unpriced` has no price."""

    RATES = {"cheap": (1e-6, 2e-6), "mid": (1e-5, 2e-5), "premium": (1e-4, 2e-4)}

    def cost(self, provider, model, usage):
        if provider not in self.RATES:
            return None
        i, o = self.RATES[provider]
        return usage.input_tokens * i + usage.output_tokens * o


def table(**tiers) -> Policy:
    full = {t: tiers.get(t.value, (CHEAP,)) for t in Complexity.tiers()}
    return Policy(RoutingTable(full, PREMIUM), PREMIUM, tiers.get("name", "test"))


def fixed_classifier(mapping: dict[str, Complexity]):
    return lambda text: Verdict(mapping[text], 0.5, ("test",))


# ---------------------------------------------------------------------------------------------- loading
def test_csv_with_prompt_column_any_case_and_extra_columns():
    data = "id,Prompt,tier\n1,Hello there,TRIVIAL\n2,\"Explain, with commas, how DNS works\",MEDIUM\n3,,X\n"
    assert replay.load_prompts(data.encode(), "set.csv") == ["Hello there", "Explain, with commas, how DNS works"]


def test_jsonl_skips_blank_lines_and_blank_prompts():
    lines = [json.dumps({"prompt": "Hi", "id": 1}), "", json.dumps({"prompt": "  "}),
             json.dumps({"prompt": "What is 2+2?"})]
    assert replay.load_prompts("\n".join(lines).encode("utf-8-sig"), "x.jsonl") == ["Hi", "What is 2+2?"]


@pytest.mark.parametrize("name, expected", [("prompts.txt", ".txt"), ("book.xlsx", ".xlsx"),
                                            ("prompts", "without an extension"), ("data.json", ".json")])
def test_other_file_types_are_refused_naming_what_was_found(name, expected):
    with pytest.raises(ReplayInputError) as err:
        replay.load_prompts(b"prompt\nhi\n", name)
    message = str(err.value)
    assert expected in message and ".csv" in message and ".jsonl" in message


def test_csv_without_prompt_column_lists_the_columns_found():
    with pytest.raises(ReplayInputError) as err:
        replay.load_prompts(b"question,answer\nhi,hello\n", "qa.csv")
    message = str(err.value)
    assert "no 'prompt' column" in message and "'question'" in message and "'answer'" in message


def test_jsonl_line_without_prompt_names_the_line_and_keys():
    content = (json.dumps({"prompt": "ok"}) + "\n" + json.dumps({"text": "hi", "id": 2}) + "\n").encode()
    with pytest.raises(ReplayInputError) as err:
        replay.load_prompts(content, "set.jsonl")
    assert "line 2" in str(err.value) and "'text'" in str(err.value) and "'id'" in str(err.value)


def test_jsonl_invalid_json_and_non_objects_are_explained():
    with pytest.raises(ReplayInputError, match="line 1 is not valid JSON"):
        replay.load_prompts(b"{not json}\n", "bad.jsonl")
    with pytest.raises(ReplayInputError, match="line 1 is a JSON list"):
        replay.load_prompts(b'["a", "b"]\n', "bad.jsonl")
    with pytest.raises(ReplayInputError, match="'prompt' is a int"):
        replay.load_prompts(b'{"prompt": 5}\n', "bad.jsonl")


def test_binary_empty_and_undecodable_files_are_refused():
    with pytest.raises(ReplayInputError, match="binary"):
        replay.load_prompts(b"PK\x03\x04\x00\x00binary", "zip.csv")
    with pytest.raises(ReplayInputError, match="empty"):
        replay.load_prompts(b"", "empty.csv")
    with pytest.raises(ReplayInputError, match="no prompts"):
        replay.load_prompts(b"prompt\n\n,\n", "blank.csv")
    with pytest.raises(ReplayInputError, match="not UTF-8"):
        replay.load_prompts("prompt\ncafé\n".encode("latin-1"), "latin.csv")


def test_too_many_prompts_is_refused(monkeypatch):
    monkeypatch.setattr(replay, "MAX_PROMPTS", 3)
    with pytest.raises(ReplayInputError, match="at most 3"):
        replay.load_prompts(b"prompt\na\nb\nc\nd\n", "big.csv")


def test_sample_set_is_varied_across_every_tier():
    prompts = replay.load_sample_prompts()
    assert 35 <= len(prompts) <= 60
    judged = replay.classify_prompts(prompts)
    tiers = {j.tier for j in judged}
    assert len(tiers) >= 4, tiers  # the classifier may still move a borderline prompt to a neighbour tier
    raw = [json.loads(line) for line in replay.SAMPLE_PROMPTS_PATH.read_text().splitlines() if line.strip()]
    assert {r["intended_tier"] for r in raw} == {t.value for t in Complexity.tiers()}


# ---------------------------------------------------------------------------------------------- projecting
def test_estimate_tokens_is_about_four_characters_a_token():
    assert replay.estimate_tokens("") == replay.FRAMING_TOKENS
    assert replay.estimate_tokens("x" * 400) == 100 + replay.FRAMING_TOKENS


def test_projection_prices_each_prompt_on_its_tiers_first_candidate():
    prompts = ["hi", "what time is it", "prove it"]
    judged = replay.classify_prompts(prompts, classify=fixed_classifier(
        {"hi": Complexity.TRIVIAL, "what time is it": Complexity.SIMPLE, "prove it": Complexity.EXPERT}))
    policy = table(EXPERT=(MID, PREMIUM))
    out = {Complexity.TRIVIAL: 10, Complexity.SIMPLE: 20, Complexity.MEDIUM: 30, Complexity.COMPLEX: 40,
           Complexity.EXPERT: 50}
    p = replay.project(judged, policy, FlatPrices(), PREMIUM, output_tokens=out, name="A")
    assert list(p.rows["target"]) == ["cheap:c1", "cheap:c1", "mid:m1"]
    assert p.tier_counts() == {"TRIVIAL": 1, "SIMPLE": 1, "MEDIUM": 0, "COMPLEX": 0, "EXPERT": 1}
    tokens = [replay.estimate_tokens(t) for t in prompts]
    expected = (tokens[0] * 1e-6 + 10 * 2e-6) + (tokens[1] * 1e-6 + 20 * 2e-6) + (tokens[2] * 1e-5 + 50 * 2e-5)
    base = sum(t * 1e-4 for t in tokens) + (10 + 20 + 50) * 2e-4
    assert p.cost_usd == pytest.approx(expected)
    assert p.baseline_cost_usd == pytest.approx(base)
    assert p.saved_usd == pytest.approx(base - expected)
    assert p.saved_pct == pytest.approx(100 * (base - expected) / base)
    expert = p.by_tier.set_index("tier").loc["EXPERT"]
    assert expert["target"] == "mid:m1" and expert["prompts"] == 1
    assert any("estimated" in n for n in p.notes)  # says the token counts are an estimate


def test_two_policies_side_by_side():
    judged = replay.classify_prompts(["a", "b", "c", "d"], classify=fixed_classifier(
        {"a": Complexity.MEDIUM, "b": Complexity.MEDIUM, "c": Complexity.COMPLEX, "d": Complexity.TRIVIAL}))
    cheap = replay.project(judged, table(name="cheap"), FlatPrices(), PREMIUM)
    pricey = replay.project(judged, table(MEDIUM=(PREMIUM,), COMPLEX=(PREMIUM,), name="pricey"), FlatPrices(),
                            PREMIUM)
    side = replay.compare([cheap, pricey]).set_index("policy")
    assert list(side.index) == ["cheap", "pricey"]
    assert side.loc["cheap", "MEDIUM"] == side.loc["pricey", "MEDIUM"] == 2
    assert side.loc["cheap", "projected_cost_usd"] < side.loc["pricey", "projected_cost_usd"]
    assert side.loc["pricey", "baseline_cost_usd"] == pytest.approx(side.loc["cheap", "baseline_cost_usd"])
    assert side.loc["pricey", "saved_pct"] == pytest.approx(100 * (1 - pricey.cost_usd / pricey.baseline_cost_usd))


def test_unavailable_candidates_are_skipped_and_unpriced_ones_reported():
    judged = replay.classify_prompts(["x", "y"], classify=fixed_classifier(
        {"x": Complexity.MEDIUM, "y": Complexity.SIMPLE}))
    policy = table(MEDIUM=(CHEAP, MID), SIMPLE=(Target("free", "f1"),))
    p = replay.project(judged, policy, FlatPrices(), PREMIUM,
                       why_unavailable=lambda provider: "set CHEAP_KEY" if provider == "cheap" else None)
    assert list(p.rows["target"]) == ["mid:m1", "free:f1"]
    assert p.unpriced == 1 and any("free:f1" in n for n in p.notes)
    assert p.baseline_cost_usd == pytest.approx(float(p.rows.loc[0, "baseline_cost_usd"]))  # y left out of both


def test_replay_with_the_shipped_config_prices_every_default_route(monkeypatch, tmp_path):
    config = load_config(None, {"ROUTER_DOTENV": "", "DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}"})
    prices = PriceBook(config.price_overrides, config.providers)
    policy = Policy(config.routing, config.baseline, "default (router.toml)")
    p = replay.replay(replay.load_sample_prompts(), policy, prices, config.baseline)
    assert p.prompts == len(replay.load_sample_prompts())
    assert p.unpriced == 0 and p.unrouted == 0
    assert 0 < p.cost_usd and 0 < p.baseline_cost_usd
    assert p.by_tier["prompts"].sum() == p.prompts


def test_upgrade_cost_is_what_routes_priced_above_the_baseline_cost_beyond_it():
    judged = replay.classify_prompts(["a", "b"], classify=fixed_classifier(
        {"a": Complexity.EXPERT, "b": Complexity.TRIVIAL}))
    p = replay.project(judged, table(EXPERT=(PREMIUM,)), FlatPrices(), MID)  # EXPERT above the MID baseline
    above = float(p.rows.loc[0, "cost_usd"] - p.rows.loc[0, "baseline_cost_usd"])
    assert above > 0 and p.upgrade_cost_usd == pytest.approx(above)
    assert p.rows.loc[1, "upgrade_cost_usd"] == 0  # cheaper than the baseline: nothing above it
    assert p.by_tier.set_index("tier").loc["EXPERT", "upgrade_cost_usd"] == pytest.approx(above)
    summary = p.summary()
    assert summary["upgrade_cost_usd"] == pytest.approx(above) and summary["n"] == 2
    trivial = summary["by_tier"]["TRIVIAL"]
    assert (trivial["prompts"], trivial["target"], trivial["upgrade_cost_usd"]) == (1, "cheap:c1", 0.0)
    assert trivial["cost_usd"] == pytest.approx(float(p.rows.loc[1, "cost_usd"]))
    assert replay.project(judged, table(), FlatPrices(), MID).upgrade_cost_usd == 0
