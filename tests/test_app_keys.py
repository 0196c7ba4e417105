"""The Keys page (AppTest): create a key (shown once, stored only as a hash), list it, revoke it."""

from __future__ import annotations

import hashlib

from appkit import app, app_env, assert_no_exception, open_page, rendered_text  # noqa: F401


def test_create_list_and_revoke_a_key(app, app_env):
    open_page(app, "pages/keys.py")
    assert any("No keys yet" in i.value for i in app.info)
    next(t for t in app.text_input if t.label == "Org").set_value("growth-team")
    next(n for n in app.number_input if n.label.startswith("Daily budget")).set_value(2.5)
    next(b for b in app.button if b.label == "Create key").click().run()
    assert_no_exception(app)
    shown = [c.value for c in app.code]
    assert len(shown) == 1 and shown[0].startswith("sb-")
    key = shown[0]
    with app_env.store.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT prefix, key_hash, org, daily_budget_usd FROM gateway_keys").all()
    assert stored == [(key[:11], hashlib.sha256(key.encode()).hexdigest(), "growth-team", 2.5)]
    table = app.dataframe[0].value
    assert list(table["prefix"]) == [key[:11]] and list(table["state"]) == ["live"]
    assert "of $2.50" in table["today"][0]

    app.run()  # the key is shown once only
    assert not app.code and key not in rendered_text(app)

    next(b for b in app.button if b.label == "Revoke").click().run()
    assert_no_exception(app)
    assert list(app.dataframe[0].value["state"]) == ["revoked"]
    with app_env.store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT revoked_at IS NOT NULL FROM gateway_keys").scalar()


def test_a_key_needs_an_org(app, app_env):
    open_page(app, "pages/keys.py")
    next(b for b in app.button if b.label == "Create key").click().run()
    assert any("needs an org" in e.value for e in app.error)
    assert app_env.count("gateway_keys") == 0
