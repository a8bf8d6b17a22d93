"""The turn's fixed steps around the model: confirmation answers, proposals, transfers, repeated tool errors."""

from __future__ import annotations

import logging

from langchain.agents.middleware import AgentMiddleware, hook_config
from langchain_core.messages import BaseMessage, HumanMessage, RemoveMessage, SystemMessage, ToolMessage
from sqlalchemy import select

from assistant.db import Conversation, Database, PendingAction
from assistant.dialogue.confirmation import intent_of
from assistant.dialogue.events import record_event
from assistant.dialogue.handoff import hand_off
from assistant.dialogue.replies import canned, reply
from assistant.errors import ConfirmationError
from assistant.tools import ToolRunner

log = logging.getLogger(__name__)
GUARD_NAME = "kefu_guard"


def this_turn(messages: list[BaseMessage]) -> list[BaseMessage]:
    """The messages after the shopper's latest one."""
    for index in range(len(messages) - 1, -1, -1):
        if isinstance(messages[index], HumanMessage):
            return messages[index + 1:]
    return list(messages)


def handoff_update(db: Database, session_id: str, messages: list[BaseMessage], reason: str, language: str) -> dict:
    """Open a ticket, count the event, and end the turn with the handoff reply."""
    ticket = hand_off(db, session_id, messages, reason)
    record_event(db, session_id, "handoff", reason=reason, ticket=ticket)
    return {"messages": [canned(reply("handoff", language))], "jump_to": "end"}


class ConversationGateMiddleware(AgentMiddleware):
    """Before the model: a conversation staff hold gets no agent reply, and a pending write is decided in code.

    A pending action runs only on the shopper's explicit yes (or the Confirm button, which sends the same),
    given as the very next message; anything else cancels it. The model never confirms anything.
    """

    def __init__(self, db: Database, ttl_s: int):
        super().__init__()
        self.db, self.ttl_s = db, ttl_s

    @hook_config(can_jump_to=["end"])
    def before_agent(self, state, runtime) -> dict | None:
        ctx = runtime.context
        with self.db.session() as session:
            conversation = session.get(Conversation, ctx.session_id)
            if conversation is not None and conversation.status == "handed_off":
                return {"messages": [canned(reply("waiting", ctx.language))], "jump_to": "end"}
            pending = session.scalars(select(PendingAction).where(
                PendingAction.conversation_id == ctx.session_id, PendingAction.status == "pending")
                .order_by(PendingAction.created_at.desc())).all()
        if not pending:
            return None
        runner = ToolRunner(self.db, ctx.session_id, ttl_s=self.ttl_s)
        latest, older = pending[0], pending[1:]
        for action in older:
            runner.decline(action.id, decided_by="superseded")
        intent = intent_of(state["messages"][-1].content if state["messages"] else "")
        if intent is None:
            runner.decline(latest.id, decided_by="superseded")
            return None
        if intent == "no":
            runner.decline(latest.id, decided_by="shopper")
            return {"messages": [canned(reply("declined", ctx.language))], "jump_to": "end"}
        try:
            result = runner.confirm(latest.id, decided_by="shopper")
        except ConfirmationError:
            return {"messages": [canned(reply("expired", ctx.language))], "jump_to": "end"}
        if isinstance(result.output, dict) and result.output.get("status") == "awaiting_approval":
            text = reply("approval", ctx.language, summary=latest.summary)
        else:
            text = (reply("failed", ctx.language, error=result.error) if result.error
                    else reply("done", ctx.language, summary=latest.summary))
        return {"messages": [canned(text)], "jump_to": "end"}

    def after_agent(self, state, runtime) -> dict | None:
        # Guard nudges only steer retries within a turn; they are not part of the dialogue.
        nudges = [m for m in this_turn(state["messages"]) if isinstance(m, SystemMessage) and m.name == GUARD_NAME]
        return {"messages": [RemoveMessage(id=m.id) for m in nudges]} if nudges else None


class ToolOutcomeMiddleware(AgentMiddleware):
    """After tools ran: a proposed write is shown for confirmation, a transfer ends the turn, errors pile into a handoff."""

    def __init__(self, db: Database, max_tool_errors: int):
        super().__init__()
        self.db, self.max_tool_errors = db, max_tool_errors

    @hook_config(can_jump_to=["end"])
    def before_model(self, state, runtime) -> dict | None:
        ctx, messages = runtime.context, state["messages"]
        results = []
        for message in reversed(messages):
            if not isinstance(message, ToolMessage):
                break
            results.append(message)
        for result in results:
            if result.name == "transfer_to_human_agents" and result.status != "error":
                record_event(self.db, ctx.session_id, "handoff", reason="model transferred")
                return {"messages": [canned(reply("handoff", ctx.language))], "jump_to": "end"}
            if result.artifact and result.artifact.get("pending_action_id"):
                text = reply("confirm", ctx.language, summary=result.artifact["summary"])
                return {"messages": [canned(text, additional_kwargs={"pending_action_id":
                                                                          result.artifact["pending_action_id"]})],
                        "jump_to": "end"}
        errors = sum(isinstance(m, ToolMessage) and m.status == "error" for m in this_turn(messages))
        if errors >= self.max_tool_errors:
            return handoff_update(self.db, ctx.session_id, messages, f"{errors} failed tool calls in one turn",
                                  ctx.language)
        return None
