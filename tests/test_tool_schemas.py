"""Tool schemas come from type hints and docstrings; the context never reaches the model."""

from __future__ import annotations

import json

from assistant.tools import ALL_TOOLS
from assistant.tools.langchain_tools import langchain_tools
from tests.conftest import find_order, login, order_state

TAU2_NAMES = {
    "find_user_id_by_email", "find_user_id_by_name_zip", "get_user_details", "get_order_details",
    "get_product_details", "get_item_details", "list_all_product_types", "calculate", "cancel_pending_order",
    "modify_pending_order_address", "modify_pending_order_items", "modify_pending_order_payment",
    "modify_user_address", "return_delivered_order_items", "exchange_delivered_order_items",
    "transfer_to_human_agents",
}


def test_all_tau2_tools_and_kefus_own_are_registered():
    assert set(ALL_TOOLS) == TAU2_NAMES | {"track_shipment", "search_products", "list_user_orders",
                                           "find_item_variants", "verify_identity_code"}


def test_schemas_are_generated_from_hints_and_docstrings(tau2_dir):
    spec = {t["name"]: t for t in json.loads((tau2_dir / "tools.json").read_text())["tools"]}
    for name, tool in ALL_TOOLS.items():
        function = tool.openai_schema["function"]
        assert function["name"] == name and function["description"]
        properties = function["parameters"]["properties"]
        assert "ctx" not in properties
        assert all(prop.get("description") for prop in properties.values()), name
        if name in spec:
            assert list(properties) == [a["name"] for a in spec[name]["arguments"]], name
    items = ALL_TOOLS["modify_pending_order_items"].openai_schema["function"]["parameters"]
    assert items["properties"]["item_ids"]["type"] == "array"
    assert items["properties"]["item_ids"]["items"] == {"type": "string"}
    assert set(items["required"]) == {"order_id", "item_ids", "new_item_ids", "payment_method_id"}


def test_langchain_tools_run_through_the_same_safety(db):
    order_id, customer = find_order(db, "pending")
    runner = login(db, customer)
    tools = {t.name: t for t in langchain_tools(runner)}
    assert "ctx" not in tools["get_order_details"].tool_call_schema.model_json_schema()["properties"]
    details = json.loads(tools["get_order_details"].invoke({"order_id": order_id}))
    assert details["order_id"] == order_id
    before = order_state(db, order_id)
    proposal = json.loads(tools["cancel_pending_order"].invoke({"order_id": order_id, "reason": "no longer needed"}))
    assert proposal["status"] == "awaiting_confirmation" and order_state(db, order_id) == before
    assert tools["get_order_details"].invoke({"order_id": "#W0000000"}) == "Error: Order not found"
