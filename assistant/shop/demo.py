"""A deterministic demo shop: realistic customers, a catalog and orders in every status."""

from __future__ import annotations

import itertools
import random
from datetime import datetime, timedelta, timezone

from faker import Faker
from sqlalchemy.orm import Session
from tqdm import tqdm

from assistant.db import (
    Customer,
    ExchangeRequest,
    Fulfillment,
    Order,
    OrderItem,
    Payment,
    PaymentMethod,
    Product,
    ProductCopy,
    ReturnRequest,
    Variant,
)
from assistant.shop.catalog import CATALOG, house_style

# A fixed "today" keeps the shop identical for a seed, whenever it is built.
REFERENCE_DAY = datetime(2026, 11, 1, tzinfo=timezone.utc)
STATUS_WEIGHTS = {
    "pending": 30, "processed": 12, "delivered": 33, "cancelled": 9,
    "pending (item modified)": 5, "exchange requested": 5, "return requested": 6,
}
CARRIERS = ["UPS", "FedEx", "USPS", "DHL"]
BRANDS = ["visa", "mastercard", "amex", "discover"]


class _Ids:
    """Unique random numeric ids from one seeded generator."""

    def __init__(self, rng: random.Random):
        self.rng, self.used = rng, set()

    def digits(self, n: int) -> str:
        while (value := "".join(self.rng.choices("0123456789", k=n))) in self.used or value[0] == "0":
            pass
        self.used.add(value)
        return value


def _catalog(session: Session, rng: random.Random, ids: _Ids) -> list[Product]:
    products = []
    for pos, (name, (base, axes, description)) in enumerate(CATALOG.items()):
        product = Product(id=ids.digits(10), position=pos, name=name, description=description)
        combos = list(itertools.product(*axes.values()))
        for vpos, combo in enumerate(rng.sample(combos, min(12, len(combos)))):
            price = round(base * rng.uniform(0.85, 1.3), 2)
            product.variants.append(Variant(id=ids.digits(10), position=vpos, options=dict(zip(axes, combo)),
                                            available=rng.random() > 0.15, price=price))
        session.add(product)
        products.append(product)
    return products


def _customers(session: Session, fake: Faker, rng: random.Random, ids: _Ids, count: int) -> list[Customer]:
    customers = []
    for pos in range(count):
        first, last = fake.first_name(), fake.last_name()
        customer = Customer(
            id=f"{first}_{last}_{ids.digits(4)}".lower().replace(" ", "").replace("'", ""), position=pos,
            first_name=first, last_name=last, email=f"{first}.{last}{ids.digits(4)}@example.com".lower().replace(" ", ""),
            phone=fake.numerify("(###) 555-####"), address1=fake.street_address(),
            address2=rng.choice(["", "", f"Apt {rng.randint(1, 999)}", f"Suite {rng.randint(100, 999)}"]),
            city=fake.city(), state=fake.state_abbr(include_territories=False), country="USA", zip=fake.zipcode())
        sources = rng.sample(["credit_card", "paypal", "gift_card"], rng.randint(1, 3))
        for mpos, source in enumerate(sources):
            customer.payment_methods.append(PaymentMethod(
                id=f"{source}_{ids.digits(7)}", position=mpos, source=source,
                brand=rng.choice(BRANDS) if source == "credit_card" else None,
                last_four=f"{rng.randint(0, 9999):04d}" if source == "credit_card" else None,
                balance=float(rng.choice([25, 50, 100, 150, 200])) + rng.randint(0, 99) / 100
                if source == "gift_card" else None))
        session.add(customer)
        customers.append(customer)
    return customers


def _order(rng: random.Random, ids: _Ids, pos: int, customer: Customer, products: list[Product]) -> Order:
    status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
    placed = REFERENCE_DAY - timedelta(days=rng.randint(0, 6) if "pending" in status else rng.randint(3, 120),
                                       minutes=rng.randint(0, 1439))
    address = {k: getattr(customer, k) for k in ("address1", "address2", "city", "state", "country", "zip")}
    order = Order(id=f"#W{ids.digits(7)}", position=pos, customer_id=customer.id, status=status, placed_at=placed,
                  **address)
    for lpos, product in enumerate(rng.sample(products, rng.choice([1, 1, 2, 2, 3, 4]))):
        variant = rng.choice(product.variants)
        order.items.append(OrderItem(position=lpos, name=product.name, product_id=product.id, item_id=variant.id,
                                     price=variant.price, options=dict(variant.options)))
    method = rng.choice(customer.payment_methods)
    total = round(sum(line.price for line in order.items), 2)
    order.payments.append(Payment(position=0, transaction_type="payment", amount=total, payment_method_id=method.id))
    _advance(rng, ids, order, method, products)
    return order


def _advance(rng: random.Random, ids: _Ids, order: Order, method: PaymentMethod, products: list[Product]) -> None:
    """Give the order the history its status implies."""
    if order.status == "cancelled":
        order.cancel_reason = rng.choice(["no longer needed", "ordered by mistake"])
        order.payments.append(Payment(position=1, transaction_type="refund", amount=order.payments[0].amount,
                                      payment_method_id=method.id))
    elif order.status == "pending (item modified)":
        line = order.items[0]
        product = next(p for p in products if p.id == line.product_id)
        new = rng.choice([v for v in product.variants if v.id != line.item_id])
        difference = new.price - line.price
        order.payments.append(Payment(position=1, transaction_type="payment" if difference > 0 else "refund",
                                      amount=abs(difference), payment_method_id=method.id))
        line.item_id, line.price, line.options = new.id, new.price, dict(new.options)
    elif order.status != "pending":
        shipped = order.placed_at + timedelta(days=rng.randint(1, 3))
        delivered = None if order.status == "processed" else shipped + timedelta(days=rng.randint(2, 6))
        order.fulfillments.append(Fulfillment(
            position=0, tracking_ids=[ids.digits(12)], item_ids=[line.item_id for line in order.items],
            carrier=rng.choice(CARRIERS), shipped_at=shipped, delivered_at=delivered))
        if order.status == "return requested":
            order.return_request = ReturnRequest(item_ids=sorted([order.items[0].item_id]),
                                                 payment_method_id=method.id, created_at=delivered)
        elif order.status == "exchange requested":
            line = order.items[0]
            product = next(p for p in products if p.id == line.product_id)
            new = rng.choice([v for v in product.variants if v.id != line.item_id])
            order.exchange_request = ExchangeRequest(
                item_ids=[line.item_id], new_item_ids=[new.id], payment_method_id=method.id,
                price_difference=round(new.price - line.price, 2), created_at=delivered)


def _house_style(session: Session, products: list[Product]) -> None:
    copy = house_style()
    for product in products:
        for language, text in copy.get(product.name, {}).items():
            session.add(ProductCopy(product_id=product.id, language=language, text=text, saved_by="house style"))


def build_demo_shop(session: Session, seed: int, customers: int = 320, orders: int = 1100) -> dict[str, int]:
    """Fill an empty database with the demo shop for `seed`; returns the counts."""
    rng, fake = random.Random(seed), Faker("en_US")
    fake.seed_instance(seed)
    ids = _Ids(rng)
    products = _catalog(session, rng, ids)
    people = _customers(session, fake, rng, ids, customers)
    session.flush()
    _house_style(session, products)
    for pos in tqdm(range(orders), desc="demo orders", unit="order", leave=False):
        session.add(_order(rng, ids, pos, rng.choice(people), products))
    session.flush()
    return {"products": len(products), "variants": sum(len(p.variants) for p in products),
            "customers": len(people), "orders": orders}
