"""Shop rows as τ²-bench-shaped records: the shape tools return and `shop export` writes."""

from __future__ import annotations

from assistant.db.shop import AddressMixin, Customer, Order, PaymentMethod, Product, Variant

ADDRESS_FIELDS = ("address1", "address2", "city", "country", "state", "zip")
ORDER_OPTIONAL_FIELDS = (
    "cancel_reason",
    "exchange_items",
    "exchange_new_items",
    "exchange_payment_method_id",
    "exchange_price_difference",
    "return_items",
    "return_payment_method_id",
)


def address_record(row: AddressMixin) -> dict:
    """The six address fields of a customer or order."""
    return {field: getattr(row, field) for field in ADDRESS_FIELDS}


def payment_method_record(method: PaymentMethod) -> dict:
    """A payment method in τ²'s shape: source, id, then brand/last four or balance."""
    record = {"source": method.source, "id": method.id}
    if method.source == "credit_card":
        record |= {"brand": method.brand, "last_four": method.last_four}
    elif method.source == "gift_card":
        record["balance"] = method.balance
    return record


def user_record(customer: Customer) -> dict:
    """A customer with default address, payment methods and order ids."""
    return {
        "user_id": customer.id,
        "name": {"first_name": customer.first_name, "last_name": customer.last_name},
        "address": address_record(customer),
        "email": customer.email,
        "payment_methods": {m.id: payment_method_record(m) for m in customer.payment_methods},
        "orders": [order.id for order in customer.orders],
    }


def item_record(variant: Variant) -> dict:
    """A variant: item id, options, availability and price."""
    return {
        "item_id": variant.id,
        "options": variant.options,
        "available": variant.available,
        "price": variant.price,
    }


def product_record(product: Product) -> dict:
    """A product with all its variants, available or not, in stored order."""
    return {
        "name": product.name,
        "product_id": product.id,
        "variants": {v.id: item_record(v) for v in product.variants},
    }


def order_record(order: Order, *, with_nulls: bool = True) -> dict:
    """An order; optional fields are null when unset, or left out when `with_nulls` is false."""
    record = {
        "order_id": order.id,
        "user_id": order.customer_id,
        "address": address_record(order),
        "items": [
            {
                "name": line.name,
                "product_id": line.product_id,
                "item_id": line.item_id,
                "price": line.price,
                "options": line.options,
            }
            for line in order.items
        ],
        "status": order.status,
        "fulfillments": [
            {"tracking_id": list(f.tracking_ids), "item_ids": list(f.item_ids)} for f in order.fulfillments
        ],
        "payment_history": [
            {"transaction_type": p.transaction_type, "amount": p.amount, "payment_method_id": p.payment_method_id}
            for p in order.payments
        ],
    }
    exchange, ret = order.exchange_request, order.return_request
    optional = {
        "cancel_reason": order.cancel_reason,
        "exchange_items": list(exchange.item_ids) if exchange else None,
        "exchange_new_items": list(exchange.new_item_ids) if exchange else None,
        "exchange_payment_method_id": exchange.payment_method_id if exchange else None,
        "exchange_price_difference": exchange.price_difference if exchange else None,
        "return_items": list(ret.item_ids) if ret else None,
        "return_payment_method_id": ret.payment_method_id if ret else None,
    }
    record.update(optional if with_nulls else {k: v for k, v in optional.items() if v is not None})
    return record
