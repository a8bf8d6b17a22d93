"""Bad tool calls get a clear error and change nothing."""

from __future__ import annotations

import pytest

from tests.conftest import find_order, login, order_state


@pytest.mark.parametrize("args,expected", [
    ({"order_id": 123, "reason": "no longer needed"}, "Invalid arguments for cancel_pending_order: order_id:"),
    ({"order_id": "#W1"}, "Invalid arguments for cancel_pending_order: reason: Field required"),
    ({"order_id": "#W1", "reason": "no longer needed", "force": True}, "Invalid arguments for cancel_pending_order: "
                                                                       "force: Extra inputs are not permitted"),
])
def test_wrong_types_missing_and_extra_arguments(db, args, expected):
    order_id, customer = find_order(db, "pending")
    before = order_state(db, order_id)
    result = login(db, customer).call("cancel_pending_order", args)
    assert result.error.startswith(expected), result.error
    assert order_state(db, order_id) == before


def test_unknown_tool(db):
    assert login(db, "noah_brown_6181").call("delete_everything", {}).error == "Tool 'delete_everything' not found."


def test_arguments_must_be_an_object(db):
    assert login(db, "noah_brown_6181").call("get_order_details", ["#W1"]).error.startswith("Invalid arguments")


def test_list_arguments_are_not_coerced(db):
    order_id, customer = find_order(db, "delivered")
    result = login(db, customer).call("return_delivered_order_items",
                                      {"order_id": order_id, "item_ids": "123", "payment_method_id": "x"})
    assert result.error.startswith("Invalid arguments for return_delivered_order_items: item_ids:")


def test_the_agent_never_proposes_a_change_of_no_items(db):
    from assistant.tools import ToolRunner

    order_id, customer = find_order(db, "delivered")
    runner = login(db, customer)
    agents = ToolRunner(db, runner.session_id, changes_only=True)  # the agent's runner
    result = agents.call("return_delivered_order_items", {"order_id": order_id, "item_ids": [],
                                                          "payment_method_id": "gift_card_0"})
    assert result.error.startswith("No items were given") and result.pending_action_id is None
    assert order_state(db, order_id)["status"] == "delivered"
