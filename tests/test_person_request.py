"""A shopper who plainly asks for a person is handed to staff in code; a conditional or declined ask is not."""

from __future__ import annotations

import pytest

from assistant.dialogue.person_request import asks_for_person
from tests.agent_helpers import scripted_agent, tickets


@pytest.mark.parametrize("text", [
    "The courier was rude to me at the door. I'd like a supervisor to ring me back.",
    "Can you put me through to a real person?",
    "get me someone in charge, this is unacceptable",
    "请帮我转人工",
    "我要找你们的负责人",
])
def test_a_plain_ask_for_a_person_is_read(text):
    assert asks_for_person(text)


@pytest.mark.parametrize("text", [
    "Refund the kettle; should that fail, put me through to a human.",  # a condition: the agent tries first
    "if you cannot do it, I want a manager",
    "No need to transfer me to a human, I just want the tracking number.",
    "不用找人工，帮我查一下物流",
    "The person who delivered it left it in the rain.",
    "I want to complain about the manager of the store near me",
    "Where is my parcel?",
])
def test_other_mentions_of_people_are_not_an_ask(text):
    assert not asks_for_person(text)


def test_the_agent_transfers_a_shopper_who_asks_for_a_person_without_the_model(db, tmp_path):
    agent, model = scripted_agent(db, tmp_path, ["Your order is on its way."])
    answer = agent.respond("h1", "The driver shouted at me. I want to talk to a manager about it.")
    assert model.prompts == []  # the model is never asked
    steps = [(m.type, getattr(m, "name", None)) for m in agent.messages("h1")]
    assert ("tool", "transfer_to_human_agents") in steps
    assert [t.reason for t in tickets(db, "h1")] == ["agent"]
    assert "colleague" in str(answer)
