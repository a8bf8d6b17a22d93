"""Staff: login with lockout, take over a conversation, reply live, hand back, and rate or correct for training."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.db import Feedback, HandoffTicket
from assistant.dialogue import staff as takeover
from assistant.errors import KefuError
from ui import conversations as conv
from ui.app import create_app
from ui.auth import LoginGuard, hash_password, verify_password
from ui.staff import label_conversation, queue_rows
from assistant.evaluation.scripted_model import call
from tests.agent_helpers import count, scripted_agent


def test_password_hash_and_lockout():
    encoded = hash_password("correct horse")
    assert encoded.startswith("pbkdf2_sha256$") and "correct horse" not in encoded
    assert verify_password("correct horse", encoded) and not verify_password("wrong", encoded)
    assert not verify_password("anything", None) and not verify_password("x", "garbage")
    guard = LoginGuard(lambda _name, password: verify_password(password, encoded), max_failures=3, lockout_s=60)
    assert guard("ana", "correct horse")
    assert not any(guard("bob", "guess") for _ in range(3))
    assert not guard("bob", "correct horse")  # locked out: the right password is refused too
    assert guard("ana", "correct horse")  # the lockout is per name
    with pytest.raises(ValueError, match="at least 8"):
        hash_password("short")


def test_staff_pages_need_a_login(db, tmp_path):
    agent, _ = scripted_agent(db, tmp_path, [], staff_password_hash=hash_password("correct horse"))
    client = TestClient(create_app(agent, agent.settings))
    assert client.get("/staff/config").status_code == 401
    assert client.post("/staff/login", data={"username": "ana", "password": "wrong"}).status_code == 400
    assert client.get("/staff/config").status_code == 401
    assert client.post("/staff/login", data={"username": "ana", "password": "correct horse"}).status_code == 200
    assert client.get("/staff/config").status_code == 200
    agent.close()


def test_take_over_reply_and_hand_back(db, tmp_path):
    agent, model = scripted_agent(db, tmp_path, ["Hello! How can I help?", "Glad staff could help. Anything else?"])
    agent.respond("c1", "hi")
    agent.request_human("c1")
    assert [row[1] for row in queue_rows(db)] == ["c1"]
    takeover.take_over(db, "c1", "ana")
    with pytest.raises(KefuError, match="ana already has"):
        takeover.take_over(db, "c1", "bob")
    quiet = agent.respond("c1", "is anyone there?")
    assert quiet.text == "" and quiet.with_staff and len(model.prompts) == 1  # the agent stays silent
    takeover.staff_reply(db, "c1", "ana", "Hi, I'm Ana. I've refunded the shipping fee.")
    with pytest.raises(KefuError, match="take the conversation over"):
        takeover.staff_reply(db, "c1", "bob", "me too")
    roles = [(line.role, line.author) for line in conv.transcript(db, "c1")]
    assert roles[-2:] == [("user", "user"), ("staff", "ana")]
    with db.session() as session:
        assert session.query(HandoffTicket).one().status == "claimed"

    assert takeover.hand_back(db, agent, "c1", "ana") == 2
    assert conv.status(db, "c1") == "open" and queue_rows(db) == []
    agent.respond("c1", "thanks!")
    seen = model.prompts[-1]
    staff_turn = next(m for m in seen if m.type == "ai" and m.name == "staff")
    assert "refunded the shipping fee" in staff_turn.content  # the agent now knows what staff said
    assert any(m.type == "human" and m.content == "is anyone there?" for m in seen)


def test_ratings_labels_and_corrections_are_stored_for_training(db, tmp_path):
    agent, _ = scripted_agent(db, tmp_path, ["Your order ships tomorrow."])
    agent.respond("c2", "when does my order ship?")
    reply = [line for line in conv.transcript(db, "c2") if line.role == "assistant"][0]
    label_conversation(db, "c2", "ana", rating=-1, label="wrong tool")
    label_conversation(db, "c2", "ana", message_id=reply.id, correction="Could you tell me your email first?")
    with pytest.raises(KefuError, match="pick one of the assistant's replies"):
        label_conversation(db, "c2", "ana", message_id=None, correction="x")
    with pytest.raises(KefuError, match="no conversation"):
        label_conversation(db, "nope", "ana", rating=1)
    assert count(db, Feedback, conversation_id="c2", author="ana") == 2


def test_daily_metrics_from_the_conversation_tables(db, tmp_path):
    from ui.metrics import daily_metrics, rates_long

    agent, _ = scripted_agent(db, tmp_path, ["Hello!", call("get_order_details", order_id="#W0000000"), "Sorry.",
                                             "Hi again."])
    agent.respond("m1", "hi")
    agent.respond("m2", "where is #W0000000?")  # not authenticated: the tool call fails
    agent.request_human("m2")
    agent.respond("m3", "hello")
    replies = {c: [line.id for line in conv.transcript(db, c) if line.role == "assistant"] for c in ("m1", "m3")}
    conv.record_feedback(db, "m1", replies["m1"][0], 1)
    conv.record_feedback(db, "m3", replies["m3"][0], -1)
    conv.record_feedback(db, "m3", replies["m3"][0], 1)  # the shopper changed their mind: one rating, the last
    today = daily_metrics(db, days=3).iloc[-1]
    assert today["conversations"] == 3
    assert today["automatic_resolution_rate"] == pytest.approx(2 / 3) and today["handoff_rate"] == pytest.approx(1 / 3)
    assert today["csat"] == 1.0 and today["tool_error_rate"] == 1.0
    assert today["turn_p95_ms"] >= today["turn_p50_ms"] >= 0
    assert set(rates_long(daily_metrics(db, days=3))["metric"]) == {"automatic_resolution_rate", "handoff_rate",
                                                                    "csat", "tool_error_rate"}


def test_knowledge_tab_uploads_syncs_and_refuses_unknown_types(db, tmp_path):
    from assistant.config import Settings
    from assistant.knowledge_base import open_knowledge_base
    from knowledge.errors import KnowledgeError
    from knowledge.search import search
    from ui.knowledge_tab import save_uploads, sync_knowledge

    settings = Settings(_env_file=None, data_dir=tmp_path / "data")
    policy = tmp_path / "gift-wrap.md"
    policy.write_text("# Gift wrapping\n\nGift wrapping costs $4 per order and is available at checkout.\n")
    assert save_uploads(settings, [str(policy)]) == ["gift-wrap.md"]
    report = sync_knowledge(settings, db)
    assert report["files"]["added"] == ["gift-wrap.md"] and report["catalog"]["added"]
    hits = search(open_knowledge_base(settings), "how much is gift wrapping?", k=1)
    assert "$4 per order" in hits[0].text and hits[0].source == "gift-wrap.md"
    (tmp_path / "virus.exe").write_bytes(b"MZ")
    with pytest.raises(KnowledgeError, match="virus.exe: unsupported type"):
        save_uploads(settings, [str(tmp_path / "virus.exe")])


def test_finetune_job_reports_progress_from_its_log(tmp_path):
    from ui.finetune_tab import Job, step_fraction

    job = Job(tmp_path)
    assert job.progress() == (0.0, "no job yet")
    job.start("eval", ["--help"])
    job.process.wait(timeout=120)
    fraction, text = job.progress()
    assert fraction == 1.0 and text.startswith("exit code 0") and "model_card.json" in text  # the help's last lines
    assert step_fraction(" 10%|█ | 3/30 [00:03<00:27]\r 20%|██ | 6/30 [00:06<00:24]") == pytest.approx(0.2)
    assert step_fraction("Loading weights") == 0.0
