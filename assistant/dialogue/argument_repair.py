"""Tool-call arguments set right in code where the fix is unambiguous, before the call runs.

- Identification values come from what the shopper typed. A 135M model sometimes garbles a long email while
  copying it (an extra digit, a run of repeated characters); a value the shopper never typed is replaced by the
  closest one they did. This never widens access: the ToolRunner still looks the customer up by that value.
- Spaces around a value (" Colin": the tokenizer's word boundary leaks into the JSON) are stripped.
- A read-only lookup called with arguments it does not take (the small model carries item ids over from the
  change it had in mind) runs with those dropped. Write tools keep their strict validation.
"""

from __future__ import annotations

import difflib
import re

from langchain.agents.middleware import AgentMiddleware
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from assistant.dialogue.events import record_event
from assistant.dialogue.grounding import EMAIL
from assistant.dialogue.model_tools import is_write
from assistant.tools import ALL_TOOLS

ZIP = re.compile(r"(?<!\d)\d{5}(?!\d)")
FIELDS = {"find_user_id_by_email": {"email": EMAIL}, "find_user_id_by_name_zip": {"zip": ZIP}}


def _closest(value: str, candidates: list[str]) -> str:
    return max(reversed(candidates), key=lambda c: difflib.SequenceMatcher(None, value.lower(), c.lower()).ratio())


def _stripped(value):
    if isinstance(value, str):
        return value.strip()
    return [_stripped(v) for v in value] if isinstance(value, list) else value


def repaired_arguments(name: str, arguments: dict, messages: list[BaseMessage]) -> dict:
    """The call's arguments without spaces around values, with each identification value the shopper never typed
    replaced by the closest one they did (unchanged when they typed none), and a lookup's unknown arguments dropped."""
    if not isinstance(arguments, dict):
        return arguments
    arguments = {key: _stripped(value) for key, value in arguments.items()}
    if name in ALL_TOOLS and not is_write(name):
        known = ALL_TOOLS[name].openai_schema["function"]["parameters"].get("properties", {})
        arguments = {key: value for key, value in arguments.items() if key in known}
    patterns = FIELDS.get(name)
    if not patterns:
        return arguments
    said = " ".join(str(m.content) for m in messages if isinstance(m, HumanMessage))
    fixed = dict(arguments)
    for field, pattern in patterns.items():
        value, typed = arguments.get(field), pattern.findall(said)
        if typed and isinstance(value, str) and value.lower() not in {t.lower() for t in typed}:
            fixed[field] = _closest(value, typed)  # values are already stripped above
    return fixed


class ArgumentRepairMiddleware(AgentMiddleware):
    """After the model: identification values as the shopper typed them; lookups without arguments they lack."""

    def __init__(self, db):
        super().__init__()
        self.db = db

    def after_model(self, state, runtime) -> dict | None:
        messages = state["messages"]
        draft = messages[-1] if messages else None
        if not isinstance(draft, AIMessage) or not draft.tool_calls:
            return None
        calls = [call | {"args": repaired_arguments(call["name"], call.get("args") or {}, messages)}
                 for call in draft.tool_calls]
        if calls == draft.tool_calls:
            return None
        record_event(self.db, runtime.context.session_id, "argument_repaired",
                     tools=[c["name"] for c, old in zip(calls, draft.tool_calls) if c != old])
        return {"messages": [draft.model_copy(update={"tool_calls": calls})]}
