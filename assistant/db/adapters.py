"""The adapter registry: every LoRA adapter a shop has trained or installed, and which one is served."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assistant.db.base import Base, utcnow


class AdapterVersion(Base):
    """One adapter: where its files are, what it was trained on, how it scored, and whether it is served.

    `status` is `default` for the one adapter the agent talks to, `ready` for the others vLLM also offers,
    and `retired` for those no longer served. `promoted_at` orders the defaults, so rollback returns to the
    one before. `task` is `chat` for the agent's adapters and `drafting` for those that write catalog copy.
    """

    __tablename__ = "adapters"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    base_model: Mapped[str] = mapped_column(String(200))
    path: Mapped[str] = mapped_column(Text)
    data_sha256: Mapped[str | None] = mapped_column(String(64))
    metrics: Mapped[dict] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), default="ready", index=True)
    task: Mapped[str] = mapped_column(String(20), default="chat", server_default="chat")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    promoted_at: Mapped[datetime | None] = mapped_column()

    def figures(self, model: str) -> dict:
        """Held-out figures of `base` or `adapter`; empty when not measured (a card from `--no-base` holds null)."""
        return (self.metrics or {}).get(model) or {}
