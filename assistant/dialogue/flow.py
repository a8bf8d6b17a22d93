"""The turn's fixed steps around the model: confirmation answers, proposals, transfers, repeated tool errors."""

from __future__ import annotations

import logging
from typing import NamedTuple

from langchain.agents.middleware import AgentMiddleware, hook_config
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, RemoveMessage, SystemMessage, ToolMessage
from sqlalchemy import select

from assistant.db import Conversation, Database, PendingAction
from assistant.dialogue.confirmation import RUN, WITHDRAW, read_reply
from assistant.dialogue.grounding import ORDER_ID
from assistant.dialogue.events import record_event
from assistant.dialogue.handoff import hand_off, reopen_if_due
from assistant.dialogue.identify_first import not_identified
from assistant.dialogue.replies import canned, reply, tool_error
from assistant.dialogue.staff import WITH_STAFF
from assistant.dialogue.stuck import stuck_reply
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


class Pending(NamedTuple):
    """A change awaiting the shopper's answer: its id, summary, the order ids the summary names, and the call."""

    id: str
    summary: str
    orders: set[str]
    call: tuple[str, dict]


class ConversationGateMiddleware(AgentMiddleware):
    """Before the model: a conversation staff hold gets no agent reply, and a pending write is decided in code.

    A pending action runs only on a structured confirmation of its id (the Confirm button, the API) or on a plain,
    unconditional yes (`read_reply`). An explicit no withdraws it; anything else keeps it pending, the model answers
    the message, and the reply asks about the change again. The model never confirms anything.
    """

    def __init__(self, db: Database, ttl_s: int, reopen_after_s: int = 0):
        super().__init__()
        self.db, self.ttl_s, self.reopen_after_s = db, ttl_s, reopen_after_s

    @hook_config(can_jump_to=["end"])
    def before_agent(self, state, runtime) -> dict | None:
        ctx = runtime.context
        ctx.reopened = reopen_if_due(self.db, ctx.session_id, self.reopen_after_s)
        with self.db.session() as session:
            conversation = session.get(Conversation, ctx.session_id)
            if conversation is not None and conversation.status == "handed_off":
                return {"messages": [canned(reply("waiting", ctx.language))], "jump_to": "end"}
            pending = session.scalars(select(PendingAction).where(
                PendingAction.conversation_id == ctx.session_id, PendingAction.status == "pending")
                .order_by(PendingAction.created_at.desc())).all()
            pending = [Pending(a.id, a.summary, set(ORDER_ID.findall(a.summary)), (a.tool_name, dict(a.arguments)))
                       for a in pending]
        runner = ToolRunner(self.db, ctx.session_id, ttl_s=self.ttl_s)
        for action_id, *_ in pending[1:]:
            runner.decline(action_id, decided_by="superseded")
        latest = pending[0] if pending else None
        if ctx.decision is not None:
            return self._decide(runner, ctx, latest, *ctx.decision)
        if latest is None:
            return None
        text = state["messages"][-1].content if state["messages"] else ""
        reading = read_reply(text if isinstance(text, str) else "", latest.orders)
        if reading.outcome == RUN:
            return self._run(runner, ctx, latest, confirmed_with=text)
        if reading.outcome == WITHDRAW:
            runner.decline(latest.id, decided_by="shopper")
            if reading.bare:
                return {"messages": [canned(reply("declined", ctx.language))], "jump_to": "end"}
            ctx.declined = latest.call
            return None
        ctx.kept_action_id = latest.id
        return None

    def _decide(self, runner: ToolRunner, ctx, latest: Pending | None, action_id: str, verdict: str) -> dict:
        if latest is None or latest.id != action_id:
            return {"messages": [canned(reply("expired", ctx.language))], "jump_to": "end"}
        if verdict == "confirm":
            return self._run(runner, ctx, latest, confirmed_with="button")
        runner.decline(action_id, decided_by="shopper")
        return {"messages": [canned(reply("declined", ctx.language))], "jump_to": "end"}

    @staticmethod
    def _run(runner: ToolRunner, ctx, latest: Pending, confirmed_with: str) -> dict:
        action_id, summary = latest.id, latest.summary
        try:
            result = runner.confirm(action_id, decided_by="shopper", confirmed_with=confirmed_with)
        except ConfirmationError:
            return {"messages": [canned(reply("expired", ctx.language))], "jump_to": "end"}
        if isinstance(result.output, dict) and result.output.get("status") == "awaiting_approval":
            text = reply("approval", ctx.language, summary=summary)
        else:
            text = (reply("failed", ctx.language, error=tool_error(result.error, ctx.language)) if result.error
                    else reply("done", ctx.language, summary=summary))
        return {"messages": [canned(text)], "jump_to": "end"}

    def after_agent(self, state, runtime) -> dict | None:
        # Guard nudges only steer retries within a turn; they are not part of the dialogue.
        messages = state["messages"]
        nudges = [m for m in this_turn(messages) if isinstance(m, SystemMessage) and m.name == GUARD_NAME]
        updates = [RemoveMessage(id=m.id) for m in nudges]
        last = messages[-1] if messages else None
        if (again := self._ask_again(runtime.context, last)) is not None:
            updates.append(last := again)
        if runtime.context.reopened and isinstance(last, AIMessage) and not last.tool_calls:
            note = reply(f"reopened_{runtime.context.reopened}", runtime.context.language)
            updates.append(AIMessage(f"{note}\n\n{last.content}", id=last.id, name=last.name,
                                     additional_kwargs=last.additional_kwargs))
        return {"messages": updates} if updates else None

    def _ask_again(self, ctx, last: BaseMessage | None) -> BaseMessage | None:
        """A kept change is asked about again under the reply, unless the turn proposed another or handed off."""
        if ctx.kept_action_id is None or not isinstance(last, AIMessage) or last.tool_calls:
            return None
        if (last.additional_kwargs or {}).get("pending_action_id"):
            return None
        with self.db.session() as session:
            action = session.get(PendingAction, ctx.kept_action_id)
            conversation = session.get(Conversation, ctx.session_id)
            held = conversation is not None and conversation.status in ("handed_off", WITH_STAFF)
            if action is None or action.status != "pending" or held:
                return None
            summary = action.summary
        text = f"{last.content}\n\n{reply('still_pending', ctx.language, summary=summary)}".strip()
        kwargs = {**(last.additional_kwargs or {}), "pending_action_id": ctx.kept_action_id}
        return AIMessage(text, id=last.id, name=last.name, additional_kwargs=kwargs)


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
        if any(not_identified(r) for r in results):
            # Asked again in plain words: a small model guesses at other tools after a failed lookup.
            return {"messages": [canned(reply("not_identified", ctx.language))], "jump_to": "end"}
        errors = [str(m.content) for m in this_turn(messages) if isinstance(m, ToolMessage) and m.status == "error"]
        if len(errors) >= self.max_tool_errors:
            if stuck := stuck_reply(messages, errors, ctx.language):
                record_event(self.db, ctx.session_id, stuck[0])
                return {"messages": [canned(stuck[1])], "jump_to": "end"}
            return handoff_update(self.db, ctx.session_id, messages, f"{len(errors)} failed tool calls in one turn",
                                  ctx.language)
        return None
