"""Handing a conversation to a human: a ticket with a summary staff can act on."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from sqlalchemy import select

from assistant.db import Conversation, Database, HandoffTicket
from assistant.db.base import as_utc

FAILURES = ("model unavailable", "turn failed")

MAX_QUOTE = 160


def conversation_summary(messages: list[BaseMessage], customer_id: str | None, reason: str) -> str:
    """What staff need first: who, what they asked, what was tried, and why the agent stopped."""
    asked = [m.content[:MAX_QUOTE] for m in messages if isinstance(m, HumanMessage)][-3:]
    tools = [m.name for m in messages if isinstance(m, ToolMessage) and m.name]
    lines = [f"Customer: {customer_id or 'not identified'}",
             "Asked: " + (" | ".join(f"“{a}”" for a in asked) or "—"),
             "Tools used: " + (", ".join(dict.fromkeys(tools)) or "none"),
             f"Handed off because: {reason}"]
    last = next((m for m in reversed(messages) if isinstance(m, AIMessage) and m.content), None)
    if last is not None:
        lines.append(f"Last agent reply: “{str(last.content)[:MAX_QUOTE]}”")
    return "\n".join(lines)


def hand_off(db: Database, conversation_id: str, messages: list[BaseMessage], reason: str) -> int:
    """Open a handoff ticket with a summary (or return the open one) and mark the conversation as handed off."""
    with db.session() as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None:
            conversation = Conversation(id=conversation_id)
            session.add(conversation)
            session.flush()
        conversation.status = "handed_off"
        summary = conversation_summary(messages, conversation.customer_id, reason)
        ticket = session.scalar(select(HandoffTicket).where(HandoffTicket.conversation_id == conversation_id,
                                                            HandoffTicket.status == "open"))
        if ticket is None:
            ticket = HandoffTicket(conversation_id=conversation_id, customer_id=conversation.customer_id,
                                   summary=summary, reason=reason)
            session.add(ticket)
            session.flush()
        return ticket.id


def reopen_if_due(db: Database, conversation_id: str, reopen_after_s: int) -> str | None:
    """Give a handed-off conversation back to the agent when it is no use waiting: the handoff came from an
    outage (the agent tries again, and hands off again if it still fails), or no colleague took it within
    `reopen_after_s` (0: never). Returns why ("outage" or "unattended"), or None while it should wait."""
    with db.session() as session:
        conversation = session.get(Conversation, conversation_id)
        ticket = session.scalar(select(HandoffTicket).where(HandoffTicket.conversation_id == conversation_id,
                                                            HandoffTicket.status == "open"))
        if conversation is None or conversation.status != "handed_off":
            return None
        now = datetime.now(timezone.utc)
        if ticket is not None and (ticket.reason or "").startswith(FAILURES):
            why = "outage"
        elif reopen_after_s and (ticket is None
                                 or now - as_utc(ticket.created_at) >= timedelta(seconds=reopen_after_s)):
            why = "unattended"
        else:
            return None
        conversation.status = "open"
        if ticket is not None:
            ticket.status, ticket.closed_at = "returned", now
        return why


def model_failure(exc: Exception) -> str:
    """The handoff reason for a failed model call (at most 40 characters). A context overflow is told apart
    from an outage: retrying helps after an outage, not after an overflow."""
    text, kind = str(exc).lower(), type(exc).__name__
    if kind == "BadRequestError" and ("context length" in text or "too long" in text):
        return "request too long for the model"
    if kind == "ModelCallLimitExceededError":
        return "model call limit reached"
    return f"model unavailable: {kind}"[:40]
