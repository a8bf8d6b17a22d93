"""modify_pending_order_address, _payment and _items, with each of their refusals."""

from __future__ import annotations

from assistant.db import PaymentMethod
from assistant.tools import ToolRunner
from tests.conftest import find_order, login, method_of, order_state, propose_and_confirm, user_state

NEW_ADDRESS = {"address1": "1 Harbor Way", "address2": "", "city": "Portland", "state": "ME", "country": "USA",
               "zip": "04101"}


def test_modify_address_of_pending_order(db):
    order_id, customer = find_order(db, "pending")
    default_before = user_state(db, customer)["address"]
    result = propose_and_confirm(login(db, customer), "modify_pending_order_address",
                                 {"order_id": order_id, **NEW_ADDRESS})
    assert result.output["address"] == {k: NEW_ADDRESS[k] for k in result.output["address"]}
    assert order_state(db, order_id)["status"] == "pending"
    assert user_state(db, customer)["address"] == default_before


def test_modify_address_refused_after_processing(db):
    order_id, customer = find_order(db, "processed")
    result = login(db, customer).call("modify_pending_order_address", {"order_id": order_id, **NEW_ADDRESS})
    assert result.error == "Non-pending order cannot be modified"


def _pending_with_two_methods(db):
    for skip in range(50):
        order_id, customer = find_order(db, "pending", skip=skip)
        methods = user_state(db, customer)["payment_methods"]
        paid_with = order_state(db, order_id)["payment_history"][0]["payment_method_id"]
        others = [m for m in methods.values() if m["id"] != paid_with and m["source"] != "gift_card"]
        if others:
            return order_id, customer, paid_with, others[0]["id"]
    raise AssertionError("no suitable order")


def test_modify_payment_pays_with_new_method_and_refunds_old(db):
    order_id, customer, old, new = _pending_with_two_methods(db)
    amount = order_state(db, order_id)["payment_history"][0]["amount"]
    propose_and_confirm(login(db, customer), "modify_pending_order_payment",
                        {"order_id": order_id, "payment_method_id": new})
    assert order_state(db, order_id)["payment_history"][1:] == [
        {"transaction_type": "payment", "amount": amount, "payment_method_id": new},
        {"transaction_type": "refund", "amount": amount, "payment_method_id": old},
    ]


def test_modify_payment_refusals(db):
    order_id, customer, old, _ = _pending_with_two_methods(db)
    runner = login(db, customer)
    call = runner.call
    assert call("modify_pending_order_payment", {"order_id": order_id, "payment_method_id": old}).error == \
        "The new payment method should be different from the current one"
    assert call("modify_pending_order_payment", {"order_id": order_id, "payment_method_id": "paypal_0"}).error == \
        "Payment method not found"


def test_modify_payment_gift_card_must_cover_total(db):
    for skip in range(100):
        order_id, customer = find_order(db, "pending", method_source="gift_card", skip=skip)
        card = method_of(db, customer, "gift_card")
        if order_state(db, order_id)["payment_history"][0]["payment_method_id"] != card.id:
            break
    with db.session() as session:
        session.get(PaymentMethod, card.id).balance = 1.0
    before = order_state(db, order_id)
    result = login(db, customer).call("modify_pending_order_payment", {"order_id": order_id,
                                                                       "payment_method_id": card.id})
    assert result.error == "Insufficient gift card balance to pay for the order"
    assert order_state(db, order_id) == before


def _swap(db, order_id):
    """An order line and another available variant of its product."""
    line = order_state(db, order_id)["items"][0]
    variants = ToolRunner(db, "catalog").call("get_product_details", {"product_id": line["product_id"]}).output
    new = next(v for v in variants["variants"].values() if v["available"] and v["item_id"] != line["item_id"])
    return line, new


def test_modify_items_swaps_variant_and_settles_difference(db):
    order_id, customer = find_order(db, "pending")
    line, new = _swap(db, order_id)
    paid_with = order_state(db, order_id)["payment_history"][0]["payment_method_id"]
    result = propose_and_confirm(login(db, customer), "modify_pending_order_items",
                                 {"order_id": order_id, "item_ids": [line["item_id"]], "new_item_ids": [new["item_id"]],
                                  "payment_method_id": paid_with})
    after = order_state(db, order_id)
    assert result.output == after and after["status"] == "pending (item modified)"
    assert after["items"][0] == {**line, "item_id": new["item_id"], "price": new["price"], "options": new["options"]}
    difference = new["price"] - line["price"]
    assert after["payment_history"][-1] == {"transaction_type": "payment" if difference > 0 else "refund",
                                            "amount": abs(difference), "payment_method_id": paid_with}


def test_modify_items_refusals(db):
    order_id, customer = find_order(db, "pending")
    line, new = _swap(db, order_id)
    paid_with = order_state(db, order_id)["payment_history"][0]["payment_method_id"]
    before = order_state(db, order_id)
    runner = login(db, customer)

    def attempt(item_ids, new_item_ids, method=paid_with):
        return runner.call("modify_pending_order_items", {"order_id": order_id, "item_ids": item_ids,
                                                          "new_item_ids": new_item_ids,
                                                          "payment_method_id": method}).error

    assert attempt(["123"], [new["item_id"]]) == "123 not found"
    assert attempt([line["item_id"]], []) == "The number of items to be exchanged should match"
    assert attempt([line["item_id"]], [line["item_id"]]) == "The new item id should be different from the old item id"
    other_product_item = "9612497925" if line["product_id"] != "9523456873" else "1008292230"
    assert attempt([line["item_id"]], [other_product_item]) == "Variant not found"
    assert attempt([line["item_id"]], [new["item_id"]], "credit_card_0") == "Payment method not found"
    assert order_state(db, order_id) == before


def test_modify_items_only_once(db):
    order_id, customer = find_order(db, "pending")
    line, new = _swap(db, order_id)
    paid_with = order_state(db, order_id)["payment_history"][0]["payment_method_id"]
    args = {"order_id": order_id, "item_ids": [line["item_id"]], "new_item_ids": [new["item_id"]],
            "payment_method_id": paid_with}
    runner = login(db, customer)
    propose_and_confirm(runner, "modify_pending_order_items", args)
    back = {**args, "item_ids": [new["item_id"]], "new_item_ids": [line["item_id"]]}
    assert runner.call("modify_pending_order_items", back).error == "Non-pending order cannot be modified"
