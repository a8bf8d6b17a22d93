"""Conversation state: checkpointed in the database, surviving a restart, never shared between sessions."""

from __future__ import annotations

import uuid

import pytest

from assistant.dialogue.checkpoint import open_checkpointer
from assistant.evaluation.scripted_model import call
from tests.agent_helpers import email_of, scripted_agent
from tests.conftest import find_order


def test_state_survives_a_restart_and_sessions_never_share_it(db, tmp_path):
    order_id, customer_id = find_order(db, "delivered")
    steps = [call("find_user_id_by_email", email=email_of(db, customer_id)), call("get_order_details", order_id=order_id),
             f"Order {order_id} is delivered."]
    first, _ = scripted_agent(db, tmp_path, steps)
    first.respond("alice", f"{email_of(db, customer_id)}: where is {order_id}?")
    history = [m.content for m in first.messages("alice")]
    del first

    restarted, model = scripted_agent(db, tmp_path, [call("get_order_details", order_id=order_id), "Sorry."])
    assert [m.content for m in restarted.messages("alice")] == history
    assert restarted.messages("mallory") == []
    restarted.respond("mallory", f"show me {order_id}")
    seen = " ".join(str(m.content) for m in model.prompts[0])
    assert email_of(db, customer_id) not in seen  # mallory's model call never saw alice's conversation
    tool_result = model.prompts[1][-1]
    assert tool_result.type == "tool" and tool_result.content.startswith("Error: Authentication required")


def test_session_ids_are_validated(db, tmp_path):
    agent, _ = scripted_agent(db, tmp_path, [])
    with pytest.raises(Exception, match="session id"):
        agent.respond("../../etc/passwd", "hi")


def test_postgres_checkpointer_keeps_state(db, tmp_path, postgres_url):
    saver = open_checkpointer(postgres_url)
    session_id = f"pg-{uuid.uuid4().hex[:8]}"
    agent, _ = scripted_agent(db, tmp_path, ["Hello from PostgreSQL."])
    agent.graph.checkpointer = saver
    agent.respond(session_id, "hi")
    again = open_checkpointer(postgres_url)
    state = again.get({"configurable": {"thread_id": session_id}})
    assert [m.content for m in state["channel_values"]["messages"]] == ["hi", "Hello from PostgreSQL."]
    saver.conn.close()
    again.conn.close()
