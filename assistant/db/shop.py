"""Shop tables: customers, payment methods, catalog, orders and their history.

Money is stored as IEEE-754 doubles so that τ²-bench data round-trips bit for bit,
including its unrounded price differences.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Double, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assistant.db.base import Base


class AddressMixin:
    """Six postal-address columns, in τ²'s field order."""

    address1: Mapped[str] = mapped_column(String(200))
    address2: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(100))
    zip: Mapped[str] = mapped_column(String(20))


class Customer(AddressMixin, Base):
    """A shopper with a default address; `position` keeps the import order."""

    __tablename__ = "customers"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, index=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(200), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    payment_methods: Mapped[list[PaymentMethod]] = relationship(
        back_populates="customer", order_by="PaymentMethod.position"
    )
    orders: Mapped[list[Order]] = relationship(back_populates="customer", order_by="Order.position")


class PaymentMethod(Base):
    """A credit card (brand, last four), PayPal account or gift card (balance)."""

    __tablename__ = "payment_methods"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20))
    brand: Mapped[str | None] = mapped_column(String(40))
    last_four: Mapped[str | None] = mapped_column(String(4))
    balance: Mapped[float | None] = mapped_column(Double)
    customer: Mapped[Customer] = relationship(back_populates="payment_methods")


class Product(Base):
    """A product type, such as 'T-Shirt', with its variants."""

    __tablename__ = "products"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    variants: Mapped[list[Variant]] = relationship(back_populates="product", order_by="Variant.position")


class Variant(Base):
    """One purchasable item of a product: its options, price and availability."""

    __tablename__ = "variants"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    options: Mapped[dict] = mapped_column()
    available: Mapped[bool] = mapped_column()
    price: Mapped[float] = mapped_column(Double)
    product: Mapped[Product] = relationship(back_populates="variants")


class Order(AddressMixin, Base):
    """An order with its shipping address and status."""

    __tablename__ = "orders"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, index=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    status: Mapped[str] = mapped_column(String(40), index=True)
    cancel_reason: Mapped[str | None] = mapped_column(String(100))
    placed_at: Mapped[datetime | None] = mapped_column()
    customer: Mapped[Customer] = relationship(back_populates="orders")
    items: Mapped[list[OrderItem]] = relationship(order_by="OrderItem.position", cascade="all, delete-orphan")
    fulfillments: Mapped[list[Fulfillment]] = relationship(
        order_by="Fulfillment.position", cascade="all, delete-orphan"
    )
    payments: Mapped[list[Payment]] = relationship(order_by="Payment.position", cascade="all, delete-orphan")
    return_request: Mapped[ReturnRequest | None] = relationship(cascade="all, delete-orphan")
    exchange_request: Mapped[ExchangeRequest | None] = relationship(cascade="all, delete-orphan")


class OrderItem(Base):
    """One order line, at the variant, options and price it was bought at."""

    __tablename__ = "order_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    product_id: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[str] = mapped_column(String(64), index=True)
    price: Mapped[float] = mapped_column(Double)
    options: Mapped[dict] = mapped_column()


class Fulfillment(Base):
    """A shipment: tracking ids and the item ids it carries."""

    __tablename__ = "fulfillments"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    tracking_ids: Mapped[list] = mapped_column()
    item_ids: Mapped[list] = mapped_column()
    carrier: Mapped[str | None] = mapped_column(String(40))
    shipped_at: Mapped[datetime | None] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column()


class Payment(Base):
    """One entry of an order's payment history: a payment or a refund."""

    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    transaction_type: Mapped[str] = mapped_column(String(10))
    amount: Mapped[float] = mapped_column(Double)
    payment_method_id: Mapped[str] = mapped_column(String(64))


class ReturnRequest(Base):
    """A requested return of delivered items, refunded to `payment_method_id`."""

    __tablename__ = "return_requests"
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    item_ids: Mapped[list] = mapped_column()
    payment_method_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime | None] = mapped_column()


class ExchangeRequest(Base):
    """A requested exchange of delivered items for other variants of the same products."""

    __tablename__ = "exchange_requests"
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    item_ids: Mapped[list] = mapped_column()
    new_item_ids: Mapped[list] = mapped_column()
    payment_method_id: Mapped[str] = mapped_column(String(64))
    price_difference: Mapped[float] = mapped_column(Double)
    created_at: Mapped[datetime | None] = mapped_column()
