"""PostgreSQL, as a shop runs it: every τ² task's replay, one write per confirmation, and no double spend or
lost refund when two writes touch the same gift card at once (rows are read FOR UPDATE)."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from assistant.db import AuditLog, Order, Payment, PaymentMethod
from assistant.tools import ToolRunner
from tests.conftest import TAU2

TASKS = {t["id"]: t for t in json.loads((TAU2 / "tasks.json").read_text())}


@pytest.fixture(scope="module")
def tau2_on_postgres(postgres_url, tau2_dir):
    """A `tau2_template` database holding τ²'s shop, imported once; each task replays on a copy of it
    (CREATE DATABASE … TEMPLATE, a file copy inside the server)."""
    from sqlalchemy import create_engine, text

    from assistant.db import Database
    from assistant.shop.tau2 import import_tau2, load_tau2

    base = make_url(postgres_url)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS tau2_template"))
        connection.execute(text("CREATE DATABASE tau2_template"))
    template = Database(base.set(database="tau2_template").render_as_string(hide_password=False))
    template.migrate()
    with template.session() as session:
        import_tau2(session, load_tau2(tau2_dir / "db.json"))
    template.dispose()  # a template database must have no connections when it is copied

    def fresh(name: str) -> Database:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE tau2_template'))
        return Database(base.set(database=name).render_as_string(hide_password=False))

    yield fresh
    admin.dispose()


@pytest.mark.parametrize("task_id", sorted(TASKS, key=int))
def test_tau2_replay_on_postgres_reproduces_expected_records(task_id, tau2_on_postgres):
    from tests.test_tau2_conformance import check_task

    db = tau2_on_postgres(f"task_{task_id}")
    try:
        check_task(task_id, db)
    finally:
        db.dispose()


def _at_once(calls) -> list:
    """Run the calls in threads released together; their results (or exceptions) in order."""
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            results[index] = call()
        except Exception as exc:  # noqa: BLE001  (returned and asserted by the caller)
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _customer_with_gift_card_and_pending_orders(db, count: int = 2) -> tuple[str, str, list[str]]:
    """A customer with a gift card, another payment method and `count` pending orders."""
    with db.session() as session:
        for card in session.scalars(select(PaymentMethod).where(PaymentMethod.source == "gift_card")
                                    .order_by(PaymentMethod.id)):
            if len(card.customer.payment_methods) < 2:
                continue
            pending = session.scalars(select(Order.id).where(Order.customer_id == card.customer_id,
                                                              Order.status == "pending").order_by(Order.id)).all()
            if len(pending) >= count:
                return card.customer_id, card.id, list(pending[:count])
    raise AssertionError("no customer with a gift card and two pending orders")


def _balance(db, card_id: str) -> float:
    with db.session() as session:
        return session.get(PaymentMethod, card_id).balance


def test_concurrent_confirmations_of_one_change_write_once(pg_db):
    customer_id, _, (order_id, _) = _customer_with_gift_card_and_pending_orders(pg_db)
    runner = ToolRunner(pg_db, "pg-once", actor="staff:test")
    runner.act_as_customer(customer_id)
    action = runner.call("cancel_pending_order", {"order_id": order_id, "reason": "no longer needed"})
    results = _at_once([lambda: ToolRunner(pg_db, "pg-once").confirm(action.pending_action_id)] * 4)
    assert all(getattr(r, "error", "x") is None for r in results), results
    with pg_db.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.conversation_id == "pg-once", AuditLog.action == "cancel_pending_order")) == 1


def test_two_payments_from_one_gift_card_at_once_cannot_overspend_it(pg_db):
    customer_id, card_id, orders = _customer_with_gift_card_and_pending_orders(pg_db)
    with pg_db.session() as session:
        other = session.scalars(select(PaymentMethod.id).where(PaymentMethod.customer_id == customer_id,
                                                               PaymentMethod.id != card_id)).first()
        for order_id in orders:  # both paid some other way, so that both can move to the gift card
            session.scalars(select(Payment).where(Payment.order_id == order_id)).first().payment_method_id = other
        totals = [session.scalar(select(Payment.amount).where(Payment.order_id == o)) for o in orders]
        session.get(PaymentMethod, card_id).balance = max(totals)  # enough for either order, not for both
    actions = []
    for n, order_id in enumerate(orders):
        runner = ToolRunner(pg_db, f"pg-spend-{n}", actor="staff:test")
        runner.act_as_customer(customer_id)
        actions.append((runner.session_id, runner.call(
            "modify_pending_order_payment", {"order_id": order_id, "payment_method_id": card_id}).pending_action_id))
    results = _at_once([lambda s=s, a=a: ToolRunner(pg_db, s).confirm(a) for s, a in actions])
    assert sorted(r.error is None for r in results) == [False, True], results
    assert "Insufficient gift card balance" in next(r.error for r in results if r.error)
    assert _balance(pg_db, card_id) >= 0


def test_two_refunds_to_one_gift_card_at_once_are_both_kept(pg_db):
    customer_id, card_id, orders = _customer_with_gift_card_and_pending_orders(pg_db)
    with pg_db.session() as session:  # both orders paid with the gift card
        for order_id in orders:
            session.scalars(select(Payment).where(Payment.order_id == order_id)).first().payment_method_id = card_id
        refunds = sum(session.scalar(select(Payment.amount).where(Payment.order_id == o)) for o in orders)
    before = _balance(pg_db, card_id)
    actions = []
    for n, order_id in enumerate(orders):
        runner = ToolRunner(pg_db, f"pg-refund-{n}", actor="staff:test")
        runner.act_as_customer(customer_id)
        actions.append((runner.session_id, runner.call(
            "cancel_pending_order", {"order_id": order_id, "reason": "no longer needed"}).pending_action_id))
    results = _at_once([lambda s=s, a=a: ToolRunner(pg_db, s).confirm(a) for s, a in actions])
    assert all(r.error is None for r in results), results
    assert _balance(pg_db, card_id) == pytest.approx(before + refunds)
