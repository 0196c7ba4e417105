from test_app_routing import *
def test_zzdebugonly(app, app_env):
    at = open_routing(app)
    import router_core
    print(at.session_state["rt_edited_data"])
    r = fresh_router()
    print(r.policy.to_dict())
    print(at.session_state["rt_edited_data"] == r.policy.to_dict())
