"""Identified conversations close after a period of inactivity, so a forgotten tab is not a logged-in session."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from assistant.db import Conversation, Database, Message
from assistant.db.base import as_utc

EXPIRED = "expired"


def close_if_idle(db: Database, session_id: str, timeout_s: int) -> bool:
    """True when an identified conversation has been idle past `timeout_s` (it is closed then, for good)."""
    with db.session() as session:
        conversation = session.get(Conversation, session_id)
        if conversation is None or conversation.customer_id is None or not timeout_s:
            return False
        if conversation.status == EXPIRED:
            return True
        last = session.scalar(select(func.max(Message.created_at)).where(Message.conversation_id == session_id))
        if last is None or datetime.now(timezone.utc) - as_utc(last) < timedelta(seconds=timeout_s):
            return False
        conversation.status = EXPIRED
        return True
