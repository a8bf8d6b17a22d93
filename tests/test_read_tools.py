"""Lookups, details, calculator, shipment tracking, product search and transfer to a human."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from assistant.db import HandoffTicket
from assistant.tools import ToolRunner
from tests.conftest import find_order, login, order_state


def test_find_by_email_ignores_case(db):
    runner = ToolRunner(db, "s")
    assert runner.call("find_user_id_by_email", {"email": "Noah.Brown7922@EXAMPLE.com"}).output == "noah_brown_6181"


def test_find_by_name_and_zip(db):
    runner = ToolRunner(db, "s")
    args = {"first_name": "yusuf", "last_name": "ROSSI", "zip": "19122"}
    assert runner.call("find_user_id_by_name_zip", args).output == "yusuf_rossi_9620"
    assert ToolRunner(db, "t").call("find_user_id_by_name_zip", {**args, "zip": "19123"}).error == "User not found"


def test_user_and_order_details(db):
    runner = login(db, "noah_brown_6181")
    user = runner.call("get_user_details", {"user_id": "noah_brown_6181"}).output
    assert user["name"] == {"first_name": "Noah", "last_name": "Brown"} and user["orders"] == ["#W7678072"]
    order = runner.call("get_order_details", {"order_id": "#W7678072"}).output
    assert order["user_id"] == "noah_brown_6181" and order["cancel_reason"] is None
    assert runner.call("get_order_details", {"order_id": "W7678072"}).error == "Order not found"


def test_product_and_item_details(db):
    runner = ToolRunner(db, "s")
    product = runner.call("get_product_details", {"product_id": "9523456873"}).output
    item_id, variant = next(iter(product["variants"].items()))
    assert runner.call("get_item_details", {"item_id": item_id}).output == variant
    assert runner.call("get_item_details", {"item_id": "nope"}).error == "Item not found"
    assert runner.call("get_product_details", {"product_id": item_id}).error == "Product not found"


def test_list_all_product_types_is_sorted_json_text(db):
    text = ToolRunner(db, "s").call("list_all_product_types").output
    mapping = json.loads(text)
    assert len(mapping) == 50 and list(mapping) == sorted(mapping) and text == json.dumps(mapping)


@pytest.mark.parametrize("expression,expected", [
    ("2 + 2", "4.0"), ("0.125*1", "0.12"), ("0.375*1", "0.38"), ("(49.99 - 12.5) * 2", "74.98"), ("7 // 2", "3.0"),
])
def test_calculate(db, expression, expected):
    assert ToolRunner(db, "s").call("calculate", {"expression": expression}).output == expected


@pytest.mark.parametrize("expression,error", [
    ("2 + x", "Invalid characters in expression"), ("1e3", "Invalid characters in expression"),
    ("1 / 0", "division by zero"), ("2 +", "invalid syntax (<string>, line 1)"), ("9 ** 99999", "exponent too large"),
])
def test_calculate_errors(db, expression, error):
    assert ToolRunner(db, "s").call("calculate", {"expression": expression}).error == error


def test_track_shipment_lists_parcels_and_unshipped_items(db):
    order_id, customer = find_order(db, "processed")
    tracking = login(db, customer).call("track_shipment", {"order_id": order_id}).output
    record = order_state(db, order_id)
    assert tracking["order_status"] == "processed"
    assert [s["tracking_ids"] for s in tracking["shipments"]] == [f["tracking_id"] for f in record["fulfillments"]]
    assert all(s["state"] == "in transit" for s in tracking["shipments"])
    pending_id, pending_owner = find_order(db, "pending")
    pending = login(db, pending_owner).call("track_shipment", {"order_id": pending_id}).output
    assert pending["shipments"] == [] and len(pending["not_shipped"]) == len(order_state(db, pending_id)["items"])


def test_search_products_by_words_and_options(db):
    runner = ToolRunner(db, "s")
    results = runner.call("search_products", {"query": "t-shirts", "options": {"Color": "Blue"}}).output
    assert [r["name"] for r in results] == ["T-Shirt"]
    assert results[0]["variants"] and all(v["options"]["color"] == "blue" and v["available"]
                                          for v in results[0]["variants"])
    assert runner.call("search_products", {"query": "spaceship"}).output == []
    assert runner.call("search_products", {"limit": 99}).error == "limit must be between 1 and 20"


def test_transfer_opens_handoff_ticket(db):
    runner = login(db, "noah_brown_6181")
    result = runner.call("transfer_to_human_agents", {"summary": "Wants a warranty repair"})
    assert result.output == "Transfer successful"
    with db.session() as session:
        ticket = session.scalars(select(HandoffTicket)).one()
        assert (ticket.conversation_id, ticket.customer_id, ticket.status) == (runner.session_id, "noah_brown_6181",
                                                                               "open")
        assert ticket.summary == "Wants a warranty repair"
