"""Import and export of τ²-bench retail databases (`db.json`), lossless in both directions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from assistant.db.shop import (
    Customer,
    ExchangeRequest,
    Fulfillment,
    Order,
    OrderItem,
    Payment,
    PaymentMethod,
    Product,
    ReturnRequest,
    Variant,
)
from assistant.errors import KefuError
from assistant.shop.records import order_record, product_record, user_record


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Address(_Strict):
    address1: str
    address2: str
    city: str
    country: str
    state: str
    zip: str


class VariantIn(_Strict):
    item_id: str
    options: dict[str, str]
    available: bool
    price: float


class ProductIn(_Strict):
    name: str
    product_id: str
    variants: dict[str, VariantIn]


class PaymentMethodIn(_Strict):
    source: Literal["credit_card", "paypal", "gift_card"]
    id: str
    brand: str | None = None
    last_four: str | None = None
    balance: float | None = None


class UserIn(_Strict):
    user_id: str
    name: dict[str, str]
    address: Address
    email: str
    payment_methods: dict[str, PaymentMethodIn]
    orders: list[str]


class LineIn(_Strict):
    name: str
    product_id: str
    item_id: str
    price: float
    options: dict[str, str]


class FulfillmentIn(_Strict):
    tracking_id: list[str]
    item_ids: list[str]


class PaymentIn(_Strict):
    transaction_type: Literal["payment", "refund"]
    amount: float
    payment_method_id: str


class OrderIn(_Strict):
    order_id: str
    user_id: str
    address: Address
    items: list[LineIn]
    status: str
    fulfillments: list[FulfillmentIn]
    payment_history: list[PaymentIn]
    cancel_reason: str | None = None
    exchange_items: list[str] | None = None
    exchange_new_items: list[str] | None = None
    exchange_payment_method_id: str | None = None
    exchange_price_difference: float | None = None
    return_items: list[str] | None = None
    return_payment_method_id: str | None = None


class Tau2Db(_Strict):
    products: dict[str, ProductIn]
    users: dict[str, UserIn]
    orders: dict[str, OrderIn]


class ShopImportError(KefuError):
    """The file is not a valid τ²-bench retail database, or the shop is not empty."""


def load_tau2(path: Path) -> Tau2Db:
    """Read and validate a τ² `db.json`; every problem is reported with its JSON path."""
    try:
        return Tau2Db.model_validate_json(Path(path).read_bytes(), strict=False)
    except OSError as exc:
        raise ShopImportError(f"cannot read {path}: {exc.strerror}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ShopImportError(f"{path}: {exc.error_count()} problem(s); first at {where}: {first['msg']}") from exc


def import_tau2(session: Session, data: Tau2Db) -> dict[str, int]:
    """Insert a τ² database into an empty shop; returns counts of what was added."""
    if session.scalar(select(Customer.id).limit(1)) is not None:
        raise ShopImportError("the shop database is not empty; import into a fresh database (or set KEFU_DATABASE_URL)")
    for pos, p in enumerate(data.products.values()):
        session.add(Product(id=p.product_id, position=pos, name=p.name))
        for vpos, v in enumerate(p.variants.values()):
            session.add(Variant(id=v.item_id, product_id=p.product_id, position=vpos, options=v.options,
                                available=v.available, price=v.price))
    for pos, u in enumerate(data.users.values()):
        session.add(Customer(id=u.user_id, position=pos, first_name=u.name["first_name"],
                             last_name=u.name["last_name"], email=u.email, **u.address.model_dump()))
        for mpos, m in enumerate(u.payment_methods.values()):
            session.add(PaymentMethod(customer_id=u.user_id, position=mpos, **m.model_dump()))
    session.flush()
    for pos, o in enumerate(data.orders.values()):
        session.add(_order_row(o, pos))
    session.flush()
    return {"products": len(data.products), "variants": sum(len(p.variants) for p in data.products.values()),
            "customers": len(data.users), "orders": len(data.orders)}


def _order_row(o: OrderIn, position: int) -> Order:
    order = Order(id=o.order_id, position=position, customer_id=o.user_id, status=o.status,
                  cancel_reason=o.cancel_reason, **o.address.model_dump())
    order.items = [OrderItem(position=i, **line.model_dump()) for i, line in enumerate(o.items)]
    order.fulfillments = [Fulfillment(position=i, tracking_ids=f.tracking_id, item_ids=f.item_ids)
                          for i, f in enumerate(o.fulfillments)]
    order.payments = [Payment(position=i, **p.model_dump()) for i, p in enumerate(o.payment_history)]
    if o.return_items is not None:
        order.return_request = ReturnRequest(item_ids=o.return_items, payment_method_id=o.return_payment_method_id)
    if o.exchange_items is not None:
        order.exchange_request = ExchangeRequest(
            item_ids=o.exchange_items, new_item_ids=o.exchange_new_items,
            payment_method_id=o.exchange_payment_method_id, price_difference=o.exchange_price_difference)
    return order


def export_tau2(session: Session, kinds: tuple[str, ...] = ("products", "users", "orders")) -> dict:
    """The shop as a τ² `db.json` object (unset optional order fields left out, as upstream), or the `kinds` of
    record asked for."""
    state = {}
    if "products" in kinds:
        products = session.scalars(select(Product).order_by(Product.position).options(selectinload(Product.variants)))
        state["products"] = {p.id: product_record(p) for p in products}
    if "users" in kinds:
        customers = session.scalars(select(Customer).order_by(Customer.position).options(
            selectinload(Customer.payment_methods), selectinload(Customer.orders)))
        state["users"] = {c.id: user_record(c) for c in customers}
    if "orders" in kinds:
        orders = session.scalars(select(Order).order_by(Order.position).options(
            selectinload(Order.items), selectinload(Order.fulfillments), selectinload(Order.payments),
            selectinload(Order.return_request), selectinload(Order.exchange_request)))
        state["orders"] = {o.id: order_record(o, with_nulls=False) for o in orders}
    return state


def write_json(data: dict, path: Path) -> None:
    """Write JSON the way τ² does (indent 4, non-ASCII escaped)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(data, indent=4))
