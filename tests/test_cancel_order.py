"""cancel_pending_order: refunds every payment, gift cards at once, only for pending orders."""

from __future__ import annotations

import pytest

from tests.conftest import find_order, login, order_state, propose_and_confirm, user_state


def test_cancel_refunds_payment_and_records_reason(db):
    order_id, customer = find_order(db, "pending")
    before = order_state(db, order_id)
    result = propose_and_confirm(login(db, customer), "cancel_pending_order",
                                 {"order_id": order_id, "reason": "no longer needed"})
    after = order_state(db, order_id)
    assert result.output == after
    assert (after["status"], after["cancel_reason"]) == ("cancelled", "no longer needed")
    paid = before["payment_history"][0]
    assert after["payment_history"] == [paid, {**paid, "transaction_type": "refund"}]


def test_cancel_credits_gift_card_balance(db):
    from sqlalchemy import select

    from assistant.db import Order, PaymentMethod

    with db.session() as session:
        order = next(o for o in session.scalars(select(Order).where(Order.status == "pending"))
                     if session.get(PaymentMethod, o.payments[0].payment_method_id).source == "gift_card")
        order_id, customer, card, amount = order.id, order.customer_id, order.payments[0].payment_method_id, \
            order.payments[0].amount
    balance = user_state(db, customer)["payment_methods"][card]["balance"]
    propose_and_confirm(login(db, customer), "cancel_pending_order",
                        {"order_id": order_id, "reason": "ordered by mistake"})
    assert user_state(db, customer)["payment_methods"][card]["balance"] == round(balance + amount, 2)


@pytest.mark.parametrize("status", ["processed", "delivered", "cancelled"])
def test_only_pending_orders_can_be_cancelled(db, status):
    order_id, customer = find_order(db, status)
    before = order_state(db, order_id)
    result = login(db, customer).call("cancel_pending_order", {"order_id": order_id, "reason": "no longer needed"})
    assert result.error == "Non-pending order cannot be cancelled"
    assert order_state(db, order_id) == before


def test_reason_must_be_one_of_two(db):
    order_id, customer = find_order(db, "pending")
    result = login(db, customer).call("cancel_pending_order", {"order_id": order_id, "reason": "too expensive"})
    assert result.error == "Invalid reason" and result.pending_action_id is None


def test_unknown_order(db):
    _, customer = find_order(db, "pending")
    result = login(db, customer).call("cancel_pending_order", {"order_id": "#W0000000", "reason": "no longer needed"})
    assert result.error == "Order not found"
