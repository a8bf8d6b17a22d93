"""Handing a conversation to a human: a ticket with a summary staff can act on."""

from __future__ import annotations

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from sqlalchemy import select

from assistant.db import Conversation, Database, HandoffTicket

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
