"""`kefu finetune eval`: base model and adapter side by side on held-out dialogues, one assistant turn at a time.

Each of the model's turns is replayed from its gold context: did it choose to call a tool or to reply,
the right tool, exactly the right arguments, valid JSON; and does a reply state only order facts the
context holds. The model card (`model_card.json` beside the adapter) records the figures.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tqdm import tqdm

from assistant.dialogue.grounding import Evidence, unverified
from assistant.dialogue.tool_scope import NO_CALL
from finetune.dataset import read_jsonl, served_tools, template_messages

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


def generate(model_dir: Path, adapter: Path | None, golds, tools, max_new_tokens: int = 128,
             scoped: bool = True) -> list[dict]:
    """Greedy generations for every turn, with transformers (the same template the server uses). `scoped`
    offers each turn the tools the agent offers at that step, and like the server keeps a turn without tools
    from starting a call; otherwise every turn sees every tool."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from assistant.serving.template import render_ids

    from assistant.serving.precision import fast_bf16

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.bfloat16 if fast_bf16() else torch.float32)
    if adapter is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, adapter)
    model.eval()
    no_call = [tokenizer(word, add_special_tokens=False)["input_ids"] for word in (NO_CALL, " " + NO_CALL)]
    outputs = []
    with torch.no_grad():
        for context, _gold in tqdm(golds, desc="adapter" if adapter else "base", unit="turn"):
            offered = served_tools(context, tools) if scoped else tools
            ids = render_ids(tokenizer, template_messages(context), offered, add_generation_prompt=True)
            generated = model.generate(torch.tensor([ids]), max_new_tokens=max_new_tokens, do_sample=False,
                                       pad_token_id=tokenizer.pad_token_id,
                                       bad_words_ids=None if offered else no_call)
            text = tokenizer.decode(generated[0][len(ids):], skip_special_tokens=True)
            outputs.append(parse_output(text))
    return outputs


def evaluate_adapter(model_dir: Path, adapter: Path, dataset_dir: Path, limit: int | None = None,
                     scoped: bool = True, with_base: bool = True) -> dict:
    """Base and adapter metrics on the held-out split; writes model_card.json beside the adapter. `scoped` offers
    each turn the tools the agent offers at that step (as served); otherwise every tool. Without `with_base` only
    the adapter is run (half the time; the card's base is then empty)."""
    from finetune.train import agent_tools

    golds = turns(read_jsonl(dataset_dir / "eval.jsonl"), limit)
    tools = agent_tools()
    card_path = Path(adapter) / "model_card.json"
    dataset_card = json.loads((dataset_dir / "card.json").read_text())
    report_path = Path(adapter) / "training_report.json"
    card = {"adapter": Path(adapter).name, "base_model": Path(model_dir).name,
            "data_sha256": dataset_card["content_sha256"], "dataset": dataset_card,
            "training": json.loads(report_path.read_text()) if report_path.exists() else None,
            "adapter_metrics_source": "held-out split of the dataset (eval.jsonl)",
            "tools_offered": "as served: the agent's tool scope at each step" if scoped else "every tool",
            "small_model_aids": scoped}
    predictions = {"base": generate(model_dir, None, golds, tools, scoped=scoped)} if with_base else {}
    predictions["adapter"] = generate(model_dir, adapter, golds, tools, scoped=scoped)
    card["base"] = score(predictions["base"], golds) if with_base else None
    card["adapter"] = score(predictions["adapter"], golds) | {"name": Path(adapter).name}
    card_path.write_text(json.dumps(card, indent=2, ensure_ascii=False))
    write_turns(golds, predictions, Path(adapter) / "eval_turns.jsonl")
    return card


def write_turns(golds, predictions: dict[str, list[dict]], path: Path) -> None:
    """Every evaluated turn (the shopper's or tool's last words, the gold action, each model's) for reading misses."""
    with path.open("w", encoding="utf-8") as f:
        for index, (context, gold) in enumerate(golds):
            last = next((m for m in reversed(context) if m["role"] in ("user", "tool")), {})
            row = {"turn": index, "last": {"role": last.get("role"), "content": (last.get("content") or "")[:300]},
                   "gold": parse_output(gold_text(gold))} | {name: p[index] for name, p in predictions.items()}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def gold_text(message: dict) -> str:
    """A gold assistant message as the model would have written it."""
    calls = message.get("tool_calls")
    if not calls:
        return message.get("content") or ""
    function = calls[0]["function"]
    body = json.dumps({"name": function["name"], "arguments": json.loads(function["arguments"])}, ensure_ascii=False)
    return f"<tool_call>{body}</tool_call>"
