"""A refusal of a change kefu can make is sent back to the model once, naming the tool that makes it.

A 135M model sometimes answers "I'm sorry, I can't access your account" to a request it has every tool for: the
shopper is identified, the order is looked up, and a write fits both the request and the order's status. The draft
is then dropped and the model is told which tool fits; it may still ask or refuse on its second try, which is sent.
Calling the tool changes nothing: the shopper confirms every change, and the ToolRunner checks it as always.
"""

from __future__ import annotations

import re

from langchain.agents.middleware import AgentMiddleware, hook_config
from langchain_core.messages import AIMessage, RemoveMessage, SystemMessage, ToolMessage

from assistant.dialogue.events import record_event
from assistant.dialogue.flow import GUARD_NAME, this_turn
from assistant.dialogue.model_tools import is_write
from assistant.dialogue.tool_scope import offered_now

REFUSAL = re.compile(r"\b(sorry|unfortunately|apologi[sz]e|afraid)\b[^.!?]*"
                     r"\b(can ?not|can't|unable|not able|no access)\b"
                     r"|(抱歉|对不起|很遗憾|不好意思)[^。！？]*(无法|不能|没法|没有权限)", re.IGNORECASE)
NUDGE = ("The customer asked for a change you can make with {tools}. Call that tool now with the order's details "
         "(nothing changes until the customer confirms), or ask the customer for what you still need.")


def refused(text: str) -> bool:
    """Whether a reply apologizes for not being able to do something."""
    return REFUSAL.search(text) is not None


class RefusalNudgeMiddleware(AgentMiddleware):
    """After the model: a refusal, while a fitting change tool is offered and nothing failed this turn, is retried
    once with the tool named."""

    def __init__(self, db):
        super().__init__()
        self.db = db

    @hook_config(can_jump_to=["model"])
    def after_model(self, state, runtime) -> dict | None:
        messages = state["messages"]
        draft = messages[-1] if messages else None
        if not isinstance(draft, AIMessage) or draft.tool_calls or not refused(str(draft.content)):
            return None
        turn = this_turn(messages)
        if any(isinstance(m, ToolMessage) and m.status == "error" for m in turn) or any(
                isinstance(m, SystemMessage) and m.name == GUARD_NAME and m.content.startswith(NUDGE[:30])
                for m in turn):
            return None
        session_id = runtime.context.session_id
        writes = sorted(name for name in offered_now(self.db, messages, runtime) if is_write(name))
        if not writes:
            return None
        record_event(self.db, session_id, "refusal_retried", tools=writes)
        return {"messages": [RemoveMessage(id=draft.id), SystemMessage(NUDGE.format(tools=" or ".join(writes)),
                                                                       name=GUARD_NAME)], "jump_to": "model"}
