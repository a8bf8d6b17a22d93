from datetime import datetime, timezone

from assistant.db import ReturnRequest
from assistant.errors import ToolError
from assistant.shop.records import order_record
from assistant.tools.context import ToolContext
from assistant.tools.lookup import check_item_counts, own_order, payment_method_of
from assistant.tools.registry import tool


@tool("write", target="order")
def return_delivered_order_items(ctx: ToolContext, order_id: str, item_ids: list[str],
                                 payment_method_id: str) -> dict:
    """Request the return of items of a delivered order; the refund goes to the original method or a gift card.

    Args:
        order_id: The order id with its leading '#', such as '#W0000000'.
        item_ids: The item ids to return, such as ['1008292230']; repeat an id to return several lines of it.
        payment_method_id: Where the refund goes: the original payment method or one of the customer's gift cards.
    """
    order = own_order(ctx, order_id)
    if order.status != "delivered":
        raise ToolError("Non-delivered order cannot be returned")
    method = payment_method_of(order.customer_id, ctx, payment_method_id)
    if method.source != "gift_card" and payment_method_id != order.payments[0].payment_method_id:
        raise ToolError("Payment method should be the original payment method")
    check_item_counts(order, item_ids, "Some item not found")
    order.status = "return requested"
    order.return_request = ReturnRequest(item_ids=sorted(item_ids), payment_method_id=payment_method_id,
                                         created_at=datetime.now(timezone.utc))
    return order_record(order)
