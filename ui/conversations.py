"""What the shopper widget, the staff console and the HTTP API show of a conversation, read from the database.

Everything here is scoped to one conversation id, and order cards only ever show orders of the
customer that conversation authenticated as.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select

from assistant.db import Conversation, Database, Feedback, Message, Order, OutboxMessage, PendingAction, ToolCall
from assistant.errors import KefuError
from assistant.redaction import client_ref

SHOWN_ROLES = ("user", "assistant", "staff")


@dataclass
class Line:
    """One message of the transcript as the widget shows it."""

    id: int
    role: str
    content: str
    author: str | None


def transcript(db: Database, conversation_id: str) -> list[Line]:
    with db.session() as session:
        rows = session.scalars(select(Message).where(Message.conversation_id == conversation_id,
                                                     Message.role.in_(SHOWN_ROLES)).order_by(Message.id))
        return [Line(m.id, m.role, m.content, m.author) for m in rows]


def open_conversation(db: Database, conversation_id: str, channel: str, client: str | None = None) -> None:
    """Record a conversation the server just issued an id for, so that only issued ids are accepted later."""
    with db.session() as session:
        session.add(Conversation(id=conversation_id, channel=channel, client_key=client_ref(client)))


def note_client(db: Database, conversation_id: str, client: str | None) -> None:
    """Remember which client address a conversation came from (its first), for limits that span conversations."""
    with db.session() as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None:
            session.add(Conversation(id=conversation_id, client_key=client_ref(client)))
        elif conversation.client_key is None:
            conversation.client_key = client_ref(client)


def customer_of(db: Database, conversation_id: str) -> str | None:
    """The customer a conversation is authenticated as, if any."""
    with db.session() as session:
        conversation = session.get(Conversation, conversation_id)
        return conversation.customer_id if conversation else None


def verify_identity(agent, conversation_id: str, token: str) -> str:
    """Authenticate a conversation from the shop backend's signed token; the customer id, or a KefuError."""
    from assistant.tools import ToolRunner

    secret = agent.settings.identity_secret
    runner = ToolRunner(agent.db, conversation_id)
    return runner.verify_identity(token, secret.get_secret_value() if secret else None)


def outbox(db: Database, limit: int = 50) -> list[dict]:
    """The newest emails kept by the `outbox` sender, newest first."""
    with db.session() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit))
        return [{"at": m.created_at.strftime("%Y-%m-%d %H:%M:%S"), "to": m.to_address, "subject": m.subject,
                 "body": m.body} for m in rows]


def issued(db: Database, conversation_id: str, channel: str) -> bool:
    """True when this server issued the id on that channel."""
    with db.session() as session:
        conversation = session.get(Conversation, conversation_id)
        return conversation is not None and conversation.channel == channel


def status(db: Database, conversation_id: str) -> str | None:
    with db.session() as session:
        conversation = session.get(Conversation, conversation_id)
        return conversation.status if conversation else None


def pending_action(db: Database, conversation_id: str) -> dict | None:
    """The write waiting for this shopper's yes, if any: its id and summary."""
    with db.session() as session:
        action = session.scalar(select(PendingAction).where(PendingAction.conversation_id == conversation_id,
                                                            PendingAction.status == "pending")
                                .order_by(PendingAction.created_at.desc()).limit(1))
        return {"id": action.id, "summary": action.summary, "tool": action.tool_name} if action else None


def order_cards(db: Database, conversation_id: str) -> list[dict]:
    """The orders this conversation looked at, as they are now: items, status and tracking ids."""
    with db.session() as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None or conversation.customer_id is None:
            return []
        calls = session.scalars(select(ToolCall).where(ToolCall.conversation_id == conversation_id,
                                                       ToolCall.is_error.is_(False)).order_by(ToolCall.id))
        order_ids = list(dict.fromkeys(c.arguments.get("order_id") for c in calls if c.arguments.get("order_id")))
        cards = []
        for order_id in order_ids:
            order = session.get(Order, order_id)
            if order is None or order.customer_id != conversation.customer_id:
                continue
            cards.append({"order_id": order.id, "status": order.status,
                          "items": [f"{i.name} ({', '.join(f'{v}' for v in i.options.values())})" for i in order.items],
                          "tracking": [t for f in order.fulfillments for t in f.tracking_ids]})
        return cards


def record_feedback(db: Database, conversation_id: str, message_id: int, rating: int, source: str = "shopper",
                    author: str | None = None) -> None:
    """A thumbs up (+1) or down (-1) on one of the agent's replies in this conversation. A shopper has one rating
    per reply: rating again replaces it (ratings decide what is trained on, so repeating one counts once)."""
    if rating not in (1, -1):
        raise KefuError("rating must be +1 or -1")
    with db.session() as session:
        message = session.get(Message, message_id)
        if message is None or message.conversation_id != conversation_id or message.role != "assistant":
            raise KefuError("feedback is for one of the assistant's replies in this conversation")
        earlier = session.scalars(select(Feedback).where(
            Feedback.message_id == message_id, Feedback.source == source, Feedback.rating.is_not(None),
            Feedback.author.is_(None) if author is None else Feedback.author == author)).all()
        for row in earlier:
            session.delete(row)
        session.add(Feedback(conversation_id=conversation_id, message_id=message_id, source=source, rating=rating,
                             author=author))
        session.commit()


def tool_trace(db: Database, conversation_id: str) -> list[dict]:
    """Every tool call of the conversation with its arguments and result, for the staff console."""
    with db.session() as session:
        rows = session.scalars(select(ToolCall).where(ToolCall.conversation_id == conversation_id)
                               .order_by(ToolCall.id))
        return [{"at": c.created_at.strftime("%H:%M:%S"), "tool": c.name, "arguments": json.dumps(c.arguments),
                 "result": (c.result or "")[:400], "error": c.is_error} for c in rows]
