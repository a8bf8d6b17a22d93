"""Guard events (blocked replies, retries, fallbacks, automatic handoffs): logged and counted in `agent_events`."""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from assistant.db import AgentEvent, Database
from assistant.redaction import session_ref

log = logging.getLogger(__name__)
# Events that record what shoppers did rather than what a guard stopped: not worth a warning in the log.
ACTIVITY = {"product_search", "product_card_opened"}


def record_event(db: Database, conversation_id: str, kind: str, **detail) -> None:
    """Log one event (a guard's, or a shopper's activity) and store it for the staff console's metrics."""
    # The detail (ids, reasons) goes to the database for the staff console; the log names only what happened.
    log.log(logging.INFO if kind in ACTIVITY else logging.WARNING, "%s in conversation %s (%s)", kind,
            session_ref(conversation_id), ", ".join(sorted(detail)))
    with db.session() as session:
        session.add(AgentEvent(conversation_id=conversation_id, kind=kind, detail=detail))


def event_counts(db: Database, conversation_id: str | None = None) -> dict[str, int]:
    """How many events of each kind, overall or in one conversation."""
    query = select(AgentEvent.kind, func.count()).group_by(AgentEvent.kind)
    if conversation_id:
        query = query.where(AgentEvent.conversation_id == conversation_id)
    with db.session() as session:
        return dict(session.execute(query).all())
