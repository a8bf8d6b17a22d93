"""Staff taking a conversation over from the agent, replying live, and handing it back.

While a conversation is `with_staff` the agent does not answer: the shopper's messages and staff's
replies go to the conversation tables only. Hand-back writes them into the agent's checkpoint (staff
turns as assistant messages named `staff`), so the agent continues knowing what staff said and did,
and fine-tuning can learn from staff's turns.
"""

from __future__ import annotations

from datetime import datetime, timezone

from langchain_core.messages import AIMessage, HumanMessage
from sqlalchemy import select

from assistant.db import Conversation, Database, HandoffTicket, Message, PendingAction
from assistant.errors import KefuError

STAFF = "staff"
WITH_STAFF = "with_staff"


def take_over(db: Database, conversation_id: str, staff: str) -> None:
    """Staff member `staff` takes the conversation (and claims its open ticket, if any)."""
    with db.session() as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None:
            raise KefuError(f"no conversation {conversation_id!r}")
        if conversation.status == WITH_STAFF and conversation.assigned_staff not in (None, staff):
            raise KefuError(f"{conversation.assigned_staff} already has this conversation")
        conversation.status, conversation.assigned_staff = WITH_STAFF, staff
        for ticket in session.scalars(select(HandoffTicket).where(HandoffTicket.conversation_id == conversation_id,
                                                                  HandoffTicket.status == "open")):
            ticket.status, ticket.claimed_by = "claimed", staff
        session.add(Message(conversation_id=conversation_id, role="event", author=staff,
                            content=f"{staff} joined the conversation"))
        session.commit()


def staff_reply(db: Database, conversation_id: str, staff: str, text: str) -> int:
    """Send staff's message to the shopper; returns its message id."""
    text = (text or "").strip()
    if not text:
        raise KefuError("an empty message was not sent")
    with db.session() as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None or conversation.status != WITH_STAFF or conversation.assigned_staff != staff:
            raise KefuError("take the conversation over before replying")
        message = Message(conversation_id=conversation_id, role=STAFF, author=staff, content=text)
        session.add(message)
        session.commit()
        return message.id


def messages_since_takeover(db: Database, conversation_id: str) -> list[Message]:
    """The shopper's and staff's messages since staff last joined."""
    with db.session() as session:
        rows = session.scalars(select(Message).where(Message.conversation_id == conversation_id)
                               .order_by(Message.id)).all()
    joined = max((i for i, m in enumerate(rows) if m.role == "event" and m.content.endswith("joined the conversation")),
                 default=None)
    return [] if joined is None else [m for m in rows[joined + 1:] if m.role in ("user", STAFF)]


def hand_back(db: Database, agent, conversation_id: str, staff: str) -> int:
    """Return the conversation to the agent with what happened meanwhile; returns how many turns it got."""
    with db.session() as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None or conversation.status != WITH_STAFF:
            raise KefuError("this conversation is not with staff")
    turns = [HumanMessage(m.content) if m.role == "user" else AIMessage(m.content, name=STAFF)
             for m in messages_since_takeover(db, conversation_id)]
    if turns:
        agent.graph.update_state(agent.config(conversation_id), {"messages": turns}, as_node="model")
    with db.session() as session:
        conversation = session.get(Conversation, conversation_id)
        conversation.status, conversation.assigned_staff = "open", None
        for ticket in session.scalars(select(HandoffTicket).where(HandoffTicket.conversation_id == conversation_id,
                                                                  HandoffTicket.status.in_(("open", "claimed")))):
            ticket.status, ticket.closed_at = "closed", datetime.now(timezone.utc).replace(tzinfo=None)
        session.add(Message(conversation_id=conversation_id, role="event", author=staff,
                            content=f"{staff} handed the conversation back to the assistant"))
        session.commit()
    return len(turns)


def awaiting_approval(db: Database) -> list[PendingAction]:
    """Confirmed writes waiting for a staff member's approval, oldest first."""
    with db.session() as session:
        return list(session.scalars(select(PendingAction).where(PendingAction.status == "awaiting_approval")
                                    .order_by(PendingAction.decided_at)))


def decide(db: Database, agent, action_id: str, staff: str, approve: bool) -> str:
    """Approve (run it now) or reject a write waiting for approval; the shopper is told in the conversation."""
    from assistant.dialogue.replies import canned, reply, tool_error
    from assistant.tools import ToolRunner

    with db.session() as session:
        action = session.get(PendingAction, action_id)
        if action is None or action.status != "awaiting_approval":
            raise KefuError(f"{action_id} is not waiting for approval")
        conversation = session.get(Conversation, action.conversation_id)
        language = (conversation.language if conversation else None) or "en"
    runner = ToolRunner(db, action.conversation_id, actor=f"staff:{staff}")
    if approve:
        result = runner.approve(action_id, staff)
        text = (reply("failed", language, error=tool_error(result.error, language)) if result.error
                else reply("approved", language, summary=action.summary))
    else:
        runner.reject(action_id, staff)
        text = reply("rejected", language)
    agent.graph.update_state(agent.config(action.conversation_id), {"messages": [canned(text)]}, as_node="model")
    with db.session() as session:
        session.add(Message(conversation_id=action.conversation_id, role="assistant", author=staff, content=text))
    return text
