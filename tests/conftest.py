"""Shared fixtures: real SQLite files holding the τ²-bench retail shop, and authenticated sessions."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from assistant.db import Customer, Database, Order, PaymentMethod
from assistant.shop.records import order_record, user_record
from assistant.shop.tau2 import import_tau2, load_tau2
from assistant.tools import ToolRunner

TAU2 = Path(__file__).resolve().parents[1] / "assistant" / "shop" / "eval" / "tau2-retail"


@pytest.fixture(scope="session")
def tau2_dir() -> Path:
    return TAU2


@pytest.fixture(scope="session")
def tau2_template(tau2_dir, tmp_path_factory) -> Path:
    """A migrated SQLite file with τ²'s db.json imported once; tests copy it."""
    path = tmp_path_factory.mktemp("template") / "tau2.db"
    db = Database(f"sqlite:///{path}")
    db.migrate()
    with db.session() as session:
        import_tau2(session, load_tau2(tau2_dir / "db.json"))
    db.dispose()
    return path


@pytest.fixture
def db(tau2_template, tmp_path) -> Database:
    """A fresh copy of the τ² shop in a real SQLite file."""
    path = tmp_path / "shop.db"
    shutil.copy(tau2_template, path)
    database = Database(f"sqlite:///{path}")
    yield database
    database.dispose()


def small_demo_shop(path: Path, seed: int = 7) -> Database:
    """A migrated SQLite file holding a small demo shop (the whole catalog, 20 customers, 30 orders)."""
    from assistant.shop.demo import build_demo_shop

    db = Database(f"sqlite:///{path}")
    db.migrate()
    with db.session() as session:
        build_demo_shop(session, seed=seed, customers=20, orders=30)
    return db


@pytest.fixture(scope="session")
def catalog_shop(tmp_path_factory) -> Database:
    """One small demo shop for the shopping tests that only add conversations to it."""
    db = small_demo_shop(tmp_path_factory.mktemp("catalog") / "shop.db")
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def product_search(catalog_shop):
    """Product search over `catalog_shop` with the real embedder, loaded once."""
    from assistant.catalog.search import ProductSearch
    from knowledge.embedder import Embedder

    return ProductSearch(catalog_shop, Embedder())


def login(db: Database, customer_id: str, session_id: str | None = None) -> ToolRunner:
    """A shopper session authenticated the normal way: by the customer's email."""
    runner = ToolRunner(db, session_id or f"s-{uuid.uuid4().hex[:8]}")
    with db.session() as session:
        email = session.get(Customer, customer_id).email
    assert runner.call("find_user_id_by_email", {"email": email}).output == customer_id
    return runner


def find_order(db: Database, status: str, *, method_source: str | None = None, min_items: int = 1,
               skip: int = 0) -> tuple[str, str]:
    """(order id, customer id) of an order in `status` whose owner has a `method_source` payment method."""
    with db.session() as session:
        matches = []
        for order in session.scalars(select(Order).where(Order.status == status).order_by(Order.position)):
            sources = {m.source for m in order.customer.payment_methods}
            if len(order.items) >= min_items and (method_source is None or method_source in sources):
                matches.append((order.id, order.customer_id))
        return matches[skip]


def order_state(db: Database, order_id: str) -> dict:
    with db.session() as session:
        return order_record(session.get(Order, order_id))


def user_state(db: Database, customer_id: str) -> dict:
    with db.session() as session:
        return user_record(session.get(Customer, customer_id))


def method_of(db: Database, customer_id: str, source: str) -> PaymentMethod:
    with db.session() as session:
        return session.scalars(select(PaymentMethod).where(PaymentMethod.customer_id == customer_id,
                                                           PaymentMethod.source == source)).first()


def run_kefu(*args: str, env: dict, check: bool = True) -> subprocess.CompletedProcess:
    """Run the real `kefu` console script in a subprocess."""
    kefu = Path(sys.executable).parent / "kefu"
    proc = subprocess.run([str(kefu), *args], env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"kefu {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def propose_and_confirm(runner: ToolRunner, name: str, args: dict):
    """Propose a write and confirm it; returns the proposal's error or the executed result."""
    result = runner.call(name, args)
    if result.error is not None:
        return result
    assert result.pending_action_id, result
    return runner.confirm(result.pending_action_id)


def free_port() -> int:
    """A TCP port nobody listens on right now (for servers the tests start)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """KEFU_TEST_POSTGRES_URL, or a throwaway cluster of Debian's PostgreSQL for this run (`make test` installs
    it); a missing server fails rather than skips, so CI never passes without PostgreSQL."""
    from tests.postgres_server import ThrowawayPostgres

    if os.environ.get("KEFU_TEST_POSTGRES_URL"):
        yield os.environ["KEFU_TEST_POSTGRES_URL"]
        return
    server = ThrowawayPostgres(free_port())
    if not server.available:
        pytest.fail("PostgreSQL's initdb is missing: `make test` installs Debian's postgresql")
    with server as url:
        yield url


@pytest.fixture
def pg_db(postgres_url, tau2_dir) -> Database:
    """The τ² shop in PostgreSQL, rebuilt from scratch for each test."""
    from assistant.db import Base
    from assistant.shop.tau2 import import_tau2, load_tau2

    db = Database(postgres_url)
    Base.metadata.drop_all(db.engine)
    with db.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    db.migrate()
    with db.session() as session:
        import_tau2(session, load_tau2(tau2_dir / "db.json"))
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def smollm2_server(tmp_path_factory):
    """One real vLLM server on the fetched SmolLM2 with the committed default adapter, shared by the modules that
    talk to it (each start costs most of a minute on 2 cores): test_vllm_agent.py and test_vllm_server.py, which
    run one after the other, the second stopping it last."""
    from assistant.config import Settings
    from assistant.serving.fetch import fetch_default_model
    from assistant.serving.server import VllmServer

    settings = Settings(_env_file=None)
    fetch_default_model(settings)
    adapter = Path(__file__).resolve().parents[1] / "finetune" / "adapters" / "kefu-default"
    running = VllmServer(settings, port=free_port(), lora={"kefu-default": adapter})
    running.log_path = tmp_path_factory.mktemp("logs") / "vllm.log"
    with running:
        yield running
