"""The model sees as much of the conversation as fits its context; the checkpoint keeps all of it.

A long conversation would otherwise grow past `max_model_len`, and the model server refuses the request.
The oldest turns are left out of the request (whole turns, so every tool result stays with its call); the
system prompt, the tools offered and the latest turns always go.
"""

from __future__ import annotations

import json
import re

from langchain.agents.middleware import AgentMiddleware
from langchain_core.messages import BaseMessage
from langchain_core.messages.utils import trim_messages

_CJK = re.compile(r"[\u3400-\u9fff]")
REPLY_SHARE = 0.85  # headroom for the chat template's own tokens and the counting's error


def approx_tokens(messages: list[BaseMessage]) -> int:
    """A deliberately high token estimate: about 3 characters a token, and more than one token a CJK character."""
    total = 0
    for message in messages:
        text = str(message.content) + json.dumps(getattr(message, "tool_calls", None) or "", ensure_ascii=False)
        cjk = len(_CJK.findall(text))
        total += 4 + (len(text) - cjk) // 3 + cjk * 3 // 2
    return total


class ContextBudgetMiddleware(AgentMiddleware):
    """Before each model call: drop the oldest whole turns from the request until it fits the context."""

    def __init__(self, max_model_len: int, max_reply_tokens: int):
        super().__init__()
        self.budget = int((max_model_len - max_reply_tokens) * REPLY_SHARE)

    def wrap_model_call(self, request, handler):
        fixed = approx_tokens([request.system_message] if request.system_message else [])
        fixed += sum(4 + len(json.dumps(getattr(t, "args", {}) or {})) // 3 + len(getattr(t, "description", "")) // 3
                     for t in request.tools)
        room = self.budget - fixed
        if approx_tokens(request.messages) <= room:
            return handler(request)
        kept = trim_messages(request.messages, max_tokens=max(room, 1), token_counter=approx_tokens,
                             strategy="last", start_on="human", allow_partial=False)
        return handler(request.override(messages=kept or request.messages[-1:]))
