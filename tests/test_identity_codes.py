"""One-time codes (KEFU_IDENTITY=code, the default without a shop secret): an email, or a name and zip code, is not
a login; the code sent to the account's email is. Unknown and known emails get the same answer, and guessing is
limited per conversation, per client address and per account."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from assistant.config import Settings
from assistant.db import Conversation, Customer, IdentityChallenge, OutboxMessage
from assistant.redaction import client_ref
from assistant.tools import ToolRunner
from assistant.tools.identification import CODE_SENT, IdentityPolicy
from assistant.evaluation.scripted_model import call
from tests.agent_helpers import email_of, scripted_agent
from tests.conftest import find_order
from ui.app import create_app
from ui.conversations import outbox

CODE = IdentityPolicy(mode="code")
SENT: list[tuple[str, str, str]] = []


def collect(to: str, subject: str, body: str) -> None:
    """A shop's own mail sender, as KEFU_IDENTITY_CODE_SENDER names it."""
    SENT.append((to, subject, body))


def code_sent_to(db, email: str) -> str | None:
    with db.session() as session:
        body = session.scalar(select(OutboxMessage.body).where(OutboxMessage.to_address == email)
                              .order_by(OutboxMessage.id.desc()).limit(1))
    return re.search(r"\b(\d{6})\b", body).group(1) if body else None


def test_the_default_is_a_code_without_a_secret_and_signed_with_one():
    assert Settings(_env_file=None).identity == "code"
    assert Settings(_env_file=None, identity_secret="s3cret").identity == "signed"
    assert Settings(_env_file=None, identity="email").identity == "tau2"
    assert Settings(_env_file=None, identity="token").identity == "signed"


def test_known_and_unknown_emails_get_the_same_answer_and_only_a_customer_gets_a_code(db):
    order_id, customer_id = find_order(db, "pending")
    email = email_of(db, customer_id)
    known = ToolRunner(db, "c1", identity=CODE).call("find_user_id_by_email", {"email": email})
    unknown = ToolRunner(db, "c2", identity=CODE).call("find_user_id_by_email", {"email": "nobody@example.com"})
    assert known.as_text() == unknown.as_text() == f"Error: {CODE_SENT}"
    assert code_sent_to(db, email) is not None and code_sent_to(db, "nobody@example.com") is None
    runner = ToolRunner(db, "c1", identity=CODE)
    for read in [("get_order_details", {"order_id": order_id}), ("get_user_details", {"user_id": customer_id})]:
        assert runner.call(*read).error.startswith("Authentication required")  # an email alone reads nothing


def test_the_right_code_authenticates_once_and_only_its_own_conversation(db):
    order_id, customer_id = find_order(db, "pending")
    email = email_of(db, customer_id)
    runner = ToolRunner(db, "c1", identity=CODE)
    runner.call("find_user_id_by_email", {"email": email})
    code = code_sent_to(db, email)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert "not right" in runner.call("verify_identity_code", {"code": wrong}).error
    assert ToolRunner(db, "other", identity=CODE).call("verify_identity_code", {"code": code}).error is not None
    assert runner.call("verify_identity_code", {"code": code}).output == customer_id
    assert runner.call("get_order_details", {"order_id": order_id}).error is None
    with db.session() as session:
        assert session.get(Conversation, "other").customer_id is None
        assert session.scalar(select(IdentityChallenge.code_hash)) != code  # only a salted hash is kept
    again = ToolRunner(db, "c3", identity=CODE)
    assert again.call("verify_identity_code", {"code": code}).error.startswith("No code is waiting")


def test_a_code_stops_working_after_five_wrong_tries_or_when_it_expires(db):
    _, customer_id = find_order(db, "pending")
    email = email_of(db, customer_id)
    runner = ToolRunner(db, "c1", identity=IdentityPolicy(mode="code", max_failures=20))
    runner.call("find_user_id_by_email", {"email": email})
    code = code_sent_to(db, email)
    for n in range(5):
        runner.call("verify_identity_code", {"code": f"{(int(code) + n + 1) % 10**6:06d}"})
    assert runner.call("verify_identity_code", {"code": code}).error.startswith("Too many wrong codes")
    late = ToolRunner(db, "c2", identity=CODE)
    late.call("find_user_id_by_email", {"email": email})
    with db.session() as session:
        session.execute(update(IdentityChallenge).where(IdentityChallenge.conversation_id == "c2").values(
            expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
    assert late.call("verify_identity_code", {"code": code_sent_to(db, email)}).error.startswith("No code")


def test_an_account_gets_at_most_its_hourly_codes_whoever_asks(db):
    _, customer_id = find_order(db, "pending")
    email = email_of(db, customer_id)
    policy = IdentityPolicy(mode="code", per_account_per_hour=3)
    answers = {ToolRunner(db, f"c{n}", identity=policy).call("find_user_id_by_email", {"email": email}).as_text()
               for n in range(5)}
    assert answers == {f"Error: {CODE_SENT}"}
    with db.session() as session:
        assert len(session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == email)).all()) == 3


def test_failures_from_one_client_address_are_limited_across_its_conversations(db):
    policy = IdentityPolicy(mode="tau2", max_failures=5, client_failures_per_hour=4)
    with db.session() as session:
        session.add_all([Conversation(id=f"k{n}", client_key=client_ref("203.0.113.9")) for n in range(3)])
        session.add(Conversation(id="elsewhere", client_key=client_ref("198.51.100.7")))
    for n in range(4):
        ToolRunner(db, f"k{n % 2}", identity=policy).call("find_user_id_by_email", {"email": f"g{n}@example.com"})
    blocked = ToolRunner(db, "k2", identity=policy).call("find_user_id_by_email", {"email": "g9@example.com"})
    assert blocked.error.startswith("Too many failed identification attempts")
    other = ToolRunner(db, "elsewhere", identity=policy).call("find_user_id_by_email", {"email": "g9@example.com"})
    assert other.error == "User not found"


def test_a_shop_can_send_codes_through_its_own_mail_service(db):
    _, customer_id = find_order(db, "pending")
    email = email_of(db, customer_id)
    policy = IdentityPolicy(mode="code", sender="tests.test_identity_codes:collect")
    SENT.clear()
    ToolRunner(db, "c1", identity=policy).call("find_user_id_by_email", {"email": email})
    assert [to for to, _, _ in SENT] == [email] and code_sent_to(db, email) is None
    broken = IdentityPolicy(mode="code", sender="no_such_module:send")
    assert "could not be sent" in ToolRunner(db, "c2", identity=broken).call(
        "find_user_id_by_email", {"email": email}).error


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_agent_sends_a_code_then_goes_on_with_the_request_once_it_is_typed(db, tmp_path, language):
    order_id, customer_id = find_order(db, "pending")
    email = email_of(db, customer_id)
    agent, model = scripted_agent(db, tmp_path, [call("get_order_details", order_id=order_id),
                                                 f"Order {order_id} is pending."], identity="code")
    ask = f"Where is my order {order_id}? My email is {email}" if language == "en" else (
        f"我的订单 {order_id} 到哪了？我的邮箱是 {email}")
    first = agent.respond("s1", ask).text
    assert ("6-digit code" in first if language == "en" else "验证码" in first) and len(model.prompts) == 0
    with db.session() as session:
        assert session.get(Conversation, "s1").customer_id is None
    code = code_sent_to(db, email)
    wrong = agent.respond("s1", f"{(int(code) + 1) % 10**6:06d}").text
    assert ("isn't right" if language == "en" else "不正确") in wrong
    answer = agent.respond("s1", code).text
    assert order_id in answer and ("pending" in answer or "待" in answer)
    with db.session() as session:
        assert session.get(Conversation, "s1").customer_id == customer_id
    assert len(model.prompts) >= 1  # the model answers what was asked before the code
    agent.close()


def test_over_the_api_an_email_gets_a_code_and_the_code_opens_the_account(db, tmp_path):
    _, customer_id = find_order(db, "pending")
    email = email_of(db, customer_id)
    agent, _ = scripted_agent(db, tmp_path, ["Thanks."] * 3, identity="code")
    client = TestClient(create_app(agent, agent.settings))
    session = client.post("/api/sessions").json()["session_id"]
    sent = client.post(f"/api/sessions/{session}/messages", json={"text": f"hi, I'm {email}"}).json()
    unknown = client.post(f"/api/sessions/{session}/messages", json={"text": "hi, I'm zz@example.com"}).json()
    assert "6-digit code" in sent["text"] and sent["text"] == unknown["text"]
    assert [m["to"] for m in outbox(db)] == [email]
    done = client.post(f"/api/sessions/{session}/messages", json={"text": code_sent_to(db, email)}).json()
    assert "verified" in done["text"]
    with db.session() as s:
        conversation = s.get(Conversation, session)
        assert conversation.customer_id == customer_id and conversation.client_key == client_ref("testclient")
        assert s.get(Customer, customer_id).email == email
    agent.close()
