"""return_delivered_order_items and exchange_delivered_order_items, with each of their refusals."""

from __future__ import annotations

from sqlalchemy import select

from assistant.db import PaymentMethod
from assistant.tools import ToolRunner
from tests.conftest import find_order, login, method_of, order_state, propose_and_confirm


def _delivered(db, min_items=1, method_source=None):
    order_id, customer = find_order(db, "delivered", min_items=min_items, method_source=method_source)
    return order_id, customer, order_state(db, order_id)


def test_return_to_original_method(db):
    order_id, customer, before = _delivered(db, min_items=2)
    items = [before["items"][1]["item_id"], before["items"][0]["item_id"]]
    original = before["payment_history"][0]["payment_method_id"]
    result = propose_and_confirm(login(db, customer), "return_delivered_order_items",
                                 {"order_id": order_id, "item_ids": items, "payment_method_id": original})
    after = order_state(db, order_id)
    assert result.output == after and after["status"] == "return requested"
    assert after["return_items"] == sorted(items) and after["return_payment_method_id"] == original
    assert after["payment_history"] == before["payment_history"] and after["items"] == before["items"]


def test_a_return_proposal_says_what_the_refund_comes_to(db):
    order_id, customer, before = _delivered(db, min_items=2)
    returned = before["items"][:2]
    args = {"order_id": order_id, "item_ids": [i["item_id"] for i in returned],
            "payment_method_id": before["payment_history"][0]["payment_method_id"]}
    total = f"${sum(i['price'] for i in returned):,.2f}"
    runner = login(db, customer)
    assert f"refund total: {total}" in runner.call("return_delivered_order_items", args).output["summary"]
    runner.language = "zh"
    assert f"退款金额：{total}" in runner.call("return_delivered_order_items", args).output["summary"]


def _delivered_with_second_method(db):
    """A delivered order whose owner also has a card or PayPal account that did not pay for it."""
    for skip in range(200):
        order_id, customer = find_order(db, "delivered", skip=skip)
        before = order_state(db, order_id)
        original = before["payment_history"][0]["payment_method_id"]
        with db.session() as session:
            others = session.scalars(select(PaymentMethod.id).where(
                PaymentMethod.customer_id == customer, PaymentMethod.source != "gift_card",
                PaymentMethod.id != original)).all()
        if others:
            return order_id, customer, before, others[0]
    raise AssertionError("no delivered order with a second non-gift-card method")


def test_return_refusals(db):
    order_id, customer, before, other_method = _delivered_with_second_method(db)
    runner = login(db, customer)
    item = before["items"][0]["item_id"]
    original = before["payment_history"][0]["payment_method_id"]

    def attempt(order=order_id, items=(item,), method=original, as_runner=runner):
        return as_runner.call("return_delivered_order_items",
                              {"order_id": order, "item_ids": list(items), "payment_method_id": method}).error

    assert attempt(order="#W0000000") == "Order not found"
    assert attempt(items=[item] * 5) == "Some item not found"
    assert attempt(method="paypal_0") == "Payment method not found"
    assert attempt(method=other_method) == "Payment method should be the original payment method"
    assert order_state(db, order_id) == before
    pending_order, pending_owner = find_order(db, "pending")
    pending_method = order_state(db, pending_order)["payment_history"][0]["payment_method_id"]
    assert attempt(order=pending_order, items=[], method=pending_method, as_runner=login(db, pending_owner)) == \
        "Non-delivered order cannot be returned"


def _exchange_pair(db, line):
    variants = ToolRunner(db, "catalog").call("get_product_details", {"product_id": line["product_id"]}).output
    return next(v for v in variants["variants"].values() if v["available"] and v["item_id"] != line["item_id"])


def test_exchange_records_request_and_difference(db):
    order_id, customer, before = _delivered(db)
    line = before["items"][0]
    new = _exchange_pair(db, line)
    method = before["payment_history"][0]["payment_method_id"]
    propose_and_confirm(login(db, customer), "exchange_delivered_order_items",
                        {"order_id": order_id, "item_ids": [line["item_id"]], "new_item_ids": [new["item_id"]],
                         "payment_method_id": method})
    after = order_state(db, order_id)
    assert after["status"] == "exchange requested"
    assert (after["exchange_items"], after["exchange_new_items"]) == ([line["item_id"]], [new["item_id"]])
    assert after["exchange_price_difference"] == round(new["price"] - line["price"], 2)
    assert after["items"] == before["items"] and after["payment_history"] == before["payment_history"]


def test_exchange_refusals(db):
    order_id, customer, before = _delivered(db, method_source="gift_card")
    line = before["items"][0]
    new = _exchange_pair(db, line)
    runner = login(db, customer)

    def attempt(item_ids, new_item_ids, method):
        return runner.call("exchange_delivered_order_items", {"order_id": order_id, "item_ids": item_ids,
                                                              "new_item_ids": new_item_ids,
                                                              "payment_method_id": method}).error

    method = before["payment_history"][0]["payment_method_id"]
    assert attempt(["42"], [new["item_id"]], method) == "Number of 42 not found."
    assert attempt([line["item_id"]], [], method) == "The number of items to be exchanged should match."
    assert attempt([line["item_id"]], ["0000000000"], method) == "Variant not found"
    assert attempt([line["item_id"]], [new["item_id"]], "gift_card_0") == "Payment method not found"
    assert order_state(db, order_id) == before


def test_exchange_gift_card_must_cover_difference(db):
    for skip in range(200):
        order_id, customer = find_order(db, "delivered", method_source="gift_card", skip=skip)
        line = order_state(db, order_id)["items"][0]
        variants = ToolRunner(db, "c").call("get_product_details", {"product_id": line["product_id"]}).output
        dearer = [v for v in variants["variants"].values() if v["available"] and v["price"] > line["price"]]
        if dearer:
            break
    card = method_of(db, customer, "gift_card")
    with db.session() as session:
        session.get(PaymentMethod, card.id).balance = 0.0
    result = login(db, customer).call("exchange_delivered_order_items", {
        "order_id": order_id, "item_ids": [line["item_id"]], "new_item_ids": [dearer[0]["item_id"]],
        "payment_method_id": card.id})
    assert result.error == "Insufficient gift card balance to pay for the price difference"


def test_unavailable_variant_is_refused(db):
    order_id, customer, before = _delivered(db)
    line = before["items"][0]
    new = _exchange_pair(db, line)
    from assistant.db import Variant

    with db.session() as session:
        session.get(Variant, new["item_id"]).available = False
    result = login(db, customer).call("exchange_delivered_order_items", {
        "order_id": order_id, "item_ids": [line["item_id"]], "new_item_ids": [new["item_id"]],
        "payment_method_id": before["payment_history"][0]["payment_method_id"]})
    assert result.error == f"New item {new['item_id']} not found or available"


def test_exchange_only_once(db):
    order_id, customer, before = _delivered(db)
    line = before["items"][0]
    new = _exchange_pair(db, line)
    args = {"order_id": order_id, "item_ids": [line["item_id"]], "new_item_ids": [new["item_id"]],
            "payment_method_id": before["payment_history"][0]["payment_method_id"]}
    runner = login(db, customer)
    propose_and_confirm(runner, "exchange_delivered_order_items", args)
    assert runner.call("exchange_delivered_order_items", args).error == "Non-delivered order cannot be exchanged"
