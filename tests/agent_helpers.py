"""Agents over a real SQLite shop with a scripted model, for the control-flow tests."""

from __future__ import annotations

from sqlalchemy import func, select

from assistant.agent import ShopAgent
from assistant.config import Settings
from assistant.db import AuditLog, Customer, Database, HandoffTicket, Message
from assistant.evaluation.scripted_model import ScriptedChatModel


def scripted_agent(db: Database, tmp_path, steps: list, **settings) -> tuple[ShopAgent, ScriptedChatModel]:
    """A ShopAgent on `db` whose model plays `steps`; no knowledge base unless one is given. Shoppers identify by
    email, or name and zip, alone (`identity="tau2"`) unless the test names another mode."""
    model = ScriptedChatModel(steps=list(steps))
    knowledge = settings.pop("knowledge", None)
    settings.setdefault("identity", "tau2")
    agent = ShopAgent(db, Settings(data_dir=tmp_path, **settings), model=model, knowledge=knowledge)
    return agent, model


def email_of(db: Database, customer_id: str) -> str:
    with db.session() as session:
        return session.get(Customer, customer_id).email


def count(db: Database, model, **where) -> int:
    with db.session() as session:
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return session.scalar(query)


def audits(db: Database, session_id: str) -> int:
    return count(db, AuditLog, conversation_id=session_id)


def tickets(db: Database, session_id: str) -> list[HandoffTicket]:
    with db.session() as session:
        return session.scalars(select(HandoffTicket).where(HandoffTicket.conversation_id == session_id)).all()


def stored(db: Database, session_id: str) -> list[tuple[str, str]]:
    with db.session() as session:
        rows = session.scalars(select(Message).where(Message.conversation_id == session_id).order_by(Message.id))
        return [(m.role, m.content) for m in rows]
