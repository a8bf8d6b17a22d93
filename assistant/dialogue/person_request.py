"""A shopper who asks for a person gets one: "I want to speak to a manager", "转人工".

A small model answers such a message with whatever its tools return (the status of an order it looked up). A plain
request for a person is handed to staff in code, through the transfer tool, so the ticket and the transcript read as
any other transfer. A request made only on a condition ("if you can't help, get me a human") is left to the agent.
"""

from __future__ import annotations

import re

from langchain.agents.middleware import AgentMiddleware, hook_config
from langchain_core.messages import HumanMessage

from assistant.db import Database
from assistant.dialogue.events import record_event
from assistant.dialogue.identify_first import own_step
from assistant.dialogue.replies import canned, reply
from assistant.tools import ToolRunner

_PERSON = (r"(human|person|(real|live|actual) (agent|person)|representative|rep|manager|supervisor|operator"
           r"|someone (real|in charge|senior))")
ASKS = re.compile(rf"\b(talk|speak|chat|connect|transfer|put|escalate|pass)\b[^.?!;]{{0,30}}\b{_PERSON}\b"
                  rf"|\b(want|need|get|like|demand|request|give me|get me)\s+(?:(a|an|the|your|some)\s+)?{_PERSON}\b"
                  r"(?!\s+(who|that|which|of|at|in|from)\b)"
                  rf"|\b{_PERSON} (to )?(call|contact|ring|email) (me|us|back)\b|\bhuman agent\b"
                  r"|转人工|人工客服|找人工|要人工|真人客服|(找|和|跟|要)(你们|贵公司)?的?(经理|主管|负责人|真人)"
                  r"|(让|请|叫)(你们)?的?(经理|主管|负责人|人工)|(经理|主管)(给我)?(打|回)电话", re.I)
CONDITION = re.compile(r"\b(if|unless|otherwise|else|in case|when|failing that|should (that|it|this|you))\b"
                       r"|如果|要是|否则|不然|的话", re.I)
NEGATION = re.compile(r"\b(no|not|don't|do not|never|without)\b|不用|不要|无需|不需要|别", re.I)
_SENTENCE = re.compile(r"[^.?!。？！]+[.?!。？！]?")


def asks_for_person(text: str) -> bool:
    """Whether a sentence of the message plainly asks for a person: no condition in it, no negation just before."""
    for sentence in _SENTENCE.findall(text):
        found = ASKS.search(sentence)
        if found and not CONDITION.search(sentence) and not NEGATION.search(sentence[max(0, found.start() - 15):
                                                                                     found.end()]):
            return True
    return False


class PersonRequestMiddleware(AgentMiddleware):
    """Before the model: a new message that asks for a person is transferred to staff, and the turn ends."""

    def __init__(self, db: Database, ttl_s: int):
        super().__init__()
        self.db, self.ttl_s = db, ttl_s

    @hook_config(can_jump_to=["end"])
    def before_model(self, state, runtime) -> dict | None:
        messages = state["messages"]
        if not messages or not isinstance(messages[-1], HumanMessage) or not asks_for_person(str(messages[-1].content)):
            return None
        ctx = runtime.context
        runner = ToolRunner(self.db, ctx.session_id, ttl_s=self.ttl_s, language=ctx.language)
        step = own_step(runner, ctx, "transfer_to_human_agents", {"summary": str(messages[-1].content)[:500]})
        if step["messages"][-1].status == "error":
            return None
        record_event(self.db, ctx.session_id, "handoff", reason="shopper asked for a person")
        return {"messages": [*step["messages"], canned(reply("handoff", ctx.language))], "jump_to": "end"}
