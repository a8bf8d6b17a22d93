"""Refunds above KEFU_APPROVAL_THRESHOLD: the shopper's yes queues them for staff, who approve or reject."""

from __future__ import annotations

import pytest

from assistant.dialogue import staff
from assistant.errors import KefuError
from assistant.evaluation.scripted_model import call
from tests.agent_helpers import audits, email_of, scripted_agent
from tests.conftest import find_order, order_state
from ui import conversations as conv


def _cancel(db, tmp_path, threshold, skip=0):
    order_id, customer_id = find_order(db, "pending", skip=skip)
    agent, _ = scripted_agent(db, tmp_path, [call("find_user_id_by_email", email=email_of(db, customer_id)),
                                             call("cancel_pending_order", order_id=order_id,
                                                  reason="no longer needed")], approval_threshold=threshold)
    proposal = agent.respond("a1", f"{email_of(db, customer_id)}: cancel {order_id}, no longer needed")
    assert proposal.pending_action_id
    return agent, order_id, agent.respond("a1", "yes")


def test_large_refund_waits_for_approval_then_runs_once(db, tmp_path):
    agent, order_id, queued = _cancel(db, tmp_path, threshold=10)
    assert "needs a colleague's approval" in queued.text
    assert order_state(db, order_id)["status"] == "pending" and audits(db, "a1") == 0
    [waiting] = staff.awaiting_approval(db)
    text = staff.decide(db, agent, waiting.id, "ana", approve=True)
    assert text.startswith("Good news") and order_state(db, order_id)["status"] == "cancelled"
    assert audits(db, "a1") == 1 and staff.awaiting_approval(db) == []
    with pytest.raises(KefuError, match="not waiting for approval"):
        staff.decide(db, agent, waiting.id, "ana", approve=True)  # a second click changes nothing
    assert audits(db, "a1") == 1
    assert conv.transcript(db, "a1")[-1].content == text  # the shopper sees the decision
    assert agent.messages("a1")[-1].content == text  # and so does the agent


def test_rejected_refund_never_runs(db, tmp_path):
    agent, order_id, _ = _cancel(db, tmp_path, threshold=10)
    [waiting] = staff.awaiting_approval(db)
    assert "couldn't approve" in staff.decide(db, agent, waiting.id, "ana", approve=False)
    assert order_state(db, order_id)["status"] == "pending" and audits(db, "a1") == 0


def test_small_refunds_and_unset_threshold_need_no_approval(db, tmp_path):
    agent, order_id, done = _cancel(db, tmp_path, threshold=None)
    assert done.text.startswith("Done.") and order_state(db, order_id)["status"] == "cancelled"
    assert staff.awaiting_approval(db) == []


def test_refund_amounts():
    from assistant.tools.approval import refund_amount

    before = {"payment_history": [{"transaction_type": "payment", "amount": 90.0}]}
    after = {"payment_history": [*before["payment_history"], {"transaction_type": "refund", "amount": 90.0}]}
    assert refund_amount("cancel_pending_order", before, after) == 90.0
    returned = {"return_items": ["1"], "items": [{"item_id": "1", "price": 30.5}, {"item_id": "2", "price": 9.0}]}
    assert refund_amount("return_delivered_order_items", {}, returned) == 30.5
    assert refund_amount("exchange_delivered_order_items", {}, {"exchange_price_difference": -12.25}) == 12.25
    assert refund_amount("exchange_delivered_order_items", {}, {"exchange_price_difference": 5}) == 0
