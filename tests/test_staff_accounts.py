"""Per-person staff accounts: own passwords and roles, lockout per account and per client address, logins that
expire, hashing off the event loop, and an audit of who opened which conversation."""

from __future__ import annotations

import asyncio
import time

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Mount
from sqlalchemy import select

from assistant.db import AuditLog
from assistant.errors import KefuError
from tests.agent_helpers import scripted_agent
from tests.conftest import run_kefu
from ui.app import create_app
from ui.auth import ExpiringTokens, hash_password
from ui.staff_accounts import (add_account, check_login, disable_account, list_accounts, record_view, role_of,
                               set_password)

OWN = {"origin": "http://testserver"}


def _login(client, name, password):
    return client.post("/staff/login", data={"username": name, "password": password}, headers=OWN)


def test_accounts_have_their_own_password_and_role_and_replace_the_shared_one(db):
    shared = hash_password("shared password")
    assert check_login(db, "anyone", "shared password", shared) and role_of(db, "anyone") == "admin"
    add_account(db, "ana", "ana's password", role="admin")
    add_account(db, "bo", "bo's password")
    assert not check_login(db, "anyone", "shared password", shared)  # accounts exist: no shared login
    assert check_login(db, "ana", "ana's password", shared) and not check_login(db, "ana", "bo's password", None)
    assert (role_of(db, "ana"), role_of(db, "bo"), role_of(db, "mallory")) == ("admin", "agent", "none")
    disable_account(db, "bo")
    assert not check_login(db, "bo", "bo's password", None) and role_of(db, "bo") == "none"
    set_password(db, "bo", "a new password")  # and enabled again
    assert check_login(db, "bo", "a new password", None)
    with pytest.raises(KefuError, match="exists"):
        add_account(db, "ana", "whatever123")
    with pytest.raises(KefuError, match="at least 8"):
        add_account(db, "cy", "short")
    assert [a["name"] for a in list_accounts(db)] == ["ana", "bo"]


def test_cycling_names_from_one_address_is_locked_out(db, tmp_path):
    add_account(db, "ana", "ana's password", role="admin")
    agent, _ = scripted_agent(db, tmp_path, [], staff_login_max_failures_per_client=4)
    client = TestClient(create_app(agent, agent.settings))
    assert [_login(client, f"name{n}", "guess").status_code for n in range(4)] == [400] * 4
    assert _login(client, "ana", "ana's password").status_code == 429  # this address is refused for a while
    agent.close()


def test_a_login_is_checked_off_the_event_loop_and_expires(db, tmp_path):
    add_account(db, "ana", "ana's password", role="admin")
    agent, _ = scripted_agent(db, tmp_path, [], staff_session_ttl_s=60)
    app = create_app(agent, agent.settings)
    staff = next(route.app for route in app.routes if isinstance(route, Mount) and route.path == "/staff")
    assert asyncio.iscoroutinefunction(staff.auth)  # Gradio awaits it; PBKDF2 runs in a worker thread
    client = TestClient(app)
    assert _login(client, "ana", "ana's password").status_code == 200
    assert client.get("/staff/config").status_code == 200
    tokens = staff.tokens
    assert isinstance(tokens, ExpiringTokens) and len(tokens) == 1
    tokens.issued = {token: time.monotonic() - 61 for token in tokens.issued}  # an hour later, in effect
    assert client.get("/staff/config").status_code == 401
    agent.close()


def test_opening_a_conversation_is_audited(db):
    record_view(db, "ana", "web-0123")
    with db.session() as session:
        row = session.scalars(select(AuditLog).where(AuditLog.action == "staff_view")).one()
        assert (row.actor, row.target_id) == ("staff:ana", "web-0123")


def test_the_staff_command_manages_accounts(tmp_path):
    env = {"KEFU_DATA_DIR": str(tmp_path)}
    run_kefu("staff", "add", "ana", "--role", "admin", "--password", "ana's password", env=env)
    listed = run_kefu("staff", "list", env=env).stdout
    assert "ana" in listed and "admin" in listed
    run_kefu("staff", "disable", "ana", env=env)
    assert "disabled" in run_kefu("staff", "list", env=env).stdout
    refused = run_kefu("staff", "add", "ana", "--password", "x", env=env, check=False)
    assert refused.returncode == 1 and refused.stderr.startswith("error:")
