from assistant.db import Payment
from assistant.errors import ToolError
from assistant.shop.records import order_record
from assistant.tools.context import ToolContext
from assistant.tools.lookup import adjust_gift_card, own_order, payment_method_of
from assistant.tools.registry import tool

REASONS = ("no longer needed", "ordered by mistake")


@tool("write", target="order")
def cancel_pending_order(ctx: ToolContext, order_id: str, reason: str) -> dict:
    """Cancel a pending order and refund every payment to where it came from.

    Ask the customer for the reason and get their explicit confirmation first.

    Args:
        order_id: The order id with its leading '#', such as '#W0000000'.
        reason: Either 'no longer needed' or 'ordered by mistake'.
    """
    order = own_order(ctx, order_id)
    if order.status != "pending":
        raise ToolError("Non-pending order cannot be cancelled")
    if reason not in REASONS:
        raise ToolError("Invalid reason")
    refunds = []
    for entry in list(order.payments):
        adjust_gift_card(payment_method_of(order.customer_id, ctx, entry.payment_method_id), entry.amount)
        refunds.append((entry.amount, entry.payment_method_id))
    order.status, order.cancel_reason = "cancelled", reason
    for amount, method_id in refunds:
        order.payments.append(Payment(position=len(order.payments), transaction_type="refund", amount=amount,
                                      payment_method_id=method_id))
    return order_record(order)
