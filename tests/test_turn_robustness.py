"""Whatever fails in a turn, the shopper's message and a reply are stored; card numbers never reach storage;
turns of one conversation run one at a time."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient
from sqlalchemy import select

from assistant.db import HandoffTicket, Message
from assistant.dialogue.tool_execution import KnowledgeSearch
from assistant.dialogue.turn_lock import TurnLocks
from assistant.evaluation.scripted_model import call
from tests.agent_helpers import scripted_agent, stored
from ui.app import create_app

CARD = "4111 1111 1111 1111"


def _down():
    raise RuntimeError("Could not connect to a Chroma server. Are you sure it is running?")


def test_a_knowledge_server_down_ends_the_turn_with_an_apology_and_a_handoff(db, tmp_path):
    agent, _ = scripted_agent(db, tmp_path, [call("search_knowledge", query="returns")],
                              knowledge=KnowledgeSearch(_down))
    client = TestClient(create_app(agent, agent.settings))
    session = client.post("/api/sessions").json()["session_id"]
    reply = client.post(f"/api/sessions/{session}/messages", json={"text": "Tell me about returns."})
    assert reply.status_code == 200 and "technical trouble" in reply.json()["text"] and reply.json()["handed_off"]
    assert [role for role, _ in stored(db, session)] == ["user", "assistant"]
    with db.session() as s:
        assert s.scalars(select(HandoffTicket.reason).where(HandoffTicket.conversation_id == session)).one() \
            == "turn failed: RuntimeError"


def test_card_numbers_are_masked_before_anything_is_stored(db, tmp_path):
    agent, model = scripted_agent(db, tmp_path, ["Thanks, I can't take card numbers in chat."])
    client = TestClient(create_app(agent, agent.settings))
    session = client.post("/api/sessions").json()["session_id"]
    client.post(f"/api/sessions/{session}/messages", json={"text": f"Charge my card {CARD} please"})
    shown = client.get(f"/api/sessions/{session}").json()["messages"][0]["content"]
    assert shown == "Charge my card **** **** **** 1111 please"
    assert CARD not in str(agent.messages(session)) and CARD not in str(model.prompts)
    with db.session() as s:
        assert all(CARD not in m for m in s.scalars(select(Message.content)))


def test_control_characters_are_dropped_and_invalid_text_gets_a_clear_reply(db, tmp_path):
    agent, _ = scripted_agent(db, tmp_path, ["Hello!"])
    client = TestClient(create_app(agent, agent.settings))
    session = client.post("/api/sessions").json()["session_id"]
    bad = client.post(f"/api/sessions/{session}/messages", content='{"text": "hi \\ud800 there"}',
                      headers={"content-type": "application/json"})
    assert bad.status_code == 422 and "valid string" in bad.json()["detail"][0]["msg"]
    assert list(agent.stream(session, "hi \ud800 there"))[-1]["text"].startswith("Sorry, I couldn't read that message")
    assert client.post(f"/api/sessions/{session}/messages", json={"text": "he\x00llo\x07"}).json()["text"] == "Hello!"
    assert [c for _, c in stored(db, session)][::2] == ["[unreadable]", "hello"]


def test_an_impossible_message_id_in_feedback_is_a_client_error(db, tmp_path):
    agent, _ = scripted_agent(db, tmp_path, [])
    client = TestClient(create_app(agent, agent.settings))
    session = client.post("/api/sessions").json()["session_id"]
    assert client.post(f"/api/sessions/{session}/feedback", json={"message_id": 10**30, "rating": 1}).status_code == 422


def test_two_messages_at_once_on_one_conversation_take_turns(db, tmp_path):
    agent, _ = scripted_agent(db, tmp_path, ["First answer.", "Second answer."])
    threads = [threading.Thread(target=agent.respond, args=("s1", text)) for text in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    roles = [role for role, _ in stored(db, "s1")]
    assert roles == ["user", "assistant", "user", "assistant"]
    assert [m.type for m in agent.messages("s1")] == ["human", "ai", "human", "ai"]


def test_turn_locks_are_forgotten_once_no_turn_needs_them():
    locks = TurnLocks()
    with locks.hold("a", 1) as first:
        assert first and len(locks) == 1
        blocked = []
        waiter = threading.Thread(target=lambda: blocked.append(locks.hold("a", 0.05).__enter__()))
        waiter.start()
        waiter.join()
        assert blocked == [False]
    assert len(locks) == 0


def test_an_identified_conversation_idle_past_the_timeout_is_closed(db, tmp_path):
    from datetime import timedelta

    from assistant.db import Conversation
    from tests.conftest import find_order
    from tests.agent_helpers import email_of

    _, customer_id = find_order(db, "pending")
    agent, model = scripted_agent(db, tmp_path, ["How can I help?"], session_idle_timeout_s=600)
    agent.respond("s1", f"Hi, my email is {email_of(db, customer_id)}")
    with db.session() as s:  # the shopper walked away for an hour
        for message in s.scalars(select(Message).where(Message.conversation_id == "s1")):
            message.created_at = message.created_at - timedelta(hours=1)
    closed = agent.respond("s1", "show me my addresses and payment methods")
    assert "closed after a period of inactivity" in closed.text and len(model.prompts) == 1
    with db.session() as s:
        assert s.get(Conversation, "s1").status == "expired"
    assert "closed" in agent.respond("s1", "hello?").text  # closed for good, however soon they write again
    anonymous, _ = scripted_agent(db, tmp_path, ["Hi!"], session_idle_timeout_s=600)
    assert anonymous.respond("s2", "hello").text == "Hi!"


def test_logs_name_a_conversation_by_a_digest_never_by_its_id(db, caplog):
    import logging

    from assistant.dialogue.events import record_event

    secret = "api-" + "5" * 32
    with caplog.at_level(logging.WARNING):
        record_event(db, secret, "handoff", reason="shopper asked", ticket=7, user="sara_doe_4961")
    assert caplog.text and secret not in caplog.text and "sara_doe_4961" not in caplog.text


def test_a_reply_is_stored_even_when_the_client_stops_reading_the_stream(db, tmp_path):
    import time

    agent, _ = scripted_agent(db, tmp_path, ["Our store opens at nine in the morning and closes at six."])
    client = TestClient(create_app(agent, agent.settings))
    session = client.post("/api/sessions").json()["session_id"]
    with client.stream("POST", f"/api/sessions/{session}/messages?stream=true", json={"text": "When do you open?"}) \
            as response:
        next(response.iter_lines())  # the first event arrives, then the client goes away
    deadline = time.monotonic() + 30
    while len(stored(db, session)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert stored(db, session)[-1] == ("assistant", "Our store opens at nine in the morning and closes at six.")


def test_after_an_outage_the_next_message_goes_back_to_the_agent(db, tmp_path):
    import httpx

    agent, model = scripted_agent(db, tmp_path, ["Yes, we ship to Canada."])
    model.fail_with = httpx.ConnectError("model server down")
    down = agent.respond("s1", "Do you ship to Canada?")
    assert "technical trouble" in down.text and down.handed_off
    model.fail_with = None  # the model server is back
    back = agent.respond("s1", "Hello? Do you ship to Canada?")
    assert back.text.startswith("I'm back") and back.text.endswith("Yes, we ship to Canada.") and not back.handed_off
    with db.session() as s:
        statuses = s.scalars(select(HandoffTicket.status).where(HandoffTicket.conversation_id == "s1")).all()
    assert statuses == ["returned"]


def test_a_handoff_nobody_takes_goes_back_to_the_agent_after_the_wait(db, tmp_path):
    from datetime import timedelta

    agent, _ = scripted_agent(db, tmp_path, ["Sure, what is the order number?"], handoff_reopen_s=600)
    agent.request_human("s1")
    assert "colleague has your conversation" in agent.respond("s1", "anyone there?").text
    with db.session() as s:  # ten minutes and more pass with no colleague free
        ticket = s.scalars(select(HandoffTicket).where(HandoffTicket.conversation_id == "s1")).one()
        ticket.created_at = ticket.created_at - timedelta(minutes=11)
    back = agent.respond("s1", "I need help with an order")
    assert back.text.startswith("No colleague has been free") and back.text.endswith("what is the order number?")


def test_a_long_conversation_is_trimmed_to_the_context_and_kept_whole(db, tmp_path):
    from assistant.dialogue.context_budget import approx_tokens

    answers = [f"Answer number {n}: " + "we have many kinds of lamps and chairs. " * 20 for n in range(12)]
    agent, model = scripted_agent(db, tmp_path, answers, max_model_len=2048, agent_max_tokens=256)
    for n in range(12):
        agent.respond("s1", f"Question {n}: " + "tell me about your lamps and chairs please. " * 15)
    last_prompt = model.prompts[-1]
    assert approx_tokens(last_prompt) <= 2048 and "Question 11" in str(last_prompt[-1].content)
    assert "Question 0:" not in str(last_prompt)  # the oldest turns left the request...
    assert sum(m.type == "human" for m in agent.messages("s1")) == 12  # ...but not the conversation


def test_past_capacity_a_turn_waits_in_line_and_is_told_its_place(db, tmp_path):
    from langchain_core.messages import AIMessage

    from assistant.dialogue.turn_slots import TurnSlots

    release = threading.Event()

    def slow(_messages):
        release.wait(30)
        return AIMessage("First answer.")

    agent, _ = scripted_agent(db, tmp_path, [slow, "Second answer."], max_concurrent_turns=1)
    first = threading.Thread(target=agent.respond, args=("s1", "one"))
    first.start()
    events = agent.stream("s2", "two")
    queued = next(events)
    assert queued["type"] == "queued" and queued["position"] == 1 and "number 1 in line" in queued["text"]
    release.set()
    assert [e for e in events if e["type"] == "final"][0]["text"] == "Second answer."
    first.join(30)
    assert stored(db, "s1")[-1] == ("assistant", "First answer.")

    slots = TurnSlots(1)
    a, b, c = slots.join(), slots.join(), slots.join()
    assert slots.wait(a, 0) == 0 and slots.wait(b, 0) == 1 and slots.wait(c, 0) == 2
    slots.leave(b)
    assert slots.wait(c, 0) == 1
    slots.release()
    assert slots.wait(c, 0) == 0


def test_a_product_request_while_the_embedder_is_down_is_left_to_the_model(db, tmp_path):
    agent, model = scripted_agent(db, tmp_path, ["Let me help you with that."], knowledge=KnowledgeSearch(_down))
    reply = agent.respond("shop-down", "I would like a water bottle under $50")
    assert reply.text == "Let me help you with that." and reply.products == [] and len(model.prompts) == 1
