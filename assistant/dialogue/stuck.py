"""A model stuck in a turn, making a call the shopper or the shop has just refused: kefu asks the shopper once
(which change they want, or how to go on after the shop's refusal) before it hands the conversation off. A reply the
model writes right after such a refusal is kefu's own words too: a small model was seen to answer a refused change
with "I'm unable to access your account"."""

from __future__ import annotations

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from assistant.dialogue.model_tools import is_write
from assistant.dialogue.replies import ERRORS_ZH, TEXTS, reply, tool_error
from assistant.dialogue.tool_execution import DECLINED_AGAIN

REPEATS = 2


def _refusal(error: str) -> str:
    """A tool error as the shop's refusal reads in `ERRORS_ZH`: no "Error: " and no closing full stop."""
    return error.removeprefix("Error: ").strip().rstrip(".")


def _asked_before(messages: list[BaseMessage], texts: set[str]) -> bool:
    return any(isinstance(m, AIMessage) and m.content in texts for m in messages)


def stuck_reply(messages: list[BaseMessage], errors: list[str], language: str | None) -> tuple[str, str] | None:
    """(event, reply) when a turn at the error limit should ask the shopper instead of handing off: after
    re-proposals of the change they just declined, or when one of the shop's refusals came back `REPEATS` times.
    `errors` are the turn's failed tool results; called only at the limit, so the model keeps every try it had."""
    if any(DECLINED_AGAIN in e for e in errors) and not _asked_before(messages, set(TEXTS["ask_instead"].values())):
        return "declined_change_asked", reply("ask_instead", language)
    for error in dict.fromkeys(errors):
        refusal = _refusal(error)
        if refusal in ERRORS_ZH and errors.count(error) >= REPEATS:
            text = reply("refusal_ask", language, error=tool_error(refusal, language))
            return None if _asked_before(messages, {text}) else ("refusal_explained", text)
    return None


def after_refusal(messages: list[BaseMessage], language: str | None) -> tuple[str, str] | None:
    """(event, reply) for the model's text reply (`messages[-1]`) right after the shop refused a change: the shop's
    refusal as kefu words it. After kefu's own guidance (a change the shopper just declined), the model's reply
    stands."""
    refused = messages[-2] if len(messages) > 1 else None
    if not isinstance(refused, ToolMessage) or not is_write(refused.name or ""):
        return None
    error = str(refused.content)
    refusal = _refusal(error)
    if not error.startswith("Error:") or refusal not in ERRORS_ZH:
        return None
    return "refusal_explained", reply("refusal_ask", language, error=tool_error(refusal, language))
