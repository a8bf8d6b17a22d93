from assistant.db import Payment
from assistant.errors import ToolError
from assistant.shop.records import order_record
from assistant.tools.context import ToolContext
from assistant.tools.lookup import adjust_gift_card, own_order, payment_method_of
from assistant.tools.registry import tool


@tool("write", target="order")
def modify_pending_order_payment(ctx: ToolContext, order_id: str, payment_method_id: str) -> dict:
    """Pay a pending order with another of the customer's payment methods; the old one is refunded.

    Args:
        order_id: The order id with its leading '#', such as '#W0000000'.
        payment_method_id: The new payment method id, such as 'gift_card_0000000' or 'credit_card_0000000'.
    """
    order = own_order(ctx, order_id)
    if "pending" not in order.status:
        raise ToolError("Non-pending order cannot be modified")
    new = payment_method_of(order.customer_id, ctx, payment_method_id)
    if len(order.payments) != 1 or order.payments[0].transaction_type != "payment":
        raise ToolError("There should be exactly one payment for a pending order")
    amount, old_id = order.payments[0].amount, order.payments[0].payment_method_id
    if old_id == payment_method_id:
        raise ToolError("The new payment method should be different from the current one")
    if new.source == "gift_card" and new.balance < amount:
        raise ToolError("Insufficient gift card balance to pay for the order")
    old = payment_method_of(order.customer_id, ctx, old_id)
    order.payments.append(Payment(position=len(order.payments), transaction_type="payment", amount=amount,
                                  payment_method_id=payment_method_id))
    order.payments.append(Payment(position=len(order.payments), transaction_type="refund", amount=amount, payment_method_id=old_id))
    adjust_gift_card(new, -amount)
    adjust_gift_card(old, amount)
    return order_record(order)
