"""modify_user_address changes the default address only, for the authenticated customer only."""

from tests.conftest import login, order_state, propose_and_confirm, user_state

NEW = {"address1": "88 Pier Road", "address2": "Unit 4", "city": "Seattle", "state": "WA", "country": "USA",
       "zip": "98101"}


def test_changes_default_address_not_orders(db):
    before = user_state(db, "noah_brown_6181")
    order_address = order_state(db, before["orders"][0])["address"]
    result = propose_and_confirm(login(db, "noah_brown_6181"), "modify_user_address",
                                 {"user_id": "noah_brown_6181", **NEW})
    after = user_state(db, "noah_brown_6181")
    assert result.output == after and after["address"] == {k: NEW[k] for k in after["address"]}
    assert order_state(db, before["orders"][0])["address"] == order_address


def test_unknown_or_foreign_user(db):
    runner = login(db, "noah_brown_6181")
    assert runner.call("modify_user_address", {"user_id": "nobody_1", **NEW}).error == "User not found"
    assert runner.call("modify_user_address", {"user_id": "yusuf_rossi_9620", **NEW}).error.startswith(
        "Access denied")


def test_the_agent_does_not_propose_a_change_to_the_address_it_already_has(db):
    from assistant.db import PendingAction
    from tests.agent_helpers import count

    from assistant.tools import ToolRunner

    runner = login(db, "noah_brown_6181")
    current = user_state(db, "noah_brown_6181")["address"]
    agents = ToolRunner(db, runner.session_id, changes_only=True)  # the agent's runner
    result = agents.call("modify_user_address", {"user_id": "noah_brown_6181", **current})
    assert result.error.startswith("This changes nothing") and result.pending_action_id is None
    assert count(db, PendingAction) == 0
    assert runner.call("modify_user_address", {"user_id": "noah_brown_6181", **current}).pending_action_id  # τ²'s
