"""The task generator: validated tasks over τ²'s shop and the demo shop, never touching what evaluation keeps apart."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from assistant.cli.evaluate import GENERATED, NAMED
from assistant.db import Database, Order
from assistant.evaluation.generator import AMOUNT_GOALS, GOALS, Exclusions, generate
from assistant.evaluation.scoring import changed_records, expected_state, shop_state
from assistant.evaluation.shops import shop_template, tau2_db_for
from assistant.evaluation.tasks import load_tasks
from tests.conftest import TAU2

ORDER_ID = re.compile(r"#W\d{7}")
WRITES = ("cancel", "modify", "return", "exchange")


@pytest.fixture(scope="module")
def tau2_shop(tau2_template) -> tuple[Path, Exclusions]:
    db = Database(f"sqlite:///{tau2_template}")
    with db.session() as session:
        exclusions = Exclusions.beside(TAU2 / "tasks.json", session)
    db.dispose()
    return tau2_template, exclusions


def _touches(task: dict) -> tuple[str, set[str]]:
    notes = json.loads(task["description"]["notes"])
    return notes["user_id"], set(ORDER_ID.findall(json.dumps(task, ensure_ascii=False)))


def test_exclusions_hold_every_test_split_customer_and_order_and_every_reserved_user(tau2_shop):
    _, exclusions = tau2_shop
    reserved = set(json.loads((TAU2 / "reserved_users.json").read_text())["users"])
    assert len(reserved) == 100 and reserved <= exclusions.customers
    for task in load_tasks(TAU2 / "tasks.json", split="test"):
        assert task.user_id in exclusions.customers
        assert set(ORDER_ID.findall(json.dumps([task.reason, task.actions]))) <= exclusions.orders


def test_generated_tasks_avoid_exclusions_cover_every_goal_and_validate(tau2_shop, tmp_path):
    template, exclusions = tau2_shop
    tasks = generate(template, tmp_path, 40, seed=3, exclusions=exclusions)
    assert len(tasks) == 40
    for task in tasks:
        user, orders = _touches(task)
        assert user not in exclusions.customers and not orders & exclusions.orders, task["id"]
    assert {t["description"]["purpose"] for t in tasks} == set(GOALS)
    languages = Counter(json.loads(t["description"]["notes"])["language"] for t in tasks)
    assert languages["zh"] >= len(tasks) / 3
    # Replayed on their own, the gold actions change the shop exactly when the task asks for a change.
    seed = Database(f"sqlite:///{template}")
    initial = shop_state(seed)
    seed.dispose()
    (tmp_path / "tasks.json").write_text(json.dumps(tasks, ensure_ascii=False))
    for task in load_tasks(tmp_path / "tasks.json"):
        changed = changed_records(initial, expected_state(template, task, tmp_path))
        assert bool(changed) == any(a["name"].startswith(WRITES) for a in task.actions), task.id


def test_generated_wording_names_orders_by_more_than_their_id(tau2_shop, tmp_path):
    template, exclusions = tau2_shop
    tasks = generate(template, tmp_path, 60, seed=5, exclusions=exclusions)
    by_order = [t for t in tasks if any("order_id" in a["arguments"] for a in
                                         t["evaluation_criteria"]["actions"])]
    without_id = [t for t in by_order if not ORDER_ID.search(t["user_scenario"]["instructions"]["reason_for_call"])]
    assert len(without_id) >= len(by_order) / 3


def test_amount_questions_carry_what_the_order_cost_and_what_the_return_brings_back(tau2_shop, tmp_path):
    template, exclusions = tau2_shop
    tasks = generate(template, tmp_path, 12, seed=2, exclusions=exclusions, goals=AMOUNT_GOALS)
    assert {t["description"]["purpose"] for t in tasks} == set(AMOUNT_GOALS)
    db = Database(f"sqlite:///{template}")
    with db.session() as session:
        for task in tasks:
            (info,), actions = task["evaluation_criteria"]["communicate_info"], task["evaluation_criteria"]["actions"]
            if task["description"]["purpose"] == "paid":
                assert all(a["name"].startswith("find_user") for a in actions)
                orders = session.scalars(select(Order).where(Order.customer_id == _touches(task)[0]))
                assert info in {f"{sum(p.amount for p in o.payments if p.transaction_type == 'payment'):.2f}"
                                for o in orders}
            else:
                (write,) = [a for a in actions if a["name"] == "return_delivered_order_items"]
                prices = {line.item_id: line.price for line in session.get(Order, write["arguments"]["order_id"]).items}
                assert info == f"{sum(prices[i] for i in write['arguments']['item_ids']):.2f}"
    db.dispose()


@pytest.mark.parametrize("shop", ["tau2", "demo", "tau2-amounts"])
def test_committed_generated_sets_keep_out_the_test_split_and_reserved_users(shop, tmp_path):
    source = NAMED[shop.removesuffix("-amounts")]
    template = shop_template(source, tmp_path / "shops", 7)
    db = Database(f"sqlite:///{template}")
    with db.session() as session:
        exclusions = Exclusions.beside(source, session)
    db.dispose()
    tasks = json.loads((GENERATED / shop / "tasks.json").read_text())
    split = json.loads((GENERATED / shop / "split_tasks.json").read_text())
    assert len(tasks) >= (40 if shop.endswith("amounts") else 100) and not set(split["train"]) & set(split["dev"])
    for task in tasks:
        user, orders = _touches(task)
        assert user not in exclusions.customers and not orders & exclusions.orders, task["id"]
    assert (tau2_db_for(GENERATED / shop / "tasks.json") is not None) == shop.startswith("tau2")


def test_a_training_pool_keeps_out_the_committed_dev_split(tau2_shop, tmp_path):
    template, exclusions = tau2_shop
    db = Database(f"sqlite:///{template}")
    with db.session() as session:
        exclusions = Exclusions(set(exclusions.customers), set(exclusions.orders))
        exclusions.add_split(GENERATED / "tau2" / "tasks.json", "dev", session)
        exclusions.close_over(session)
    db.dispose()
    dev = [t for t in json.loads((GENERATED / "tau2" / "tasks.json").read_text())
           if t["id"] in json.loads((GENERATED / "tau2" / "split_tasks.json").read_text())["dev"]]
    dev_customers = {_touches(t)[0] for t in dev}
    assert dev_customers and dev_customers <= exclusions.customers
    for task in generate(template, tmp_path, 30, seed=11, exclusions=exclusions):
        assert _touches(task)[0] not in dev_customers and not _touches(task)[1] & exclusions.orders


def test_the_hand_written_everyday_set_keeps_out_the_test_split_and_replays(tau2_shop, tmp_path):
    template, exclusions = tau2_shop
    source = NAMED["everyday"]
    tasks = json.loads(source.read_text())
    assert json.loads((source.parent / "split_tasks.json").read_text()) == {"dev": [t["id"] for t in tasks]}
    assert tau2_db_for(source) is not None
    languages = Counter(json.loads(t["description"]["notes"])["language"] for t in tasks)
    assert languages["zh"] >= len(tasks) / 3
    seed = Database(f"sqlite:///{template}")
    initial = shop_state(seed)
    seed.dispose()
    for task in load_tasks(source):
        user, orders = _touches(next(t for t in tasks if t["id"] == task.id))
        assert user not in exclusions.customers and not orders & exclusions.orders, task.id
        assert all(order in initial["orders"] for order in orders), task.id
        # Every gold write replays: the shop changes, and only the task's own customer's records. A task the
        # agent must refuse holds no write and leaves the shop as it was.
        changed = changed_records(initial, expected_state(template, task, tmp_path))
        writes = [a for a in task.actions if not a["name"].startswith(("find_", "get_"))]
        assert bool(changed) == bool(writes), task.id
        assert all(initial[kind].get(key, {}).get("user_id", key) == user for kind, key in changed), task.id
