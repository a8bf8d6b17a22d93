"""Signed identity: a shop backend's token authenticates a conversation; forged, expired or foreign ones do not;
with KEFU_IDENTITY=token, knowing an email is no longer a login."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from assistant.db import AuditLog
from assistant.identity import IdentityError, sign_identity, verify_identity
from assistant.tools import ToolRunner
from tests.agent_helpers import email_of, scripted_agent
from tests.conftest import find_order, run_kefu
from ui.app import create_app

SECRET = "shop-backend-secret-0123456789"


def test_tokens_verify_only_when_signed_with_the_secret_and_unexpired():
    token = sign_identity("ann_lee_1", SECRET, ttl_s=60, now=1_000)
    assert verify_identity(token, SECRET, now=1_030) == "ann_lee_1"
    for bad, message in [(token, "expired"), (token + "x", "signature"), ("nonsense", "malformed"),
                         (sign_identity("ann_lee_1", "other-secret", now=1_000), "signature")]:
        with pytest.raises(IdentityError, match=message):
            verify_identity(bad, SECRET, now=1_100 if message == "expired" else 1_030)
    with pytest.raises(IdentityError, match="KEFU_IDENTITY_SECRET"):
        verify_identity(token, None)


def test_an_api_session_with_a_signed_token_starts_authenticated(db, tmp_path):
    order_id, customer_id = find_order(db, "pending")
    agent, _ = scripted_agent(db, tmp_path, ["Here it is."], identity_secret=SECRET)
    client = TestClient(create_app(agent, agent.settings))
    started = client.post("/api/sessions", json={"identity_token": sign_identity(customer_id, SECRET)})
    assert started.status_code == 200 and started.json()["customer_id"] == customer_id
    session = started.json()["session_id"]
    runner = ToolRunner(db, session)
    assert runner.call("get_order_details", {"order_id": order_id}).error is None  # no email asked
    with db.session() as s:
        assert s.scalar(select(AuditLog.action).where(AuditLog.conversation_id == session)) == "verify_identity"
    forged = client.post("/api/sessions", json={"identity_token": sign_identity(customer_id, "guess")})
    assert forged.status_code == 401 and "signature" in forged.json()["detail"]
    nobody = client.post("/api/sessions", json={"identity_token": sign_identity("no_such_user_1", SECRET)})
    assert nobody.status_code == 401
    agent.close()


def test_token_mode_refuses_identification_by_email(db, tmp_path):
    order_id, customer_id = find_order(db, "pending")
    runner = ToolRunner(db, "t1", identity="token")
    refused = runner.call("find_user_id_by_email", {"email": email_of(db, customer_id)})
    assert refused.error.startswith("Identification by email or name is turned off")
    assert runner.call("get_order_details", {"order_id": order_id}).error.startswith("Authentication required")
    agent, model = scripted_agent(db, tmp_path, ["I can help with general questions."], identity="token")
    agent.respond("t2", f"Cancel {order_id}. My email is {email_of(db, customer_id)}")
    assert [m.name for m in agent.messages("t2") if m.type == "tool"] == []  # kefu did not identify by email


def test_the_cli_signs_tokens_the_server_accepts(tmp_path):
    proc = run_kefu("ui", "sign-identity", "ann_lee_1", env={"KEFU_IDENTITY_SECRET": SECRET,
                                                             "KEFU_DATA_DIR": str(tmp_path)})
    assert verify_identity(proc.stdout.strip(), SECRET) == "ann_lee_1"
