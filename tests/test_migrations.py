"""Alembic migrations create exactly the schema the models describe, and re-running them is a no-op."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from assistant.db import Base, Database

TABLES = {
    "customers", "payment_methods", "products", "variants", "orders", "order_items", "fulfillments", "payments",
    "return_requests", "exchange_requests", "audit_log", "conversations", "messages", "tool_calls",
    "pending_actions", "handoff_tickets", "feedback", "alembic_version",
}


def _check(db: Database) -> None:
    db.migrate()
    db.migrate()
    assert set(inspect(db.engine).get_table_names()) >= TABLES
    with db.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_sqlite_schema_matches_models(tmp_path):
    _check(Database(f"sqlite:///{tmp_path / 'fresh.db'}"))


def test_postgres_schema_and_round_trip(tau2_dir, postgres_url):
    from assistant.shop.tau2 import export_tau2, import_tau2, load_tau2

    db = Database(postgres_url)
    with db.engine.begin() as connection:  # an empty schema, whatever the run's other tests left there
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    _check(db)
    with db.session() as session:
        import_tau2(session, load_tau2(tau2_dir / "db.json"))
    with db.session() as session:
        import json

        assert export_tau2(session) == json.loads((tau2_dir / "db.json").read_text())


def test_a_cached_evaluation_shop_from_before_a_migration_is_brought_up_to_date(tmp_path):
    from alembic import command

    from assistant.db.engine import alembic_config
    from assistant.evaluation.shops import shop_template

    tasks = Path("assistant/shop/eval/generated/tau2/tasks.json")
    path = shop_template(tasks, tmp_path, 7)
    old = Database(f"sqlite:///{path}")
    with old.engine.begin() as connection:  # as a cache made by an older kefu left it
        cfg = alembic_config(old.url)
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0006")
    old.dispose()
    again = Database(f"sqlite:///{shop_template(tasks, tmp_path, 7)}")
    assert "client_key" in {c["name"] for c in inspect(again.engine).get_columns("conversations")}
    again.dispose()
