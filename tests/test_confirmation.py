"""Writes wait for explicit confirmation, run exactly once, and are audit-logged with before and after."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from assistant.db import AuditLog, PendingAction
from assistant.errors import ConfirmationError
from assistant.tools import ToolRunner
from tests.conftest import find_order, login, order_state


def _propose_cancel(db):
    order_id, customer = find_order(db, "pending")
    runner = login(db, customer)
    result = runner.call("cancel_pending_order", {"order_id": order_id, "reason": "ordered by mistake"})
    return runner, order_id, result


def test_write_returns_summary_and_changes_nothing(db):
    order_id, customer = find_order(db, "pending")
    before = order_state(db, order_id)
    runner = login(db, customer)
    result = runner.call("cancel_pending_order", {"order_id": order_id, "reason": "ordered by mistake"})
    assert result.output["status"] == "awaiting_confirmation"
    assert result.output["pending_action_id"] == result.pending_action_id
    assert f"for {order_id}" in result.output["summary"] and "status: pending → cancelled" in result.output["summary"]
    assert order_state(db, order_id) == before
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_confirm_executes_and_audits_before_and_after(db):
    runner, order_id, proposal = _propose_cancel(db)
    before = order_state(db, order_id)
    result = runner.confirm(proposal.pending_action_id)
    assert result.output["status"] == "cancelled" and order_state(db, order_id) == result.output
    with db.session() as session:
        entry = session.scalars(select(AuditLog)).one()
        assert (entry.action, entry.target_id, entry.conversation_id) == ("cancel_pending_order", order_id,
                                                                          runner.session_id)
        assert entry.before == before and entry.after["status"] == "cancelled"
        assert entry.customer_id == before["user_id"] and entry.actor == "shopper"
        assert session.get(PendingAction, proposal.pending_action_id).status == "executed"


def test_double_confirmation_writes_once(db):
    runner, order_id, proposal = _propose_cancel(db)
    first = runner.confirm(proposal.pending_action_id)
    second = runner.confirm(proposal.pending_action_id)
    assert first.output == second.output
    assert len(order_state(db, order_id)["payment_history"]) == len(first.output["payment_history"])
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditLog)) == 1


def test_concurrent_confirmations_write_once(db):
    runner, order_id, proposal = _propose_cancel(db)
    results, errors = [], []

    def confirm():
        try:
            results.append(ToolRunner(db, runner.session_id).confirm(proposal.pending_action_id))
        except Exception as exc:  # noqa: BLE001  (collected and asserted below)
            errors.append(exc)

    threads = [threading.Thread(target=confirm) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(results) == 4
    assert all(r.output["status"] == "cancelled" for r in results)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditLog)) == 1
    refunds = [p for p in order_state(db, order_id)["payment_history"] if p["transaction_type"] == "refund"]
    assert len(refunds) == 1


def test_declined_action_can_never_run(db):
    runner, order_id, proposal = _propose_cancel(db)
    before = order_state(db, order_id)
    runner.decline(proposal.pending_action_id)
    with pytest.raises(ConfirmationError, match="is cancelled"):
        runner.confirm(proposal.pending_action_id)
    assert order_state(db, order_id) == before


def test_another_session_cannot_confirm(db):
    _, order_id, proposal = _propose_cancel(db)
    before = order_state(db, order_id)
    with pytest.raises(ConfirmationError, match="No pending action"):
        ToolRunner(db, "intruder").confirm(proposal.pending_action_id)
    assert order_state(db, order_id) == before


def test_expired_action_is_refused(db):
    runner, order_id, proposal = _propose_cancel(db)
    with db.session() as session:
        session.get(PendingAction, proposal.pending_action_id).expires_at = (
            datetime.now(timezone.utc) - timedelta(seconds=1))
    with pytest.raises(ConfirmationError, match="is expired"):
        runner.confirm(proposal.pending_action_id)
    assert order_state(db, order_id)["status"] == "pending"


def test_confirmation_rechecks_state_and_rolls_back(db):
    """Two proposals for one order: after the first runs, the second fails cleanly and writes nothing."""
    order_id, customer = find_order(db, "pending")
    runner = login(db, customer)
    first = runner.call("cancel_pending_order", {"order_id": order_id, "reason": "ordered by mistake"})
    second = runner.call("cancel_pending_order", {"order_id": order_id, "reason": "no longer needed"})
    runner.confirm(first.pending_action_id)
    after_first = order_state(db, order_id)
    result = runner.confirm(second.pending_action_id)
    assert result.error == "Non-pending order cannot be cancelled"
    assert order_state(db, order_id) == after_first
    with db.session() as session:
        assert session.get(PendingAction, second.pending_action_id).status == "failed"
        assert session.scalar(select(func.count()).select_from(AuditLog)) == 1


def test_every_call_is_recorded(db):
    from assistant.db import ToolCall

    runner, _, proposal = _propose_cancel(db)
    runner.confirm(proposal.pending_action_id)
    with db.session() as session:
        names = session.scalars(select(ToolCall.name).where(ToolCall.conversation_id == runner.session_id)).all()
    assert names == ["find_user_id_by_email", "cancel_pending_order", "confirm:cancel_pending_order"]
