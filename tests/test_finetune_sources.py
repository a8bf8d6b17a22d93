"""Fine-tuning sources besides the simulator: recorded conversations with staff feedback, and helpdesk JSONL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from assistant.config import Settings
from assistant.db import Conversation, Feedback, Message
from assistant.evaluation.scripted_model import call
from finetune.dataset import build_dataset, write_jsonl
from finetune.recorded import recorded_conversations
from finetune.transcripts import TranscriptError, import_transcripts
from tests.agent_helpers import email_of, scripted_agent
from tests.conftest import find_order, run_kefu

CORRECTION = "Your order {order} has been delivered. Anything else I can do for you?"


def test_recorded_conversation_carries_tool_trace_rating_and_staff_correction(db, tmp_path):
    order_id, customer_id = find_order(db, "delivered")
    email = email_of(db, customer_id)
    agent, _ = scripted_agent(db, tmp_path, [call("get_order_details", order_id=order_id),
                                             f"Order {order_id} is delivered."])
    agent.respond("rec-1", f"Hi, I'm {email}. Where is {order_id}?")
    agent.close()
    with db.session() as session:
        reply = session.scalars(select(Message).where(Message.conversation_id == "rec-1",
                                                      Message.role == "assistant")).one()
        session.add(Feedback(conversation_id="rec-1", message_id=reply.id, source="staff",
                             correction=CORRECTION.format(order=order_id), author="ana"))
        session.add(Feedback(conversation_id="rec-1", message_id=reply.id, source="shopper", rating=1))
        session.get(Conversation, "rec-1").status = "resolved"
        session.commit()

    settings = Settings(_env_file=None, data_dir=tmp_path)
    [record] = list(recorded_conversations(db, settings))
    assert record["customer"] == customer_id and record["resolved"] and record["rating"] == 1 and record["corrected"]
    calls = [c["function"]["name"] for m in record["messages"] for c in m.get("tool_calls", [])]
    assert calls == ["find_user_id_by_email", "get_order_details"]
    assert any(m["role"] == "tool" and order_id in m["content"] for m in record["messages"])
    last = record["messages"][-1]
    assert last == {"role": "assistant", "content": CORRECTION.format(order=order_id), "train": True,
                    "author": "staff"}

    write_jsonl([record], tmp_path / "recorded.jsonl")
    card = build_dataset([tmp_path / "recorded.jsonl"], tmp_path / "dataset", seed=0)
    assert card["filtered_out"] == 0 and sum(card["splits"].values()) == 1 and card["pii_replaced"]["EMAIL"] >= 1
    built = [json.loads(line) for name in ("train", "eval")
             for line in (tmp_path / "dataset" / f"{name}.jsonl").read_text().splitlines()]
    assert email not in json.dumps(built) and built[0]["messages"][-1]["content"] == last["content"]
    assert "rec-1" not in json.dumps(built) and customer_id not in json.dumps(built)  # no session id, no login

    # Through the command: the unscrubbed export never lands beside the dataset.
    env = {"KEFU_DATA_DIR": str(tmp_path), "KEFU_DATABASE_URL": db.url}
    run_kefu("finetune", "build", "--recorded", "--out", str(tmp_path / "built"), env=env)
    assert sorted(p.name for p in (tmp_path / "built").iterdir()) == ["card.json", "eval.jsonl", "train.jsonl"]
    assert email not in "".join(p.read_text() for p in (tmp_path / "built").iterdir())


def test_unrated_unresolved_recordings_are_filtered_out_of_the_build(db, tmp_path):
    agent, _ = scripted_agent(db, tmp_path, ["Could you tell me your email?"])
    agent.respond("rec-2", "hello")
    agent.close()
    [record] = list(recorded_conversations(db, Settings(_env_file=None, data_dir=tmp_path)))
    assert not (record["resolved"] or record["rating"] or record["corrected"])
    write_jsonl([record], tmp_path / "recorded.jsonl")
    assert build_dataset([tmp_path / "recorded.jsonl"], tmp_path / "dataset")["filtered_out"] == 1


GOOD = {"id": "t1", "messages": [
    {"role": "user", "content": "Where is order #W1?"},
    {"role": "assistant", "content": "", "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "get_order_details", "arguments": "{\"order_id\": \"#W1\"}"}}]},
    {"role": "tool", "tool_call_id": "c1", "content": "{\"status\": \"pending\"}"},
    {"role": "assistant", "content": "It is pending."}]}


def test_helpdesk_jsonl_is_checked_on_import(tmp_path):
    path = tmp_path / "helpdesk.jsonl"
    path.write_text(json.dumps(GOOD) + "\n\n" + json.dumps(GOOD["messages"]) + "\n")
    records = import_transcripts(path)
    assert [r["id"][:9] for r in records] == ["imported-", "imported-"] and all(r["resolved"] for r in records)
    broken = dict(GOOD, messages=[GOOD["messages"][0], GOOD["messages"][2], GOOD["messages"][3]])
    path.write_text(json.dumps(broken) + "\n")
    with pytest.raises(TranscriptError, match=r"helpdesk.jsonl:1: message 2: a tool message must answer"):
        import_transcripts(path)


def test_import_and_export_commands(tmp_path):
    env = {"KEFU_DATA_DIR": str(tmp_path)}
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps(GOOD) + "\n")
    staged = run_kefu("finetune", "import", str(good), env=env)
    assert "1 transcripts checked" in staged.stdout
    assert json.loads((tmp_path / "finetune" / "imported" / "good.jsonl").read_text())["id"] == "imported-t1"
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    refused = run_kefu("finetune", "import", str(bad), env=env, check=False)
    assert refused.returncode == 1 and "bad.jsonl:1: not JSON" in refused.stderr
    run_kefu("finetune", "export", "--out", str(tmp_path / "out.jsonl"), env=env)
    assert (tmp_path / "out.jsonl").read_text() == ""  # an empty shop has recorded nothing yet
