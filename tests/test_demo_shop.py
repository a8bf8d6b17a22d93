"""The demo shop: deterministic, big enough, every status, consistent, with policy and FAQ documents."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from assistant.db import Database
from assistant.shop.demo import STATUS_WEIGHTS, build_demo_shop
from assistant.shop.tau2 import export_tau2
from tests.conftest import json_lines, run_kefu


def _build(tmp_path, seed: int, name: str = "demo.db") -> dict:
    db = Database(f"sqlite:///{tmp_path / name}")
    db.migrate()
    with db.session() as session:
        build_demo_shop(session, seed)
    with db.session() as session:
        return export_tau2(session)


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> dict:
    return _build(tmp_path_factory.mktemp("demo"), 7)


def test_sizes_and_statuses(shop):
    variants = sum(len(p["variants"]) for p in shop["products"].values())
    assert len(shop["products"]) >= 50 and variants >= 500
    assert len(shop["users"]) >= 300 and len(shop["orders"]) >= 1000
    assert set(Counter(o["status"] for o in shop["orders"].values())) == set(STATUS_WEIGHTS)


def test_same_seed_same_shop_other_seed_other_shop(shop, tmp_path):
    assert _build(tmp_path, 7, "again.db") == shop
    assert _build(tmp_path, 8, "other.db") != shop


def test_records_are_consistent(shop):
    variants = {i: v for p in shop["products"].values() for i, v in p["variants"].items()}
    emails = [u["email"] for u in shop["users"].values()]
    assert len(set(emails)) == len(emails)
    for order in shop["orders"].values():
        methods = shop["users"][order["user_id"]]["payment_methods"]
        assert order["order_id"] in shop["users"][order["user_id"]]["orders"]
        assert all(p["payment_method_id"] in methods for p in order["payment_history"])
        assert all(line["item_id"] in variants and line["product_id"] in shop["products"] for line in order["items"])
        shipped = bool(order["fulfillments"])
        assert shipped == (order["status"] in ("processed", "delivered", "return requested", "exchange requested"))
        if order["status"] == "cancelled":
            assert order["cancel_reason"] in ("no longer needed", "ordered by mistake")
            assert [p["transaction_type"] for p in order["payment_history"]] == ["payment", "refund"]
        if order["status"] == "return requested":
            assert order["return_items"]


def test_cli_demo_then_tool_call_as_readme_shows(tmp_path):
    env = {"KEFU_DATA_DIR": str(tmp_path)}
    out = run_kefu("shop", "demo", env=env).stdout
    assert "demo shop: 52 products, 604 variants, 320 customers, 1100 orders" in out
    names = sorted(p.name for p in (tmp_path / "docs").iterdir())
    assert names == ["faq.md", "faq.zh.md", "payment.md", "privacy.md", "returns.md", "shipping.md", "warranty.md"]
    assert "退货" in (tmp_path / "docs" / "faq.zh.md").read_text()
    assert "left as it is" in run_kefu("shop", "demo", "--if-empty", env=env).stdout
    export = tmp_path / "shop.json"
    run_kefu("shop", "export", "--format", "tau2", str(export), env=env)
    user = next(iter(json.loads(export.read_text())["users"].values()))
    found = run_kefu("tool", "call", "find_user_id_by_email", "--session", "demo",
                     "--args", json.dumps({"email": user["email"]}), env=env)
    assert json_lines(found.stdout) == [{"name": "find_user_id_by_email", "output": user["user_id"]}]
    details = run_kefu("tool", "call", "get_order_details", "--session", "demo",
                       "--args", json.dumps({"order_id": user["orders"][0]}), env=env)
    assert json_lines(details.stdout)[0]["output"]["user_id"] == user["user_id"]


def test_cli_write_needs_confirm_command(tmp_path):
    env = {"KEFU_DATA_DIR": str(tmp_path)}
    run_kefu("shop", "demo", env=env)
    export = tmp_path / "shop.json"
    run_kefu("shop", "export", "--format", "tau2", str(export), env=env)
    order = next(o for o in json.loads(export.read_text())["orders"].values() if o["status"] == "pending")
    user = json.loads(export.read_text())["users"][order["user_id"]]
    run_kefu("tool", "call", "find_user_id_by_email", "--session", "w", "--args", json.dumps({"email": user["email"]}),
             env=env)
    proposal = json_lines(run_kefu("tool", "call", "cancel_pending_order", "--session", "w", "--args",
                                   json.dumps({"order_id": order["order_id"], "reason": "no longer needed"}),
                                   env=env).stdout)[0]
    action = proposal["pending_action_id"]
    assert proposal["output"]["status"] == "awaiting_confirmation"
    done = json_lines(run_kefu("tool", "confirm", action, "--session", "w", env=env).stdout)[0]
    again = json_lines(run_kefu("tool", "confirm", action, "--session", "w", env=env).stdout)[0]
    assert done["output"]["status"] == "cancelled" and again == done
    assert len(done["output"]["payment_history"]) == 2
