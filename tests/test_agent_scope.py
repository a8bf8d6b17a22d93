"""The tool scope, argument repair, lookup answers and knowledge-first search inside the real agent (scripted model)."""

from __future__ import annotations

import re

import pytest
from langchain_core.messages import ToolMessage

from assistant.config import Settings
from assistant.db import PendingAction
from assistant.dialogue.events import event_counts
from assistant.evaluation.attack_run import poisoned_knowledge
from assistant.evaluation.scripted_model import call
from tests.agent_helpers import count, email_of, scripted_agent
from tests.conftest import find_order, user_state


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory):
    return poisoned_knowledge([], Settings(), tmp_path_factory.mktemp("kb"))


def test_a_write_that_does_not_fit_the_request_is_refused_and_the_fitting_one_proposed(db, tmp_path):
    order_id, customer_id = find_order(db, "pending")
    steps = [call("get_order_details", order_id=order_id),
             call("modify_pending_order_items", order_id=order_id, item_ids=["1"], new_item_ids=["2"],
                  payment_method_id="paypal_1"),
             call("cancel_pending_order", order_id=order_id, reason="no longer needed")]
    agent, model = scripted_agent(db, tmp_path, steps)
    reply = agent.respond("s1", f"Please cancel {order_id}, I no longer need it. I'm {email_of(db, customer_id)}")
    identified = model.prompts[0][-1]  # kefu identified the shopper from the email before the first model step
    assert isinstance(identified, ToolMessage) and identified.content == customer_id
    refusal = model.prompts[2][-1]
    assert isinstance(refusal, ToolMessage) and "cannot be used now" in refusal.content
    assert "cancel_pending_order" in model.offered[1] and "modify_pending_order_items" not in model.offered[1]
    assert reply.pending_action_id and "Cancel pending order" in reply.text
    assert count(db, PendingAction, conversation_id="s1") == 1


def test_a_garbled_zip_is_looked_up_as_the_shopper_typed_it(db, tmp_path):
    order_id, customer_id = find_order(db, "pending")
    user = user_state(db, customer_id)
    first, last, zip_code = user["name"]["first_name"], user["name"]["last_name"], user["address"]["zip"]
    garbled = zip_code[:3] + zip_code[4] + zip_code[3]
    agent, model = scripted_agent(db, tmp_path, [
        call("find_user_id_by_name_zip", first_name=first, last_name=last, zip=garbled),
        "Thanks, you're verified. What would you like to do?"])
    agent.respond("s1", f"{first} {last}, {zip_code}")  # no "my name is": kefu leaves identifying to the model
    result = model.prompts[-1][-1]
    assert isinstance(result, ToolMessage) and result.content == customer_id
    assert event_counts(db, "s1") == {"argument_repaired": 1}


def test_an_email_given_with_a_question_is_used_at_once(db, tmp_path):
    order_id, customer_id = find_order(db, "processed")
    agent, model = scripted_agent(db, tmp_path, [call("get_order_details", order_id=order_id)] * 2)
    reply = agent.respond("s1", f"Hi! Where is my order {order_id}? My email is {email_of(db, customer_id)}")
    assert "email" not in reply.text.lower() and "**processed**" in reply.text and len(model.prompts) == 1
    chinese = agent.respond("zh1", f"你好！我的订单 {order_id} 到哪里了？我的邮箱是 {email_of(db, customer_id)}")
    assert "邮箱" not in chinese.text and "已处理" in chinese.text


def test_a_status_question_is_answered_from_the_lookup_without_another_model_call(db, tmp_path):
    order_id, customer_id = find_order(db, "processed")
    agent, model = scripted_agent(db, tmp_path, [call("find_user_id_by_email", email=email_of(db, customer_id)),
                                                  call("get_order_details", order_id=order_id)])
    reply = agent.respond("s1", f"What's the status of {order_id}? My email is {email_of(db, customer_id)}")
    assert len(model.prompts) == 2 and not model.steps
    assert order_id in reply.text and "**processed**" in reply.text and "Tracking number:" in reply.text


def test_a_general_question_is_answered_with_the_cited_passage_without_a_model_call(db, tmp_path, knowledge):
    agent, model = scripted_agent(db, tmp_path, ["never used"], knowledge=knowledge)
    reply = agent.respond("s1", "How long do I have to return something?")
    assert model.prompts == [] and model.steps == ["never used"]
    assert "30 days" in reply.text and "\n\nSources: [" in reply.text and reply.citations
    history = agent.messages("s1")
    assert [m.type for m in history] == ["human", "ai", "tool", "ai"] and history[-1].name == "kefu"
    chinese = agent.respond("s2", "退货期限是多久？")
    assert re.search(r"[\u4e00-\u9fff]", chinese.text.split("\n\nSources:")[0]) and chinese.citations
    assert model.prompts == []


def test_a_question_for_a_person_is_not_answered_from_the_knowledge_base(db, tmp_path, knowledge):
    agent, model = scripted_agent(db, tmp_path, [call("transfer_to_human_agents", summary="wants a person")],
                                  knowledge=knowledge)
    agent.respond("s1", "Can I talk to a human?")
    names = [getattr(m, "name", None) for m in agent.messages("s1") if m.type == "tool"]
    assert names == ["transfer_to_human_agents"] and model.prompts == []  # handed over in code, no passages


def test_the_model_answers_from_the_passages_when_configured(db, tmp_path, knowledge):
    ask = "Could you give me your email address so I can verify your identity?"
    agent, model = scripted_agent(db, tmp_path, [ask, ask], knowledge=knowledge, knowledge_answer="model")
    reply = agent.respond("s1", "How long do I have to return something?")
    first_prompt = model.prompts[0]
    assert first_prompt[-1].type == "tool" and first_prompt[-1].name == "search_knowledge"
    assert first_prompt[-2].name == "kefu"  # kefu's own step: fine-tuning never trains on it
    assert model.prompts[1][-1].type == "system"  # the reminder to answer from the passages
    assert "30 days" in reply.text and "[1]" in reply.text and "\n\nSources: [1] " in reply.text
    assert reply.citations and "email" not in reply.text
