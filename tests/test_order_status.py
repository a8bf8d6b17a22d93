"""Orders' current statuses from the database: a change already made is not offered again on the same order."""

from __future__ import annotations

import json

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from sqlalchemy import select

from assistant.db import Order, Product
from assistant.dialogue.order_status import order_statuses
from assistant.dialogue.tool_scope import offered_tools
from assistant.shop.records import order_record
from assistant.tools import ToolRunner


def _pending_with_swap(db):
    with db.session() as session:
        for order in session.scalars(select(Order).where(Order.status == "pending").order_by(Order.position)):
            line = order.items[0]
            other = next((v.id for v in session.get(Product, line.product_id).variants
                          if v.available and v.id != line.item_id), None)
            if other:
                return order.customer_id, order.id, line.item_id, other, order.payments[0].payment_method_id, \
                    order_record(order)
    raise AssertionError("no pending order with a swappable item")


def test_after_an_item_change_runs_the_restated_request_is_offered_the_address_change_only(db):
    customer_id, order_id, item_id, new_id, method, record = _pending_with_swap(db)
    assert order_statuses(db, "g1") == {}  # not identified yet
    runner = ToolRunner(db, "g1", actor="staff:test")
    runner.act_as_customer(customer_id)
    said = f"Swap the item in {order_id} for another color, and change the order's address to 1 Main St"
    messages = [HumanMessage(said),
                AIMessage("", tool_calls=[{"name": "get_order_details", "args": {}, "id": "o"}]),
                ToolMessage(json.dumps(record), tool_call_id="o", name="get_order_details")]
    before = offered_tools(messages, identified=True, statuses=order_statuses(db, "g1"))
    assert {"modify_pending_order_items", "modify_pending_order_address"} <= before

    proposed = runner.call("modify_pending_order_items", {"order_id": order_id, "item_ids": [item_id],
                                                           "new_item_ids": [new_id], "payment_method_id": method})
    runner.confirm(proposed.pending_action_id, decided_by="shopper", confirmed_with="yes")
    statuses = order_statuses(db, "g1")
    assert statuses[order_id] == "pending (item modified)"
    with db.session() as session:
        assert set(statuses) == set(session.scalars(select(Order.id).where(Order.customer_id == customer_id)))
    restated = [*messages, HumanMessage("As I said: " + said)]
    after = offered_tools(restated, identified=True, statuses=statuses)
    assert "modify_pending_order_address" in after and "modify_pending_order_items" not in after
    assert "modify_pending_order_items" in offered_tools(restated, identified=True)  # the stale record alone
