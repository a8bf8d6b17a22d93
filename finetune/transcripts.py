"""Conversations in the OpenAI chat format (with `tool_calls`): from checkpoints, and from a helpdesk's JSONL.

One record per line: `{"id", "messages": [...], ...}`, where assistant turns may carry `tool_calls`
(arguments as a JSON string) and tool turns answer them by `tool_call_id`. Optional keys: `customer`,
`language`, `resolved`, `rating`, `corrected`, `category`. kefu exports recorded conversations in this
format and imports other helpdesks' transcripts from it.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from assistant.dialogue.replies import CANNED
from assistant.errors import KefuError

ROLES = {"system", "user", "assistant", "tool"}
STAFF = "staff"


def to_openai(messages, system_prompt: str, language_line: str) -> list[dict]:
    """A checkpointed conversation in OpenAI chat format; `train` marks turns worth learning (the model's
    own and staff's, never kefu's canned replies)."""
    out = [{"role": "system", "content": f"{system_prompt}\n\n{language_line}"}]
    for m in messages:
        if isinstance(m, HumanMessage):
            out.append({"role": "user", "content": str(m.content)})
        elif isinstance(m, ToolMessage):
            out.append({"role": "tool", "tool_call_id": m.tool_call_id, "name": m.name, "content": str(m.content)})
        elif isinstance(m, AIMessage):
            # The sources line is appended by the output guard, never written by the model.
            content = re.sub(r"\n\nSources: .*\Z", "", str(m.content or ""), flags=re.S)
            entry = {"role": "assistant", "content": content, "train": m.name != CANNED}
            if m.name == STAFF:
                entry["author"] = STAFF
            if m.tool_calls:
                entry["tool_calls"] = [{"id": c["id"], "type": "function", "function": {
                    "name": c["name"], "arguments": json.dumps(c["args"], ensure_ascii=False)}} for c in m.tool_calls]
            out.append(entry)
    return out


def to_langchain(messages: list[dict]) -> list:
    """OpenAI-format messages back as LangChain messages (system turns left out), for the serving-side rules
    that read a conversation's state, such as which tools are offered at a step."""
    out = []
    for m in messages:
        content = m.get("content") or ""
        if m["role"] == "user":
            out.append(HumanMessage(content))
        elif m["role"] == "tool":
            out.append(ToolMessage(content, tool_call_id=m.get("tool_call_id") or "", name=m.get("name"),
                                   status="error" if content.startswith("Error:") else "success"))
        elif m["role"] == "assistant":
            calls = [{"name": c["function"]["name"], "args": json.loads(c["function"]["arguments"] or "{}"),
                      "id": c.get("id") or "", "type": "tool_call"} for c in m.get("tool_calls") or []]
            out.append(AIMessage(content, tool_calls=calls))
    return out


class TranscriptError(KefuError, ValueError):
    """A transcript that is not in the OpenAI chat format; the message says where."""


def check_messages(messages: list, where: str) -> None:
    """Raise TranscriptError unless `messages` is a well-formed chat with tool calls answered in order."""
    if not isinstance(messages, list) or not messages:
        raise TranscriptError(f"{where}: `messages` must be a non-empty list")
    open_calls: set[str] = set()
    for index, m in enumerate(messages):
        at = f"{where}: message {index + 1}"
        if not isinstance(m, dict) or m.get("role") not in ROLES:
            raise TranscriptError(f"{at}: role must be one of {sorted(ROLES)}")
        if m["role"] == "tool":
            if m.get("tool_call_id") not in open_calls:
                raise TranscriptError(f"{at}: a tool message must answer an earlier tool call by `tool_call_id`")
            open_calls.discard(m["tool_call_id"])
        elif not isinstance(m.get("content") or "", str):
            raise TranscriptError(f"{at}: content must be text")
        for call in m.get("tool_calls") or []:
            function = call.get("function") if isinstance(call, dict) else None
            if not (isinstance(function, dict) and isinstance(function.get("name"), str) and call.get("id")):
                raise TranscriptError(f"{at}: each tool call needs an `id` and a `function` with a `name`")
            try:
                json.loads(function.get("arguments") or "{}")
            except (TypeError, json.JSONDecodeError) as exc:
                raise TranscriptError(f"{at}: tool call arguments must be a JSON string") from exc
            open_calls.add(call["id"])
    if not any(m["role"] == "assistant" for m in messages):
        raise TranscriptError(f"{where}: no assistant turn to learn from")


def import_transcripts(path: Path) -> list[dict]:
    """Records from another helpdesk's JSONL, checked; they count as resolved unless they say otherwise."""
    records = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TranscriptError(f"{where}: not JSON ({exc.msg})") from exc
        record = {"messages": record} if isinstance(record, list) else record
        if not isinstance(record, dict):
            raise TranscriptError(f"{where}: expected an object with `messages`")
        check_messages(record.get("messages"), where)
        digest = hashlib.sha256(line.encode()).hexdigest()[:12]
        records.append({"source": "imported", "resolved": True, **record,
                        "id": f"imported-{record.get('id') or digest}"})
    return records
