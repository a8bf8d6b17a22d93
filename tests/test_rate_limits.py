"""Rate limits and size caps: one client cannot flood the model, the staff queue or the identification tools."""

from __future__ import annotations

from fastapi.testclient import TestClient

from assistant.evaluation.scripted_model import call
from assistant.tools import ToolRunner
from tests.agent_helpers import scripted_agent, tickets
from ui.app import create_app


def _client(db, tmp_path, steps=(), **settings) -> TestClient:
    agent, _ = scripted_agent(db, tmp_path, list(steps), **settings)
    return TestClient(create_app(agent, agent.settings))


def test_a_conversation_sending_too_fast_gets_429_and_its_message_is_not_taken(db, tmp_path):
    client = _client(db, tmp_path, ["One.", "Two."], rate_limit_session_messages="2/minute")
    session = client.post("/api/sessions").json()["session_id"]
    assert [client.post(f"/api/sessions/{session}/messages", json={"text": t}).status_code
            for t in ("a", "b", "c")] == [200, 200, 429]
    refused = client.post(f"/api/sessions/{session}/messages", json={"text": "d"})
    assert refused.headers["retry-after"] == "60" and "wait a moment" in refused.json()["detail"]
    shown = client.get(f"/api/sessions/{session}").json()["messages"]
    assert [m["content"] for m in shown] == ["a", "One.", "b", "Two."]


def test_one_client_cannot_open_endless_conversations_or_bury_the_staff_queue(db, tmp_path):
    client = _client(db, tmp_path, rate_limit_client_sessions="3/minute", rate_limit_client_handoffs="2/hour")
    started = [client.post("/api/sessions") for _ in range(4)]
    assert [r.status_code for r in started] == [200, 200, 200, 429]
    asked = [client.post(f"/api/sessions/{r.json()['session_id']}/human").status_code for r in started[:3]]
    assert asked == [200, 200, 429]
    assert sum(len(tickets(db, r.json()["session_id"])) for r in started[:3]) == 2


def test_oversized_bodies_and_widget_uploads_are_refused(db, tmp_path):
    client = _client(db, tmp_path)
    session = client.post("/api/sessions").json()["session_id"]
    huge = client.post(f"/api/sessions/{session}/messages", content=b'{"text": "' + b"x" * 70_000 + b'"}',
                       headers={"content-type": "application/json"})
    assert huge.status_code == 413
    upload = client.post("/gradio_api/upload", files={"files": ("big.bin", b"\0" * 10_000)})
    assert upload.status_code == 413


def test_identification_stops_after_repeated_failures(db, tmp_path):
    runner = ToolRunner(db, "s1", max_identification_failures=3)
    for n in range(3):
        assert runner.call("find_user_id_by_email", {"email": f"guess{n}@example.com"}).error == "User not found"
    blocked = runner.call("find_user_id_by_email", {"email": "guess9@example.com"})
    assert blocked.error.startswith("Too many failed identification attempts")


def test_the_agent_stops_guessing_identities_through_kefus_own_step_too(db, tmp_path):
    agent, _ = scripted_agent(db, tmp_path, ["Sorry, I can't find that email."] * 4 +
                              [call("transfer_to_human_agents", summary="cannot identify")],
                              max_identification_failures=3)
    for n in range(4):
        agent.respond("s1", f"my email is guess{n}@example.com")
    results = [m.content for m in agent.messages("s1") if m.type == "tool"]
    assert results[:3] == ["Error: User not found"] * 3 and results[3].startswith("Error: Too many failed")
