"""The HTTP API next to the Gradio apps, over a real SQLite shop (scripted model for the control flow)."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from assistant.evaluation.scripted_model import call
from tests.agent_helpers import audits, email_of, scripted_agent
from tests.conftest import find_order, order_state
from ui.app import create_app


@pytest.fixture
def shop(db, tmp_path):
    order_id, customer_id = find_order(db, "pending")
    steps = [call("get_order_details", order_id=order_id),
             call("cancel_pending_order", order_id=order_id, reason="no longer needed"),
             "You're welcome!"]
    agent, _ = scripted_agent(db, tmp_path, steps)
    client = TestClient(create_app(agent, agent.settings))
    yield client, order_id, customer_id
    agent.close()


def _events(body: str) -> list[dict]:
    return [json.loads(line[len("data: "):]) for line in body.splitlines() if line.startswith("data: ")]


def test_cancel_through_the_api_with_streaming_and_the_confirm_endpoint(shop, db):
    client, order_id, customer_id = shop
    session = client.post("/api/sessions").json()["session_id"]
    assert client.post(f"/api/sessions/{session}/confirm").status_code == 409  # nothing pending yet
    streamed = client.post(f"/api/sessions/{session}/messages?stream=true",
                           json={"text": f"Cancel {order_id}, I don't need it. {email_of(db, customer_id)}"})
    assert streamed.headers["content-type"].startswith("text/event-stream")
    events = _events(streamed.text)
    final = events[-1]
    assert final["type"] == "final" and final["pending_action_id"] and "Shall I go ahead?" in final["text"]
    assert "".join(e["text"] for e in events if e["type"] == "token") == final["text"]
    state = client.get(f"/api/sessions/{session}").json()
    assert state["pending_action"]["id"] == final["pending_action_id"]
    assert state["orders"] == [{"order_id": order_id, "status": "pending", "items": state["orders"][0]["items"],
                                "tracking": []}]
    assert order_state(db, order_id)["status"] == "pending" and audits(db, session) == 0

    other = client.post(f"/api/sessions/{session}/confirm", json={"pending_action_id": "pa_000000000000"})
    assert other.status_code == 409 and order_state(db, order_id)["status"] == "pending"
    done = client.post(f"/api/sessions/{session}/confirm",
                       json={"pending_action_id": final["pending_action_id"]}).json()
    assert done["text"].startswith("Done.") and order_state(db, order_id)["status"] == "cancelled"
    state = client.get(f"/api/sessions/{session}").json()
    assert state["pending_action"] is None and state["orders"][0]["status"] == "cancelled"
    assert [m["role"] for m in state["messages"]] == ["user", "assistant", "user", "assistant"]
    assert state["messages"][2]["content"] == "yes"  # shown in the transcript as a plain yes

    reply_id = state["messages"][-1]["id"]
    assert client.post(f"/api/sessions/{session}/feedback", json={"message_id": reply_id, "rating": 1}).json()["ok"]
    refused = client.post(f"/api/sessions/{session}/feedback", json={"message_id": state["messages"][0]["id"],
                                                                      "rating": 1})
    assert refused.status_code == 422 and "assistant's replies" in refused.json()["detail"]
    for _ in range(5):  # repeating a thumbs-up does not multiply it: the shopper has one rating per reply
        client.post(f"/api/sessions/{session}/feedback", json={"message_id": reply_id, "rating": 1})
    client.post(f"/api/sessions/{session}/feedback", json={"message_id": reply_id, "rating": -1})
    with db.session() as s:
        from sqlalchemy import select

        from assistant.db import Feedback
        assert s.scalars(select(Feedback.rating).where(Feedback.message_id == reply_id)).all() == [-1]


def test_sessions_are_isolated_and_ids_checked(shop, db):
    client, order_id, customer_id = shop
    alice = client.post("/api/sessions").json()["session_id"]
    client.post(f"/api/sessions/{alice}/messages", json={"text": f"{email_of(db, customer_id)} cancel {order_id}"})
    mallory = client.post("/api/sessions").json()["session_id"]
    assert mallory != alice and len(mallory) >= 36
    seen = client.get(f"/api/sessions/{mallory}").json()
    assert seen["messages"] == [] and seen["orders"] == [] and seen["pending_action"] is None
    assert client.post(f"/api/sessions/{mallory}/confirm").status_code == 409  # cannot confirm alice's change
    assert order_state(db, order_id)["status"] == "pending"
    assert client.get("/api/sessions/..%2Fetc").status_code == 404
    assert client.post(f"/api/sessions/{'x' * 65}/messages", json={"text": "hi"}).status_code == 404


def test_only_ids_this_server_issued_are_accepted(shop, db):
    """A client-chosen id, or another channel's (a CLI session authenticated with --as-customer), is a 404."""
    from assistant.tools import ToolRunner

    client, _, customer_id = shop
    cli = ToolRunner(db, "cli-1234abcd", actor="staff:cli")
    cli.act_as_customer(customer_id)
    for chosen in ("cli-1234abcd", "my-session", "api-" + "0" * 32, "web-" + "0" * 32):
        assert client.post(f"/api/sessions/{chosen}/messages", json={"text": "my orders?"}).status_code == 404
        assert client.get(f"/api/sessions/{chosen}").status_code == 404
    issued = client.post("/api/sessions").json()["session_id"]
    assert client.get(f"/api/sessions/{issued}").status_code == 200


def test_human_button_opens_a_handoff(shop):
    client, _, _ = shop
    session = client.post("/api/sessions").json()["session_id"]
    reply = client.post(f"/api/sessions/{session}/human").json()
    assert reply["handed_off"] and "colleague" in reply["text"]
    assert client.get(f"/api/sessions/{session}").json()["status"] == "handed_off"
