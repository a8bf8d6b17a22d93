"""`kefu finetune eval`: base model and adapter side by side on held-out dialogues, one assistant turn at a time.

Each of the model's turns is replayed from its gold context: did it choose to call a tool or to reply,
the right tool, exactly the right arguments, valid JSON; and does a reply state only order facts the
context holds. The model card (`model_card.json` beside the adapter) records the figures.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from assistant.dialogue.grounding import Evidence, unverified
from finetune.dataset import read_jsonl, template_messages

CALL = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.S)


def parse_output(text: str) -> dict:
    """What a generation means: a tool call (with validity of its JSON) or a reply."""
    match = CALL.search(text)
    if not match:
        return {"kind": "reply", "text": text.strip()}
    try:
        body = json.loads(match.group(1))
        return {"kind": "call", "valid": isinstance(body, dict) and "name" in body,
                "name": body.get("name") if isinstance(body, dict) else None,
                "arguments": body.get("arguments") if isinstance(body, dict) else None}
    except json.JSONDecodeError:
        return {"kind": "call", "valid": False, "name": None, "arguments": None}


def turns(records: list[dict], limit: int | None) -> list[tuple[list[dict], dict]]:
    """(context, gold assistant message) for every trainable assistant turn."""
    out = []
    for record in records:
        for index, message in enumerate(record["messages"]):
            if message["role"] == "assistant" and message.get("train", True):
                out.append((record["messages"][:index], message))
    if limit and len(out) > limit:
        step = len(out) / limit
        out = [out[int(i * step)] for i in range(limit)]  # spread over every conversation, not the first few
    return out


def _evidence(context: list[dict]) -> Evidence:
    evidence = Evidence()
    for m in context:
        if m["role"] == "tool":
            evidence.add_data(m["content"])
        elif m["role"] == "user":
            evidence.add_said(m["content"])
    return evidence


def score(predictions: list[dict], golds: list[tuple[list[dict], dict]]) -> dict:
    """The card's metrics for one model."""
    n = len(golds)
    decision = name = exact = calls = valid = replies = faithful = 0
    for prediction, (context, gold) in zip(predictions, golds):
        gold_call = gold.get("tool_calls")
        if prediction["kind"] == "call":
            calls += 1
            valid += prediction["valid"]
        if bool(gold_call) == (prediction["kind"] == "call"):
            decision += 1
            if gold_call:
                function = gold_call[0]["function"]
                if prediction["name"] == function["name"]:
                    name += 1
                    exact += prediction["arguments"] == json.loads(function["arguments"])
            else:
                name += 1
                exact += 1
        if prediction["kind"] == "reply":
            replies += 1
            faithful += not unverified(prediction["text"], _evidence(context))
    return {"n": n, "next_action_accuracy": round(name / n, 4) if n else 0.0,
            "decision_accuracy": round(decision / n, 4) if n else 0.0,
            "tool_name_accuracy": round(name / n, 4) if n else 0.0,
            "argument_exact_match": round(exact / n, 4) if n else 0.0,
            "valid_json_rate": round(valid / calls, 4) if calls else 0.0,
            "reply_faithfulness": round(faithful / replies, 4) if replies else 1.0}


def generate(model_dir: Path, adapter: Path | None, golds, tools, max_new_tokens: int = 128) -> list[dict]:
    """Greedy generations for every turn, with transformers (the same template the server uses)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from assistant.serving.template import render_ids

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.bfloat16)
    if adapter is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, adapter)
    model.eval()
    outputs = []
    with torch.no_grad():
        for context, _gold in golds:
            ids = render_ids(tokenizer, template_messages(context), tools, add_generation_prompt=True)
            generated = model.generate(torch.tensor([ids]), max_new_tokens=max_new_tokens, do_sample=False,
                                       pad_token_id=tokenizer.pad_token_id)
            text = tokenizer.decode(generated[0][len(ids):], skip_special_tokens=True)
            outputs.append(parse_output(text))
    return outputs


def evaluate_adapter(model_dir: Path, adapter: Path, dataset_dir: Path, limit: int | None = None) -> dict:
    """Base and adapter metrics on the held-out split; writes model_card.json beside the adapter."""
    from finetune.train import agent_tools

    golds = turns(read_jsonl(dataset_dir / "eval.jsonl"), limit)
    tools = agent_tools()
    card_path = Path(adapter) / "model_card.json"
    dataset_card = json.loads((dataset_dir / "card.json").read_text())
    report_path = Path(adapter) / "training_report.json"
    card = {"adapter": Path(adapter).name, "base_model": Path(model_dir).name,
            "data_sha256": dataset_card["content_sha256"], "dataset": dataset_card,
            "training": json.loads(report_path.read_text()) if report_path.exists() else None,
            "base": score(generate(model_dir, None, golds, tools), golds),
            "adapter_metrics_source": "held-out split of the dataset (eval.jsonl)"}
    card["adapter"] = score(generate(model_dir, adapter, golds, tools), golds) | {"name": Path(adapter).name}
    card_path.write_text(json.dumps(card, indent=2, ensure_ascii=False))
    return card
