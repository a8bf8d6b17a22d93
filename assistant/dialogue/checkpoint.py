"""The LangGraph checkpointer that keeps each conversation's agent state in the database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from assistant.errors import KefuError


def open_checkpointer(url: str):
    """A checkpointer for a SQLAlchemy-style URL: SQLite file (default), PostgreSQL, or memory for `sqlite:///:memory:`."""
    if url in ("sqlite://", "sqlite:///:memory:"):
        from langgraph.checkpoint.memory import InMemorySaver

        return InMemorySaver()
    if url.startswith("sqlite:///"):
        from langgraph.checkpoint.sqlite import SqliteSaver

        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, check_same_thread=False, timeout=30)
        connection.execute("PRAGMA journal_mode=WAL")
        saver = SqliteSaver(connection)
        saver.setup()
        return saver
    if url.startswith(("postgresql", "postgres")):
        try:
            from langgraph.checkpoint.postgres import PostgresSaver
            from psycopg.rows import dict_row
            from psycopg_pool import ConnectionPool
        except ImportError as exc:
            raise KefuError("PostgreSQL checkpoints need the postgres extra: pip install 'kefu[postgres]'") from exc
        conninfo = "postgresql://" + url.split("://", 1)[1]
        pool = ConnectionPool(conninfo, max_size=8, open=True,
                              kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row})
        saver = PostgresSaver(pool)
        saver.setup()
        return saver
    raise KefuError(f"unsupported checkpoint database URL {url!r}: use sqlite:///PATH or postgresql://…")
