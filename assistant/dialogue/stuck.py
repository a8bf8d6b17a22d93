"""A model stuck in a turn, making a call the shopper or the shop has just refused: kefu asks the shopper once
(which change they want, or how to go on after the shop's refusal) before it hands the conversation off."""

from __future__ import annotations

from langchain_core.messages import AIMessage, BaseMessage

from assistant.dialogue.replies import ERRORS_ZH, TEXTS, reply, tool_error
from assistant.dialogue.tool_execution import DECLINED_AGAIN

REPEATS = 2


def _asked_before(messages: list[BaseMessage], texts: set[str]) -> bool:
    return any(isinstance(m, AIMessage) and m.content in texts for m in messages)


def stuck_reply(messages: list[BaseMessage], errors: list[str], language: str | None) -> tuple[str, str] | None:
    """(event, reply) when a turn at the error limit should ask the shopper instead of handing off: after
    re-proposals of the change they just declined, or when one of the shop's refusals came back `REPEATS` times.
    `errors` are the turn's failed tool results; called only at the limit, so the model keeps every try it had."""
    if any(DECLINED_AGAIN in e for e in errors) and not _asked_before(messages, set(TEXTS["ask_instead"].values())):
        return "declined_change_asked", reply("ask_instead", language)
    for error in dict.fromkeys(errors):
        refusal = error.removeprefix("Error: ").strip().rstrip(".")
        if refusal in ERRORS_ZH and errors.count(error) >= REPEATS:
            text = reply("refusal_ask", language, error=tool_error(refusal, language))
            return None if _asked_before(messages, {text}) else ("refusal_explained", text)
    return None
