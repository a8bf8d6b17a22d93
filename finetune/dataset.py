"""`kefu finetune build`: dialogues → filtered, PII-scrubbed, de-duplicated, split, template-formatted dataset.

The loss falls only on the model's own assistant turns. SmolLM2's template has no generation markers,
so each turn's span is found from the shared template's prefixes: render the conversation up to the
turn with the generation prompt, render it with the turn, and the difference is what the model says.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from finetune.scrub import Scrubber
from finetune.transcripts import TranscriptError

HELD_OUT_SHARE = 0.1


def read_jsonl(path: Path) -> list[dict]:
    """Conversations from a JSONL file: one object per line with `messages` in OpenAI chat format."""
    records = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TranscriptError(f"{path}:{number}: not JSON ({exc.msg})") from exc
        if not isinstance(record.get("messages"), list):
            raise TranscriptError(f"{path}:{number}: no `messages` list")
        records.append(record)
    return records


def write_jsonl(records: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with Path(path).open("w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")


def keep(record: dict) -> bool:
    """Resolved, rated well, or corrected by staff: the conversations worth learning from."""
    return bool(record.get("resolved") or (record.get("rating") or 0) > 0 or record.get("corrected"))


_ID = re.compile(r"^(#?W?\d{6,}|[a-z]+(_[a-z]+)*_\d{3,})$")


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def guessed_ids(record: dict) -> list[str]:
    """Ids a trained tool call passes before the conversation has shown them: training on them teaches guessing.
    kefu's own steps (`train: false`, such as the order it found in code) show what they pass."""
    shown, guessed = "", []
    for message in record["messages"]:
        for call in message.get("tool_calls") or []:
            try:
                arguments = json.loads(call["function"]["arguments"] or "{}")
            except json.JSONDecodeError:
                continue
            if message.get("train", True):
                guessed += [v for v in _strings(arguments) if _ID.match(v) and v not in shown]
            shown += " " + call["function"]["arguments"]
        shown += " " + str(message.get("content") or "")
    return guessed


def fingerprint(record: dict) -> str:
    """Near-duplicate key: the conversation's words with digits, case and spacing normalised away."""
    text = " ".join(str(m.get("content") or "") + json.dumps(m.get("tool_calls") and
                                                             [c["function"]["name"] for c in m["tool_calls"]])
                    for m in record["messages"] if m["role"] != "system")
    return hashlib.sha256(re.sub(r"\s+", " ", re.sub(r"\d", "0", text.lower())).encode()).hexdigest()


def split_of(record: dict, seed: int) -> str:
    """'eval' or 'train', by customer (or by conversation when there is none), stable for a seed."""
    key = f"{seed}:{record.get('customer') or record['id']}"
    return "eval" if int(hashlib.sha256(key.encode()).hexdigest(), 16) % 1000 < HELD_OUT_SHARE * 1000 else "train"


@dataclass
class BuildReport:
    """What the build kept, dropped and replaced; written into the dataset card."""

    read: int = 0
    filtered_out: int = 0
    ungrounded: int = 0
    duplicates: int = 0
    pii_replaced: dict[str, int] = field(default_factory=dict)
    splits: dict[str, int] = field(default_factory=dict)
    languages: dict[str, int] = field(default_factory=dict)
    categories: dict[str, int] = field(default_factory=dict)


def _pseudonym(kind: str, value: str) -> str:
    return f"{kind}-{hashlib.sha256(f'{kind}:{value}'.encode()).hexdigest()[:16]}"


def build_dataset(sources: list[Path], out: Path, seed: int = 0) -> dict:
    """Filter, scrub, de-duplicate and split; write train.jsonl, eval.jsonl and card.json under `out`."""
    report, seen, splits = BuildReport(), set(), {"train": [], "eval": []}
    records = [r for path in sorted(sources) for r in read_jsonl(path)]
    report.read = len(records)
    for record in sorted(records, key=lambda r: r["id"]):
        if not keep(record):
            report.filtered_out += 1
            continue
        if guessed_ids(record):
            report.ungrounded += 1
            continue
        scrubber = Scrubber()
        record = record | {"messages": scrubber.messages(record["messages"])}
        for kind, n in scrubber.counts.items():
            report.pii_replaced[kind] = report.pii_replaced.get(kind, 0) + n
        key = fingerprint(record)
        if key in seen:
            report.duplicates += 1
            continue
        seen.add(key)
        split = split_of(record, seed)
        # Ids and customer ids are logins and live session ids: only digests of them reach the dataset.
        record = record | {"id": _pseudonym("conversation", record["id"]),
                           "customer": _pseudonym("customer", record["customer"]) if record.get("customer") else None}
        splits[split].append(record)
        report.languages[record.get("language", "?")] = report.languages.get(record.get("language", "?"), 0) + 1
        report.categories[record.get("category") or "?"] = report.categories.get(record.get("category") or "?", 0) + 1
    for name, rows in splits.items():
        random.Random(seed).shuffle(rows)
        write_jsonl(rows, out / f"{name}.jsonl")
    report.splits = {k: len(v) for k, v in splits.items()}
    digest = hashlib.sha256(b"".join((out / f"{n}.jsonl").read_bytes() for n in ("train", "eval"))).hexdigest()
    card = {"seed": seed, "sources": [str(p) for p in sorted(sources)], "content_sha256": digest,
            **report.__dict__}
    (out / "card.json").write_text(json.dumps(card, indent=2, ensure_ascii=False))
    return card


def template_messages(messages: list[dict]) -> list[dict]:
    """Messages as the chat template takes them (arguments as JSON objects, no bookkeeping keys)."""
    out = []
    for m in messages:
        entry = {"role": m["role"], "content": m.get("content") or ""}
        if m.get("tool_calls"):
            entry["tool_calls"] = [{"type": "function", "function": {
                "name": c["function"]["name"], "arguments": json.loads(c["function"]["arguments"])}}
                for c in m["tool_calls"]]
        out.append(entry)
    return out


def served_tools(context: list[dict], tools: list[dict]) -> list[dict]:
    """The tools the agent offers the model after this context (its ToolScopeMiddleware), in serving order."""
    from assistant.dialogue.tool_scope import offered_tools
    from finetune.transcripts import to_langchain

    offered = offered_tools(to_langchain(context))
    return [t for t in tools if t["function"]["name"] in offered]


def tool_runs(messages: list[dict], tools: list[dict], scoped: bool) -> list[tuple[list[dict], list[int]]]:
    """The trainable assistant turns grouped into runs that see the same tools: with `scoped`, the tools the agent
    offers at each step (so training sees what serving sees); otherwise one run with every tool."""
    runs: list[tuple[list[dict], list[int]]] = []
    for index, message in enumerate(messages):
        if message["role"] == "assistant" and message.get("train", True):
            offered = served_tools(messages[:index], tools) if scoped else tools
            if runs and runs[-1][0] == offered:
                runs[-1][1].append(index)
            else:
                runs.append((offered, [index]))
    return runs


def encode(tokenizer, messages: list[dict], tools: list[dict], max_tokens: int, *,
           scoped: bool = False) -> tuple[list[dict], int]:
    """Training examples of one conversation, and how many were longer than `max_tokens` (left out). Each example
    is the conversation up to the end of a run of turns (`tool_runs`) rendered with that run's tools: input_ids,
    and labels that are -100 outside the model's own turns."""
    from assistant.serving.template import render

    plain = template_messages(messages)
    examples, too_long = [], 0
    for offered, indexes in tool_runs(messages, tools, scoped):
        text = render(tokenizer, plain[: indexes[-1] + 1], offered)
        spans = []
        for index in indexes:
            prefix = render(tokenizer, plain[:index], offered, add_generation_prompt=True)
            upto = render(tokenizer, plain[: index + 1], offered)
            if not (upto.startswith(prefix) and text.startswith(upto)):
                raise ValueError("the chat template does not render conversations as prefixes of each other")
            spans.append((len(prefix), len(upto)))
        encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        if len(encoded["input_ids"]) > max_tokens:
            too_long += 1
            continue
        labels = [token if any(start <= a < end for start, end in spans) else -100
                  for token, (a, _b) in zip(encoded["input_ids"], encoded["offset_mapping"])]
        examples.append({"input_ids": encoded["input_ids"], "labels": labels})
    return examples, too_long
