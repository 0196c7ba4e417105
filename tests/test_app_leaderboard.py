"""AppTest of the Routing page's Leaderboard tab: the empty state points to Compare; seeded Compare votes (through
the store's comparison functions, as the Compare page saves them) become ratings per tier, beside the policy, with
simulated answers kept apart."""

from __future__ import annotations

from appkit import app, app_env, assert_no_exception, open_page, rendered_text  # noqa: F401  (fixtures)
from test_leaderboard import compared

PAGE = "pages/routing.py"
GROQ, LUNA, SONNET = "groq:llama-3.1-8b-instant", "openai:gpt-6-luna", "anthropic:claude-sonnet-5-5"


def board(at):
    """The leaderboard of real answers (the first table with an interval column; the simulated one is in an
    expander below it)."""
    return next(d.value for d in at.dataframe if "95% interval" in d.value.columns)


def test_without_votes_the_tab_says_how_to_get_them(app):
    at = open_page(app, PAGE)
    info = " ".join(i.value for i in at.info)
    assert "No Compare votes here yet" in info and "Compare page" in info
    assert "Open Compare" in rendered_text(at)
    assert not any("model" in d.value.columns and "95% interval" in d.value.columns for d in at.dataframe)


def test_votes_rank_models_per_tier_next_to_the_policy(app, app_env):
    store = app_env.store
    for _ in range(8):
        compared(store, LUNA, targets=(GROQ, LUNA), tier="SIMPLE")
    for _ in range(2):
        compared(store, GROQ, targets=(GROQ, LUNA), tier="SIMPLE")
    for _ in range(6):
        compared(store, SONNET, targets=(GROQ, SONNET), tier="EXPERT")
    for _ in range(3):
        compared(store, GROQ, targets=(GROQ, LUNA), tier="SIMPLE", simulated=True)

    at = open_page(app, PAGE)
    assert "No Compare votes here yet" not in " ".join(i.value for i in at.info)
    df = board(at)
    assert list(df["model"]) == [SONNET, LUNA, GROQ]
    rows = df.set_index("model")
    assert rows.loc[GROQ, "votes"] == 16 and rows.loc[LUNA, "picked"] == 8
    low, high = (float(x) for x in rows.loc[LUNA, "95% interval"].split(" – "))  # 10 votes: not provisional
    assert low < rows.loc[LUNA, "rating"] < high
    assert "SIMPLE #1" in rows.loc[GROQ, "in the policy"] and "baseline" in rows.loc[SONNET, "in the policy"]

    at.selectbox(key="lb_tier").select("SIMPLE").run()
    assert_no_exception(at)
    simple = board(at)
    assert list(simple["model"]) == [LUNA, GROQ] and simple.set_index("model").loc[GROQ, "votes"] == 10

    # Simulated answers are shown apart, labelled, and never counted with the real ones.
    expander = next(e for e in at.expander if "Simulated answers" in e.label)
    demo = expander.dataframe[0].value
    assert list(demo["model"]) == [GROQ, LUNA] and demo.set_index("model").loc[GROQ, "votes"] == 3
    # Three votes, all one way: the bootstrap cannot show the doubt, so the interval says it is provisional.
    assert demo.set_index("model").loc[GROQ, "95% interval"].endswith("(provisional: few votes)")
