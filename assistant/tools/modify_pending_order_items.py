from assistant.db import Payment
from assistant.errors import ToolError
from assistant.shop.records import order_record
from assistant.tools.context import ToolContext
from assistant.tools.lookup import (
    adjust_gift_card,
    check_item_counts,
    first_line,
    own_order,
    payment_method_of,
    price_swaps,
)
from assistant.tools.registry import tool


@tool("write", target="order")
def modify_pending_order_items(ctx: ToolContext, order_id: str, item_ids: list[str], new_item_ids: list[str],
                               payment_method_id: str) -> dict:
    """Swap items of a pending order for other variants of the same products. Possible only once per order.

    Collect every item to change before calling it.

    Args:
        order_id: The order id with its leading '#', such as '#W0000000'.
        item_ids: The item ids to change, such as ['1008292230'].
        new_item_ids: The new item ids, in the same order, each a variant of the same product, such as ['1008292231'].
        payment_method_id: The customer's payment method that pays or receives the price difference.
    """
    order = own_order(ctx, order_id)
    if order.status != "pending":
        raise ToolError("Non-pending order cannot be modified")
    check_item_counts(order, item_ids, "{item_id} not found")
    if len(item_ids) != len(new_item_ids):
        raise ToolError("The number of items to be exchanged should match")
    difference, variants = price_swaps(ctx, order, item_ids, new_item_ids, allow_same=False)
    method = payment_method_of(order.customer_id, ctx, payment_method_id)
    if method.source == "gift_card" and method.balance < difference:
        raise ToolError("Insufficient gift card balance to pay for the new item")
    order.payments.append(Payment(position=len(order.payments),
                                  transaction_type="payment" if difference > 0 else "refund",
                                  amount=abs(difference), payment_method_id=payment_method_id))
    adjust_gift_card(method, -difference)
    for old_id, variant in zip(item_ids, variants):
        line = first_line(order, old_id)
        line.item_id, line.price, line.options = variant.id, variant.price, dict(variant.options)
    order.status = "pending (item modified)"
    return order_record(order)
