"""Engine, sessions and migrations for any SQLAlchemy URL (SQLite by default)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create an engine; for SQLite, create the parent folder and turn on WAL and foreign keys."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    # Every concurrent shopper turn holds a connection for moments at a time; SQLite connections are cheap, and
    # the default pool (5 + 10 overflow) would make the 16th concurrent shopper wait for one.
    sized = {"pool_size": 10, "max_overflow": 60} if url.startswith("sqlite:///") and url != "sqlite:///:memory:" else {}
    engine = create_engine(url, pool_pre_ping=True, **sized)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def alembic_config(url: str):
    """An Alembic config pointing at the packaged migrations."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


class Database:
    """A database at one URL: engine, session factory and schema migration."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings=None) -> Database:
        """The database named by the settings, migrated to the latest schema."""
        from assistant.config import get_settings

        db = cls((settings or get_settings()).resolved_database_url)
        db.migrate()
        return db

    def migrate(self) -> None:
        """Upgrade the schema to the newest Alembic revision (a no-op when current)."""
        from alembic import command

        cfg = alembic_config(self.url)
        with self.engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")

    def is_empty(self) -> bool:
        """True when the shop has no customers (or no tables yet)."""
        from sqlalchemy import func, select

        from assistant.db.shop import Customer

        if not inspect(self.engine).has_table("customers"):
            return True
        with self.session() as session:
            return session.scalar(select(func.count()).select_from(Customer)) == 0

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any exception."""
        session = self.sessionmaker()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()
