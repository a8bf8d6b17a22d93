"""Record lookups shared by the tools, with τ²'s exact error messages and ownership checks."""

from __future__ import annotations

from collections import Counter

from assistant.db import Customer, Order, PaymentMethod, Product, Variant
from assistant.errors import ToolError
from assistant.tools.context import ToolContext


def own_order(ctx: ToolContext, order_id: str) -> Order:
    """The order, if it belongs to the authenticated customer."""
    ctx.require_customer()
    order = ctx.session.get(Order, order_id, with_for_update=ctx.lock_rows or None, populate_existing=ctx.lock_rows)
    if order is None:
        raise ToolError("Order not found")
    ctx.require_owner(order.customer_id, "this order")
    return order


def own_customer(ctx: ToolContext, user_id: str) -> Customer:
    """The customer record, if it is the authenticated customer's own."""
    ctx.require_customer()
    customer = ctx.session.get(Customer, user_id)
    if customer is None:
        raise ToolError("User not found")
    ctx.require_owner(customer.id, "this user")
    return customer


def payment_method_of(customer_id: str, ctx: ToolContext, payment_method_id: str) -> PaymentMethod:
    """One of this customer's payment methods; never another customer's."""
    method = ctx.session.get(PaymentMethod, payment_method_id, with_for_update=ctx.lock_rows or None,
                             populate_existing=ctx.lock_rows)
    if method is None or method.customer_id != customer_id:
        raise ToolError("Payment method not found")
    return method


def variant_of(ctx: ToolContext, product_id: str, item_id: str) -> Variant:
    """A variant of the given product."""
    if ctx.session.get(Product, product_id) is None:
        raise ToolError("Product not found")
    variant = ctx.session.get(Variant, item_id)
    if variant is None or variant.product_id != product_id:
        raise ToolError("Variant not found")
    return variant


def check_item_counts(order: Order, item_ids: list[str], message: str) -> None:
    """Each requested id may appear at most as often as order lines carry it; `message` takes {item_id}."""
    on_order = Counter(line.item_id for line in order.items)
    requested = Counter()
    for item_id in item_ids:
        requested[item_id] += 1
        if requested[item_id] > on_order[item_id]:
            raise ToolError(message.format(item_id=item_id))


def first_line(order: Order, item_id: str):
    """The first order line carrying this item id."""
    return next(line for line in order.items if line.item_id == item_id)


def adjust_gift_card(method: PaymentMethod, delta: float) -> None:
    """Change a gift card's balance by `delta`, rounded to cents at once (as τ² does)."""
    if method.source == "gift_card":
        method.balance = round(method.balance + delta, 2)


def price_swaps(ctx: ToolContext, order: Order, item_ids: list[str], new_item_ids: list[str], *,
                allow_same: bool) -> tuple[float, list[Variant]]:
    """Check each (old line, new variant) pair in order; return the summed price difference and the variants."""
    difference, variants = 0, []
    for old_id, new_id in zip(item_ids, new_item_ids):
        if old_id == new_id and not allow_same:
            raise ToolError("The new item id should be different from the old item id")
        line = first_line(order, old_id)
        variant = variant_of(ctx, line.product_id, new_id)
        if not variant.available:
            raise ToolError(f"New item {new_id} not found or available")
        difference += variant.price - line.price
        variants.append(variant)
    return difference, variants
