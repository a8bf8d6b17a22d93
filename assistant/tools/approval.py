"""Which confirmed writes also need a staff member's approval: those refunding more than a threshold."""

from __future__ import annotations

RETURN_TOOLS = {"return_delivered_order_items"}
EXCHANGE_TOOLS = {"exchange_delivered_order_items", "modify_pending_order_items"}


def refund_amount(tool_name: str, before: dict | None, after: dict | None) -> float:
    """Money a write sends back to the customer: new refund transactions, returned items, negative price
    differences."""
    before, after = before or {}, after or {}
    if not isinstance(after, dict):
        return 0.0
    new = after.get("payment_history", [])[len(before.get("payment_history", [])):]
    refunds = sum(t.get("amount", 0) for t in new if t.get("transaction_type") == "refund")
    if tool_name in RETURN_TOOLS:
        returned = after.get("return_items") or []
        refunds += sum(i["price"] for i in after.get("items", []) if i["item_id"] in returned)
    if tool_name in EXCHANGE_TOOLS and (after.get("exchange_price_difference") or 0) < 0:
        refunds += -after["exchange_price_difference"]
    return round(refunds, 2)


def needs_approval(tool_name: str, before: dict | None, after: dict | None, threshold: float | None) -> bool:
    return threshold is not None and refund_amount(tool_name, before, after) > threshold
