"""The adapter registry's operations: register, promote, roll back, and what vLLM should serve.

`kefu model add-adapter` and `kefu finetune train` register adapters; `kefu finetune eval` records their
metrics; `kefu finetune promote` / `rollback` choose the default, which `kefu model serve` and the agent
use unless KEFU_LLM_MODEL names a model explicitly.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import inspect, select

from assistant.db import AdapterVersion, Database
from assistant.db.base import utcnow
from assistant.errors import KefuError


class UnknownAdapter(KefuError):
    """No adapter of that name is registered."""


def _card(path: Path) -> dict:
    card = path / "model_card.json"
    return json.loads(card.read_text()) if card.exists() else {}


class AdapterRegistry:
    """The `adapters` table of one database."""

    def __init__(self, db: Database):
        self.db = db

    def available(self) -> bool:
        """False for a database that predates the registry (never migrated to it)."""
        return inspect(self.db.engine).has_table("adapters")

    def register(self, name: str, path: Path, base_model: str, task: str | None = None) -> AdapterVersion:
        """Add or refresh an adapter; data hash, metrics and task come from its model card when it has one.
        The first chat adapter a shop registers for a base model becomes that model's default."""
        path = Path(path).resolve()
        if not (path / "adapter_config.json").exists():
            raise KefuError(f"{path} is not a LoRA adapter folder: it has no adapter_config.json")
        card = _card(path)
        with self.db.session() as session:
            base_model = card.get("base_model") or base_model
            task = task or card.get("task") or "chat"
            first = task == "chat" and session.scalar(select(AdapterVersion).where(
                AdapterVersion.base_model == base_model, AdapterVersion.task == "chat").limit(1)) is None
            row = session.get(AdapterVersion, name) or AdapterVersion(name=name, metrics={})
            row.path, row.base_model, row.task = str(path), base_model, task
            row.data_sha256 = card.get("data_sha256") or row.data_sha256
            row.metrics = {k: card[k] for k in ("base", "adapter") if k in card} or row.metrics or {}
            if row.status == "retired":
                row.status = "ready"
            if first:
                row.status, row.promoted_at = "default", utcnow()
            session.add(row)
            session.commit()
            return row

    def record_metrics(self, name: str, metrics: dict, data_sha256: str | None = None) -> None:
        with self.db.session() as session:
            row = self._get(session, name)
            row.metrics = metrics
            row.data_sha256 = data_sha256 or row.data_sha256
            session.commit()

    def promote(self, name: str) -> AdapterVersion:
        """Make `name` its base model's default; the one it replaces stays served, and rollback can return to it."""
        with self.db.session() as session:
            row = self._get(session, name)
            if row.task != "chat":
                raise KefuError(f"{name} is a {row.task} adapter, not one the agent talks to: set "
                                f"KEFU_DRAFTING_MODEL={name} to draft catalog copy with it")
            for current in session.scalars(select(AdapterVersion).where(AdapterVersion.status == "default",
                                                                        AdapterVersion.base_model == row.base_model)):
                current.status = "ready"
            row.status, row.promoted_at = "default", utcnow()
            session.commit()
            return row

    def rollback(self, base_model: str | None = None) -> AdapterVersion:
        """Return to the previously promoted adapter (of `base_model`, or of the only base model with a default);
        the current default is retired from promotion history."""
        with self.db.session() as session:
            current = session.scalar(select(AdapterVersion).where(AdapterVersion.status == "default",
                                                                  *self._of(base_model)).limit(1))
            if current is None:
                raise KefuError("no adapter is the default: nothing to roll back")
            previous = session.scalar(
                select(AdapterVersion).where(AdapterVersion.name != current.name,
                                             AdapterVersion.base_model == current.base_model,
                                             AdapterVersion.promoted_at.is_not(None),
                                             AdapterVersion.status != "retired")
                .order_by(AdapterVersion.promoted_at.desc()).limit(1))
            if previous is None:
                raise KefuError(f"{current.name} is the only adapter ever promoted: nothing to roll back to")
            current.status, current.promoted_at = "ready", None
            previous.status = "default"
            session.commit()
            return previous

    def retire(self, name: str) -> None:
        with self.db.session() as session:
            row = self._get(session, name)
            if row.status == "default":
                raise KefuError(f"{name} is the default adapter: promote another or roll back first")
            row.status = "retired"
            session.commit()

    @staticmethod
    def _of(base_model: str | None, task: str = "chat") -> tuple:
        return (AdapterVersion.task == task, *((AdapterVersion.base_model == base_model,) if base_model else ()))

    def default(self, base_model: str | None = None) -> str | None:
        """Name of the default adapter (of `base_model`), or None (the base model is served)."""
        if not self.available():
            return None
        with self.db.session() as session:
            return session.scalar(select(AdapterVersion.name).where(AdapterVersion.status == "default",
                                                                    *self._of(base_model)).limit(1))

    def served(self, base_model: str | None = None, task: str = "chat") -> dict[str, Path]:
        """Adapters vLLM offers by name (for `base_model` and `task`): every one not retired whose files are
        still there."""
        if not self.available():
            return {}
        with self.db.session() as session:
            rows = session.scalars(select(AdapterVersion).where(AdapterVersion.status != "retired",
                                                                *self._of(base_model, task))
                                   .order_by(AdapterVersion.name)).all()
        return {r.name: Path(r.path) for r in rows if (Path(r.path) / "adapter_config.json").exists()}

    def all(self) -> list[AdapterVersion]:
        if not self.available():
            return []
        with self.db.session() as session:
            return list(session.scalars(select(AdapterVersion).order_by(AdapterVersion.created_at)))

    @staticmethod
    def _get(session, name: str) -> AdapterVersion:
        row = session.get(AdapterVersion, name)
        if row is None:
            raise UnknownAdapter(f"no adapter named {name!r} is registered: see `kefu finetune list`")
        return row
