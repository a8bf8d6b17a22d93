"""Marketing copy of a product, per language: drafted by the model, edited and saved by staff."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assistant.db.base import Base, utcnow


class ProductCopy(Base):
    """The saved description of a product in one language; `products.description` stays its specification line."""

    __tablename__ = "product_copy"
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    saved_by: Mapped[str] = mapped_column(String(100))
    saved_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
