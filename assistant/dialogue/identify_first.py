"""An email, or a name and zip code, that arrives with a question or request is used there and then.

A shopper who writes "Where is #W4367726? My email is ann@example.com" should not be asked for their email.
Before the turn's first model call, when the session has no customer yet and the message carries an email (or
"my name is First Last" with a five-digit zip), kefu runs the identification tool itself, recorded as an
ordinary tool call and result, and the model goes on from there. The tool's own checks decide, as always.
"""

from __future__ import annotations

import re
import time
import uuid

from langchain.agents.middleware import AgentMiddleware, hook_config
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from assistant.db import Conversation, Database
from assistant.dialogue.grounding import EMAIL
from assistant.dialogue.intents import requested_writes
from assistant.dialogue.replies import CANNED, canned, reply
from assistant.dialogue.safety import defuse
from assistant.dialogue.tool_scope import named_orders
from assistant.tools import ToolRunner
from assistant.tools.identification import CODE_SENT, IDENTIFY, VERIFY, IdentityPolicy

NAME = re.compile(r"(?i:my name is|name is|name:|i am|i'm|this is|我叫|我是|名字是|姓名[:：]?)\s*"
                  r"([A-Z][a-z]+)\s+([A-Z][a-z]+)")
ZIP = re.compile(r"(?<!\d)(\d{5})(?!\d)")
CODE = re.compile(r"(?<![\d#W])(\d{6})(?!\d)")


def identification_call(text: str) -> tuple[str, dict] | None:
    """The identification the message itself makes possible: by email first, else by name and zip code."""
    if email := EMAIL.search(text):
        return "find_user_id_by_email", {"email": email.group(0).rstrip(".")}
    name, zip_code = NAME.search(text), ZIP.search(text)
    if name and zip_code:
        return "find_user_id_by_name_zip", {"first_name": name.group(1), "last_name": name.group(2),
                                            "zip": zip_code.group(1)}
    return None


def has_customer(db: Database, session_id: str) -> bool:
    """Whether the conversation is authenticated as a customer by now."""
    with db.session() as session:
        conversation = session.get(Conversation, session_id)
        return conversation is not None and conversation.customer_id is not None


def not_identified(message) -> bool:
    """An identification that found no one (not one refused for too many attempts)."""
    return (isinstance(message, ToolMessage) and message.name in IDENTIFY and message.status == "error"
            and "not found" in str(message.content))


def own_step(runner: ToolRunner, ctx, name: str, arguments: dict) -> dict:
    """Run a tool as kefu's own step: the call and its result, recorded like any other, as a state update."""
    started = time.perf_counter()
    result = runner.call(name, arguments)
    ctx.timings["tools"] += time.perf_counter() - started
    call = {"name": name, "args": arguments, "id": f"call_{uuid.uuid4().hex[:8]}", "type": "tool_call"}
    # Named as kefu's own step, so fine-tuning does not teach the model a call it never made.
    return {"messages": [AIMessage(content="", tool_calls=[call], name=CANNED),
                         ToolMessage(content=defuse(result.as_text()), tool_call_id=call["id"], name=name,
                                     status="error" if result.error else "success")]}


class IdentifyFirstMiddleware(AgentMiddleware):
    """Before the turn's first model call: identify the shopper from what their message already says, and in
    `code` mode check the one-time code they type."""

    def __init__(self, db: Database, ttl_s: int, policy: IdentityPolicy | int = 5):
        super().__init__()
        self.db, self.ttl_s = db, ttl_s
        self.policy = policy if isinstance(policy, IdentityPolicy) else IdentityPolicy(max_failures=policy)

    @hook_config(can_jump_to=["end"])
    def before_model(self, state, runtime) -> dict | None:
        messages = state["messages"]
        if not messages or not isinstance(messages[-1], HumanMessage):
            return None
        ctx = runtime.context
        text = str(messages[-1].content)
        found = identification_call(text)
        if found is None and self.policy.mode == "code" and (code := CODE.search(text)):
            found = (VERIFY, {"code": code.group(1)})
        if found is None or has_customer(self.db, ctx.session_id):
            return None
        runner = ToolRunner(self.db, ctx.session_id, ttl_s=self.ttl_s, language=ctx.language, identity=self.policy)
        step = own_step(runner, ctx, *found)
        result = step["messages"][-1]
        if found[0] == VERIFY and result.status != "error":
            ctx.customer_id = str(result.content)
            if asked_before(messages[:-1]):
                return step  # the model goes on with what they asked before the code
        key = _reply_key(found[0], result)
        if key:
            step["messages"].append(canned(reply(key, ctx.language)))
            step["jump_to"] = "end"
        return step


def _reply_key(name: str, result: ToolMessage) -> str | None:
    """The canned reply that ends the turn after an identification step, if one does."""
    content = str(result.content)
    if result.status == "error" and "Too many" in content:
        return "identification_locked"
    if name == VERIFY:
        return "code_accepted" if result.status != "error" else "code_wrong" if "not right" in content else (
            "code_expired")
    if CODE_SENT in content:
        return "code_sent"
    return "not_identified" if not_identified(result) else None


def asked_before(messages) -> bool:
    """Whether the shopper asked for something before identifying (so the model answers it now)."""
    said = [str(m.content) for m in messages if isinstance(m, HumanMessage)]
    leftover = [EMAIL.sub("", NAME.sub("", ZIP.sub("", text))) for text in said]
    return bool(requested_writes(said) or named_orders(said) or any(
        "?" in text or "？" in text or len(text.split()) > 6 for text in leftover))
