"""Staff accounts: one per person, with a role, so that logins, lockouts and the audit log name a real person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from assistant.db.base import Base, utcnow


class StaffAccount(Base):
    """A colleague who may log in to the staff console. `agent` works conversations; `admin` also manages the
    knowledge base, fine-tuning and refund approvals."""

    __tablename__ = "staff_accounts"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10), default="agent")
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
