from datetime import datetime, timezone

from assistant.db import ExchangeRequest
from assistant.errors import ToolError
from assistant.shop.records import order_record
from assistant.tools.context import ToolContext
from assistant.tools.lookup import check_item_counts, own_order, payment_method_of, price_swaps
from assistant.tools.registry import tool


@tool("write", target="order")
def exchange_delivered_order_items(ctx: ToolContext, order_id: str, item_ids: list[str], new_item_ids: list[str],
                                   payment_method_id: str) -> dict:
    """Request an exchange of items of a delivered order for other variants of the same products.

    Possible only once per order: collect every item to exchange before calling it.

    Args:
        order_id: The order id with its leading '#', such as '#W0000000'.
        item_ids: The item ids to exchange, such as ['1008292230'].
        new_item_ids: The new item ids, in the same order, each a variant of the same product, such as ['1008292231'].
        payment_method_id: The customer's payment method that pays or receives the price difference.
    """
    order = own_order(ctx, order_id)
    if order.status != "delivered":
        raise ToolError("Non-delivered order cannot be exchanged")
    check_item_counts(order, item_ids, "Number of {item_id} not found.")
    if len(item_ids) != len(new_item_ids):
        raise ToolError("The number of items to be exchanged should match.")
    difference, _ = price_swaps(ctx, order, item_ids, new_item_ids, allow_same=True)
    difference = round(difference, 2)
    method = payment_method_of(order.customer_id, ctx, payment_method_id)
    if method.source == "gift_card" and method.balance < difference:
        raise ToolError("Insufficient gift card balance to pay for the price difference")
    order.status = "exchange requested"
    order.exchange_request = ExchangeRequest(
        item_ids=sorted(item_ids), new_item_ids=sorted(new_item_ids), payment_method_id=payment_method_id,
        price_difference=difference, created_at=datetime.now(timezone.utc))
    return order_record(order)
