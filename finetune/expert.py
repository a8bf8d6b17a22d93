"""The simulator's expert: a policy that knows a task's gold actions and plays the model's part correctly.

It asks before it acts (identity, missing details), calls one tool at a time with the gold arguments,
explains refusals, answers knowledge questions from the retrieved passage with its citation, and
transfers what is out of scope. Everything it says is built from what the conversation already holds.
"""

from __future__ import annotations

import json
import random
import re

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from assistant.evaluation.tasks import Task

ASK_IDENTITY = {
    "en": ["I can help with that. First, could you give me your email address, or your first name, last name and "
           "zip code, so I can verify your identity?",
           "Sure! To find your account, please tell me your email, or your name and zip code.",
           "Happy to help. Could you please verify your identity with your email address, or your full name and zip "
           "code?"],
    "zh": ["好的，我来帮您处理。请先提供您的邮箱，或者您的姓名和邮编，以便核实身份。",
           "没问题。请告诉我您的邮箱地址，或姓名加邮编，我来查找您的账户。"],
}
ANYTHING_ELSE = {"en": "Is there anything else I can help you with?", "zh": "还有什么可以帮您的吗？"}
CLOSING = {"en": " Is there anything else I can help you with?", "zh": "还有什么可以帮您的吗？"}
REFUSALS = {
    "refuse_cancel_delivered": {
        "en": "I'm sorry, order {order} has already been delivered, so it can no longer be cancelled. I can help you "
              "return or exchange it instead.",
        "zh": "抱歉，订单 {order} 已经送达，无法取消。我可以帮您办理退货或换货。"},
    "refuse_bad_reason": {
        "en": "I'm sorry, I can only cancel an order because it is no longer needed or was ordered by mistake, so I "
              "can't cancel order {order} for that reason.",
        "zh": "抱歉，只有在不再需要或下错单的情况下才能取消订单，所以无法以这个理由取消订单 {order}。"},
    "refuse_foreign_order": {
        "en": "I'm sorry, I can't access order {order}: it is not on your account.",
        "zh": "抱歉，我无法访问订单 {order}：它不在您的账户下。"},
}


def _calls(messages) -> list[dict]:
    return [{"name": c["name"], "arguments": c["args"]} for m in messages if isinstance(m, AIMessage)
            for c in m.tool_calls]


def _results(messages, name: str) -> list[ToolMessage]:
    return [m for m in messages if isinstance(m, ToolMessage) and m.name == name]


def _json(message: ToolMessage) -> dict | None:
    try:
        value = json.loads(message.content)
    except (TypeError, json.JSONDecodeError):
        return None
    return value if isinstance(value, dict) else None


class Expert:
    """Decides the model's next step for one task; used as a scripted chat model's step function."""

    def __init__(self, task: Task, language: str, rng: random.Random):
        self.task, self.language, self.rng = task, language, rng
        self.unsure = False
        """Set when no passage held the answer: such a conversation is not a good example."""

    def say(self, options: dict[str, list[str] | str], *, close: bool = False, **values) -> AIMessage:
        texts = options[self.language]
        text = (self.rng.choice(texts) if isinstance(texts, list) else texts).format(**values)
        return AIMessage(text + (CLOSING[self.language] if close else ""))

    def call(self, name: str, arguments: dict) -> AIMessage:
        return AIMessage("", tool_calls=[{"name": name, "args": arguments, "id": f"call_{self.rng.randrange(16**8):08x}"}])

    def __call__(self, messages) -> AIMessage:
        said = " ".join(str(m.content) for m in messages if isinstance(m, HumanMessage))
        done = _calls(messages)
        pending = [a for a in self.task.actions if a not in done]
        if pending:
            action = pending[0]
            if action["name"].startswith("find_user_id") and not self._identity_given(said, action):
                return self.say(ASK_IDENTITY)
            if action["name"] == "transfer_to_human_agents":
                return self.call(action["name"], {"summary": self._summary(said)})
            if not self._details_given(said, action):
                return self.say({"en": "Could you tell me the order id? It starts with #W.",
                                 "zh": "请告诉我订单号，以 #W 开头。"})
            return self.call(action["name"], action["arguments"])
        return self._final(messages, said)

    @staticmethod
    def _identity_given(said: str, action: dict) -> bool:
        return all(str(v).lower() in said.lower() for v in action["arguments"].values())

    @staticmethod
    def _details_given(said: str, action: dict) -> bool:
        order = action["arguments"].get("order_id")
        return order is None or order.lstrip("#") in said

    def _summary(self, said: str) -> str:
        return f"The customer asks: {said[:200]}. This is outside what I can do."

    def _final(self, messages, said: str) -> AIMessage:
        category = self.task.category or ""
        order = re.search(r"#?W\d{7}", said)
        order_id = ("#" + order.group(0).lstrip("#")) if order else ""
        if category in REFUSALS:
            return self.say(REFUSALS[category], close=True, order=order_id)
        if category == "lookup":
            details = next((_json(m) for m in reversed(_results(messages, "get_order_details")) if _json(m)), None)
            if details:
                return self._lookup(details)
        if category == "knowledge":
            return self._knowledge(messages, said)
        return self.say(ANYTHING_ELSE)

    def _lookup(self, details: dict) -> AIMessage:
        order_id, status = details["order_id"], details["status"]
        tracking = [t for f in details.get("fulfillments", []) for t in f.get("tracking_id", [])]
        if tracking and self.task.communicate_info and self.task.communicate_info[0] in tracking:
            return self.say({"en": "The tracking number of order {o} is {t}.", "zh": "订单 {o} 的快递单号是 {t}。"},
                            close=True, o=order_id, t=tracking[0])
        return self.say({"en": "Your order {o} is {s}.", "zh": "您的订单 {o} 当前状态是 {s}。"}, close=True,
                        o=order_id, s=status)

    def _knowledge(self, messages, said: str) -> AIMessage:
        results = _results(messages, "search_knowledge")
        if not results:
            question = said.split("FOLLOW-UP:")[0][-300:]
            return self.call("search_knowledge", {"query": question})
        text = str(results[-1].content)
        passages = re.split(r"\n\n(?=\[\d+\] \()", text)
        wanted = [i.lower() for i in self.task.communicate_info]
        for passage in passages:
            number = re.match(r"\[(\d+)\]", passage)
            for sentence in re.split(r"(?<=[.!?。！？])\s+|\n", passage):
                if number and any(w in sentence.lower() for w in wanted) and not sentence.startswith("["):
                    return AIMessage(f"{sentence.strip(' -*#')} [{number.group(1)}]{CLOSING[self.language]}")
        self.unsure = True
        first = passages[0].split("\n", 1)[-1].strip().split("\n")[0]
        return AIMessage(f"{first} [1]{CLOSING[self.language]}")
