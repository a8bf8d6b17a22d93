"""Fine-tuning data and training: simulated dialogues through the real agent, the build, masks, a real LoRA run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.db import Database
from assistant.evaluation.shops import shop_template
from assistant.serving.fetch import fetch_default_model
from assistant.tools import ALL_TOOLS, ToolRunner
from finetune.dataset import build_dataset, encode, read_jsonl, write_jsonl
from finetune.simulator import simulate, simulation_tasks

SCENARIOS = Path("assistant/shop/eval/scenarios/tasks.json")
CATEGORIES = ("cancel", "lookup", "refuse_cancel_delivered", "multi_request", "exchange", "transfer")


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    root = tmp_path_factory.mktemp("sim")
    template = shop_template(SCENARIOS, root / "shops", 7)
    db = Database(f"sqlite:///{template}")
    with db.session() as session:
        tasks = simulation_tasks(session, 1, SCENARIOS)
    db.dispose()
    chosen = {}
    for task in tasks:
        chosen.setdefault((task.category, task.reason.isascii()), task)
    picked = [t for (category, _), t in chosen.items() if category in CATEGORIES]
    records = list(simulate(picked, template, root / "work", Settings(data_dir=root)))
    write_jsonl(records, root / "simulated.jsonl")
    return template, records, root


def test_simulation_never_uses_test_split_customers(simulated):
    _template, records, _root = simulated
    test_ids = json.loads((SCENARIOS.parent / "split_tasks.json").read_text())["test"]
    test_customers = {json.loads(t["description"]["notes"])["user_id"] for t in json.loads(SCENARIOS.read_text())
                      if t["id"] in test_ids}
    assert records and not ({r["customer"] for r in records} & test_customers) - {None}


def test_simulated_conversations_replay_through_the_tool_layer(simulated, tmp_path):
    template, records, _root = simulated
    for record in records:
        shutil.copy(template, tmp_path / "replay.db")
        db = Database(f"sqlite:///{tmp_path / 'replay.db'}")
        runner = ToolRunner(db, f"replay-{record['id']}", actor="shopper")
        results = {m["tool_call_id"]: m["content"] for m in record["messages"] if m["role"] == "tool"}
        for message in record["messages"]:
            for call in message.get("tool_calls") or []:
                name, arguments = call["function"]["name"], json.loads(call["function"]["arguments"])
                result = runner.call(name, arguments)
                assert result.error is None, (record["id"], name, result.error)
                if ALL_TOOLS[name].kind == "read":
                    assert result.as_text() == results[call["id"]]
                if result.pending_action_id:
                    runner.confirm(result.pending_action_id)
        db.dispose()


def test_build_is_deterministic_and_splits_by_customer(simulated, tmp_path):
    _template, _records, root = simulated
    first = build_dataset([root / "simulated.jsonl"], tmp_path / "a", seed=5)
    second = build_dataset([root / "simulated.jsonl"], tmp_path / "b", seed=5)
    assert first["content_sha256"] == second["content_sha256"] and first["splits"] == second["splits"]
    train = {r["customer"] for r in read_jsonl(tmp_path / "a" / "train.jsonl")}
    held_out = {r["customer"] for r in read_jsonl(tmp_path / "a" / "eval.jsonl")}
    assert not (train & held_out) - {None}
    assert first["pii_replaced"]["EMAIL"] > 0
    text = (tmp_path / "a" / "train.jsonl").read_text() + (tmp_path / "a" / "eval.jsonl").read_text()
    assert "@example.com" not in text


def test_loss_falls_only_on_the_models_own_turns(simulated):
    from transformers import AutoTokenizer

    from finetune.train import agent_tools

    _template, records, _root = simulated
    tokenizer = AutoTokenizer.from_pretrained(fetch_default_model(Settings(_env_file=None)))
    record = next(r for r in records if r["category"] == "cancel")
    (encoded,), _too_long = encode(tokenizer, record["messages"], agent_tools(), 8192)
    target = tokenizer.decode([t for t in encoded["labels"] if t != -100])
    assert "cancel_pending_order" in target
    assert "find_user_id_by_email" not in target  # kefu identified the shopper from the email they typed
    assert any(c["function"]["name"] == "find_user_id_by_email" for m in record["messages"]
               for c in m.get("tool_calls", []))
    assert "Shall I go ahead" not in target and "Done." not in target  # canned replies are not the model's
    assert "My email is" not in target  # nor the shopper's words


def test_scoped_examples_show_each_turn_the_tools_the_agent_offers_then(simulated):
    from transformers import AutoTokenizer

    from finetune.train import agent_tools

    _template, records, _root = simulated
    tokenizer = AutoTokenizer.from_pretrained(fetch_default_model(Settings(_env_file=None)))
    record = next(r for r in records if r["category"] == "cancel")
    whole, _ = encode(tokenizer, record["messages"], agent_tools(), 8192)
    runs, too_long = encode(tokenizer, record["messages"], agent_tools(), 8192, scoped=True)
    assert len(runs) > 1 and too_long == 0

    def learned(example):
        return tokenizer.decode([t for t in example["labels"] if t != -100])

    cancel = next(e for e in runs if "cancel_pending_order" in learned(e))
    assert "modify_pending_order_items" not in tokenizer.decode(cancel["input_ids"])  # not what the shopper asked
    assert "cancel_pending_order" not in tokenizer.decode(runs[0]["input_ids"])  # nothing to change before identity
    assert "".join(learned(e) for e in runs) == learned(whole[0])  # every turn of the model learned exactly once


def test_a_few_real_training_steps_change_only_the_lora_weights(simulated, tmp_path):
    import torch
    from peft import PeftModel
    from safetensors.torch import load_file
    from transformers import AutoModelForCausalLM

    from finetune.train import TrainConfig, train

    _template, _records, root = simulated
    build_dataset([root / "simulated.jsonl"], tmp_path / "data", seed=1)
    model_dir = fetch_default_model(Settings(_env_file=None))
    before = {p.name: p.read_bytes() for p in model_dir.glob("*.safetensors")}
    # Enough steps to get past the first warm-up step, whose learning rate is 0.
    config = TrainConfig(rank=4, alpha=8, target_modules="q_proj,v_proj", grad_accumulation=1, max_steps=3,
                         learning_rate=1e-3, max_tokens=3500, save_steps=1000)
    report = train(model_dir, tmp_path / "data", tmp_path / "adapter", config)
    assert report["steps"] == 3 and report["train_tokens_per_s"] > 0 and report["peak_rss_gib"] > 0
    lora_b = {k: v for k, v in load_file(tmp_path / "adapter" / "adapter_model.safetensors").items() if "lora_B" in k}
    assert lora_b and any(v.abs().sum() > 0 for v in lora_b.values())  # lora_B starts at zero: it learned
    assert {p.name: p.read_bytes() for p in model_dir.glob("*.safetensors")} == before  # the base is untouched

    base = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    ids = torch.tensor([[1, 2, 3, 4, 5, 6, 7, 8]])
    with torch.no_grad():
        plain = base(ids).logits
        tuned = PeftModel.from_pretrained(base, tmp_path / "adapter")(ids).logits
    assert not torch.allclose(plain, tuned)  # the reloaded adapter changes the output


def test_the_tool_scope_never_refused_the_experts_calls(simulated):
    _template, records, _root = simulated
    refused = [(r["id"], m["name"]) for r in records for m in r["messages"]
               if m["role"] == "tool" and "cannot be used now" in m["content"]]
    assert records and not refused


def _call(name: str, arguments: dict, train: bool = True) -> dict:
    return {"role": "assistant", "content": "", "train": train, "tool_calls": [
        {"id": "c", "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}]}


def test_a_conversation_whose_trained_call_passes_an_unseen_id_is_left_out(simulated, tmp_path):
    from finetune.dataset import guessed_ids

    asked = {"role": "user", "content": "Please cancel my latest order, I'm mia_li_3668."}
    found = _call("get_order_details", {"order_id": "#W1234567"}, train=False)  # kefu's own step, in code
    result = {"role": "tool", "tool_call_id": "c", "content": '{"order_id": "#W1234567", "items": [{"item_id": '
                                                                 '"1111111111"}]}'}
    grounded = {"messages": [asked, found, result, _call("cancel_pending_order", {"order_id": "#W1234567"})]}
    guessed = {"messages": [asked, _call("exchange_delivered_order_items", {
        "order_id": "#W7654321", "item_ids": ["1111111111"], "new_item_ids": ["2222222222"]})]}
    assert guessed_ids(grounded) == [] and guessed_ids(guessed) == ["#W7654321", "1111111111", "2222222222"]
    extra = tmp_path / "extra.jsonl"
    write_jsonl([{"id": "x1", "resolved": True, "customer": "mia_li_3668", **guessed}], extra)
    card = build_dataset([simulated[2] / "simulated.jsonl", extra], tmp_path / "dataset")
    assert card["ungrounded"] == 1
