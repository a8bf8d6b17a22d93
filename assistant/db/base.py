"""Declarative base shared by every table."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of all kefu tables (constraint names fixed for Alembic)."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict: JSON, list: JSON}


def utcnow() -> datetime:
    """Timezone-aware now, for timestamp defaults."""
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """A stored timestamp as timezone-aware UTC (SQLite gives them back naive)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
