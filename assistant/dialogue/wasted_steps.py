"""Model steps that cannot move a conversation on: asking an identified shopper who they are, asking again one who
cannot say, and repeating a lookup whose result the turn already holds. A 135M model loops on each until the step
limit ends the turn, or the shopper gives up."""

from __future__ import annotations

import json
import re

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from assistant.dialogue.grounding import EMAIL
from assistant.dialogue.identify_first import ZIP
from assistant.dialogue.model_tools import is_write

_ASKS_IDENTITY = re.compile(r"(e-?mail|邮箱)[^.?!。？！]{0,80}(zip|name|姓名|邮编)|verify your identity|find your account"
                            r"|验证您的身份|查找您的账户", re.I)
IDENTIFIED_NUDGE = ("The customer is already identified: do not ask for their email, name or zip code again. Act on "
                    "their request with the tools you are offered, or ask what you still need to know about it.")
REPEATED_NUDGE = ("You already made that lookup this turn and its result is above. Do not repeat it: take the next "
                  "step with what it returned (propose the change the customer asked for), or answer them.")


def asks_identity(text: str) -> bool:
    """Whether a reply asks the shopper for their email, or name and zip code."""
    return bool(_ASKS_IDENTITY.search(text))


IDENTITY_ASKS_UNANSWERED = 2


def identity_asks_unanswered(messages: list[BaseMessage]) -> int:
    """How many times the shopper was asked who they are and answered with neither an email nor a zip code."""
    asked, count = False, 0
    for message in messages:
        if isinstance(message, AIMessage) and not message.tool_calls:
            asked = asks_identity(str(message.content))
        elif isinstance(message, HumanMessage):
            text = str(message.content)
            count += asked and not EMAIL.search(text) and not ZIP.search(text)
            asked = False
    return count


def _key(name: str, arguments) -> str:
    return f"{name}:{json.dumps(arguments, sort_keys=True, default=str)}"


def repeated_lookup(draft: AIMessage, turn: list[BaseMessage]) -> bool:
    """Whether every call of the draft is a lookup this turn already made with the same arguments, got a result for,
    and no change has run since."""
    calls, made = {}, set()
    for message in turn:
        if isinstance(message, AIMessage):
            calls |= {call.get("id"): _key(call["name"], call.get("args")) for call in message.tool_calls}
        elif isinstance(message, ToolMessage) and message.status != "error":
            made = set() if is_write(message.name) else made | {calls.get(message.tool_call_id)}
    return bool(draft.tool_calls) and all(not is_write(call["name"]) and _key(call["name"], call.get("args")) in made
                                          for call in draft.tool_calls)
