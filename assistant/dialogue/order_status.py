"""The current status of the customer's orders, read from the database rather than from the messages.

Order records in the messages go stale once a change runs: a pending order becomes "pending (item modified)", a
delivered one "return requested". A small model that sees the shopper restate a two-part request redoes the part
already done, against the order it just changed. The tool scope and the variant finder read the statuses here, so
a tool the order no longer allows is not offered, and the model turns to the part still open.
"""

from __future__ import annotations

from sqlalchemy import select

from assistant.db import Conversation, Database, Order


def order_statuses(db: Database, session_id: str) -> dict[str, str]:
    """The conversation's customer's orders by id, with their current status; empty before identification."""
    with db.session() as session:
        conversation = session.get(Conversation, session_id)
        if conversation is None or conversation.customer_id is None:
            return {}
        rows = session.execute(select(Order.id, Order.status).where(Order.customer_id == conversation.customer_id))
        return {order_id: status for order_id, status in rows}
