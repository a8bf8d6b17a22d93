"""Conversation tables: sessions, messages, tool calls, pending writes, handoffs, ratings, audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assistant.db.base import Base, utcnow


class Conversation(Base):
    """One shopper session; `customer_id` is set only by a successful authentication."""

    __tablename__ = "conversations"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20), default="chat")
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    language: Mapped[str | None] = mapped_column(String(10))
    assigned_staff: Mapped[str | None] = mapped_column(String(100))
    client_key: Mapped[str | None] = mapped_column(String(40), index=True)
    """A digest of the client address that started it, so that identification limits can span conversations."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Message(Base):
    """A turn said by the shopper, the agent or a staff member."""

    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    author: Mapped[str | None] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    latency_ms: Mapped[int | None] = mapped_column(Integer)


class ToolCall(Base):
    """A tool invocation within a conversation, with its arguments and result or error."""

    __tablename__ = "tool_calls"
    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    call_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    arguments: Mapped[dict] = mapped_column()
    result: Mapped[str | None] = mapped_column(Text)
    is_error: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PendingAction(Base):
    """A proposed write awaiting the shopper's confirmation; executed at most once."""

    __tablename__ = "pending_actions"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"))
    tool_name: Mapped[str] = mapped_column(String(64))
    arguments: Mapped[dict] = mapped_column()
    summary: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    requires_approval: Mapped[bool] = mapped_column(default=False)
    result: Mapped[dict | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column()
    decided_at: Mapped[datetime | None] = mapped_column()
    decided_by: Mapped[str | None] = mapped_column(String(100))
    confirmed_with: Mapped[str | None] = mapped_column(Text)
    """What confirmed it: the shopper's reply word for word, `button` (the Confirm button or the API), or
    `command line` (`kefu tool confirm`)."""


class HandoffTicket(Base):
    """A request for a human, with the agent's summary, queued for staff."""

    __tablename__ = "handoff_tickets"
    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"))
    summary: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column()


class Feedback(Base):
    """A rating, label or correction of a conversation or one of its messages."""

    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    source: Mapped[str] = mapped_column(String(20))
    rating: Mapped[int | None] = mapped_column(Integer)
    label: Mapped[str | None] = mapped_column(String(40))
    correction: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditLog(Base):
    """One executed write: who, for which customer, and the record before and after."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    conversation_id: Mapped[str | None] = mapped_column(String(64), index=True)
    customer_id: Mapped[str | None] = mapped_column(String(64), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[str] = mapped_column(String(64))
    pending_action_id: Mapped[str | None] = mapped_column(String(40))
    arguments: Mapped[dict] = mapped_column()
    before: Mapped[dict | None] = mapped_column()
    after: Mapped[dict | None] = mapped_column()


class AgentEvent(Base):
    """Something the agent's guards did in a turn: a blocked reply, a retry, a fallback, an automatic handoff."""

    __tablename__ = "agent_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    detail: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
