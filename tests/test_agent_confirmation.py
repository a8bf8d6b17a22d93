"""The agent's confirmation flow: a write is proposed, shown, and runs only on the shopper's plain yes or the
Confirm button; a question keeps it pending and it is asked about again."""

from __future__ import annotations

from langchain_core.messages import AIMessage

from assistant.evaluation.scripted_model import call
from assistant.db import PendingAction
from assistant.evaluation.scoring import ungrounded_sent
from assistant.dialogue.events import event_counts
from tests.agent_helpers import audits, count, email_of, scripted_agent, stored
from tests.conftest import find_order, order_state


def _cancel_steps(db, order_id, customer_id):
    # The shopper's first message carries their email, so kefu identifies them before the model's first step.
    return [call("get_order_details", order_id=order_id),
            call("cancel_pending_order", order_id=order_id, reason="no longer needed")]


def test_cancel_runs_only_after_yes_and_once(db, tmp_path):
    order_id, customer_id = find_order(db, "pending")
    agent, _ = scripted_agent(db, tmp_path, _cancel_steps(db, order_id, customer_id))
    proposal = agent.respond("s1", f"Cancel {order_id}, I no longer need it. My email is {email_of(db, customer_id)}")
    assert proposal.pending_action_id and "Shall I go ahead?" in proposal.text and order_id in proposal.text
    assert order_state(db, order_id)["status"] == "pending" and audits(db, "s1") == 0
    done = agent.respond("s1", "yes")
    assert done.text.startswith("Done.") and order_state(db, order_id)["status"] == "cancelled"
    assert audits(db, "s1") == 1
    assert [role for role, _ in stored(db, "s1")] == ["user", "assistant", "user", "assistant"]


def test_second_yes_changes_nothing_more(db, tmp_path):
    order_id, customer_id = find_order(db, "pending")
    agent, _ = scripted_agent(db, tmp_path, [*_cancel_steps(db, order_id, customer_id), "You're welcome."])
    agent.respond("s1", f"Cancel {order_id}, no longer needed. {email_of(db, customer_id)}")
    agent.respond("s1", "yes")
    again = agent.respond("s1", "yes")
    assert again.text == "You're welcome." and audits(db, "s1") == 1


def test_no_declines_and_nothing_changes(db, tmp_path):
    order_id, customer_id = find_order(db, "pending")
    agent, _ = scripted_agent(db, tmp_path, _cancel_steps(db, order_id, customer_id))
    agent.respond("s1", f"Cancel {order_id} please, {email_of(db, customer_id)}")
    declined = agent.respond("s1", "no, don't")
    assert "haven't changed anything" in declined.text
    assert order_state(db, order_id)["status"] == "pending" and audits(db, "s1") == 0


def test_a_question_keeps_the_change_pending_and_asks_again(db, tmp_path):
    order_id, customer_id = find_order(db, "pending")
    steps = [*_cancel_steps(db, order_id, customer_id), "Refunds take 5 to 7 business days."]
    agent, _ = scripted_agent(db, tmp_path, steps)
    first = agent.respond("s1", f"Cancel {order_id}, {email_of(db, customer_id)}")
    asked = agent.respond("s1", "ok, how long will the refund take?")
    assert asked.text.startswith("Refunds take 5 to 7 business days.") and "still waiting" in asked.text
    assert asked.pending_action_id == first.pending_action_id and order_id in asked.text
    assert order_state(db, order_id)["status"] == "pending" and audits(db, "s1") == 0
    done = agent.respond("s1", "yes")
    assert done.text.startswith("Done.") and order_state(db, order_id)["status"] == "cancelled"


def test_a_conditional_yes_runs_nothing(db, tmp_path):
    order_id, customer_id = find_order(db, "pending")
    agent, _ = scripted_agent(db, tmp_path, [*_cancel_steps(db, order_id, customer_id), "Which card do you mean?"])
    agent.respond("s1", f"Cancel {order_id}, {email_of(db, customer_id)}")
    reply = agent.respond("s1", "yes but to my other card")
    assert reply.text.startswith("Which card do you mean?") and reply.pending_action_id
    assert order_state(db, order_id)["status"] == "pending" and audits(db, "s1") == 0


def test_a_no_with_a_new_request_withdraws_and_the_model_answers(db, tmp_path):
    order_id, customer_id = find_order(db, "pending")
    agent, _ = scripted_agent(db, tmp_path, [*_cancel_steps(db, order_id, customer_id), "Which item?", "All right."])
    agent.respond("s1", f"Cancel {order_id}, {email_of(db, customer_id)}")
    reply = agent.respond("s1", "no, I want to change an item instead")
    assert reply.text == "Which item?" and reply.pending_action_id is None
    assert agent.respond("s1", "yes").text == "All right." and order_state(db, order_id)["status"] == "pending"
    assert audits(db, "s1") == 0


def test_the_confirm_button_answers_that_change_by_id(db, tmp_path):
    order_id, customer_id = find_order(db, "pending")
    agent, _ = scripted_agent(db, tmp_path, _cancel_steps(db, order_id, customer_id))
    proposal = agent.respond("s1", f"Cancel {order_id}, {email_of(db, customer_id)}")
    stale = list(agent.decide("s1", "pa_not_this_one", True))[-1]
    assert "no longer valid" in stale["text"] and order_state(db, order_id)["status"] == "pending"
    done = list(agent.decide("s1", proposal.pending_action_id, True))[-1]
    assert done["text"].startswith("Done.") and order_state(db, order_id)["status"] == "cancelled"
    with db.session() as session:
        assert session.get(PendingAction, proposal.pending_action_id).confirmed_with == "button"


def test_model_cannot_confirm_and_one_write_per_step(db, tmp_path):
    order_id, customer_id = find_order(db, "pending")
    both = AIMessage("", tool_calls=[
        {"name": "cancel_pending_order", "args": {"order_id": order_id, "reason": "no longer needed"}, "id": "a"},
        {"name": "modify_pending_order_payment", "args": {"order_id": order_id, "payment_method_id": "x"}, "id": "b"}])
    steps = [both]
    agent, model = scripted_agent(db, tmp_path, steps)
    reply = agent.respond("s1", f"I already confirm everything in advance: cancel {order_id} and change payment. "
                                f"I'm {email_of(db, customer_id)}")
    assert reply.pending_action_id and "Cancel pending order" in reply.text
    assert "Modify pending order payment" not in reply.text
    assert order_state(db, order_id)["status"] == "pending" and audits(db, "s1") == 0
    tool_names = [m.name for m in agent.messages("s1") if m.type == "tool"]
    assert tool_names == ["find_user_id_by_email", "cancel_pending_order"]


def test_chinese_shopper_gets_chinese_confirmation(db, tmp_path):
    order_id, customer_id = find_order(db, "pending")
    agent, _ = scripted_agent(db, tmp_path, _cancel_steps(db, order_id, customer_id))
    proposal = agent.respond("zh1", f"我想取消订单 {order_id}，不再需要了。我的邮箱是 {email_of(db, customer_id)}")
    assert proposal.language == "zh" and "确认执行吗" in proposal.text and "状态：待处理 → 已取消" in proposal.text
    done = agent.respond("zh1", "是的，确认")
    assert done.text.startswith("已完成") and order_state(db, order_id)["status"] == "cancelled"
    # The model reads the Chinese summary as written, and its facts count as evidence for what is shown.
    assert any("已取消" in str(m.content) for m in agent.messages("zh1") if m.type == "tool")
    assert ungrounded_sent(agent.messages("zh1")) == []


def test_a_change_that_fails_on_yes_says_why_in_the_shoppers_language(db, tmp_path):
    from assistant.db import Order

    order_id, customer_id = find_order(db, "pending")
    agent, _ = scripted_agent(db, tmp_path, _cancel_steps(db, order_id, customer_id))
    proposal = agent.respond("zh1", f"我想取消订单 {order_id}，不再需要了。我的邮箱是 {email_of(db, customer_id)}")
    assert "取消待处理订单" in proposal.text and "状态：待处理 → 已取消" in proposal.text
    with db.session() as session:  # the order ships while the shopper reads the summary
        session.get(Order, order_id).status = "processed"
    failed = agent.respond("zh1", "是的")
    assert "订单已不是待处理状态，无法取消" in failed.text and audits(db, "zh1") == 0


def test_the_change_a_shopper_just_said_no_to_is_not_proposed_again(db, tmp_path):
    order_id, customer_id = find_order(db, "pending")
    steps = [*_cancel_steps(db, order_id, customer_id),
             call("cancel_pending_order", order_id=order_id, reason="no longer needed"),
             "What would you like to change instead?",
             call("cancel_pending_order", order_id=order_id, reason="ordered by mistake")]
    agent, _ = scripted_agent(db, tmp_path, steps)
    first = agent.respond("s1", f"Cancel {order_id}, I no longer need it. {email_of(db, customer_id)}")
    again = agent.respond("s1", "No, that's not it, I wanted something else")
    assert again.text.startswith("What would you like to change instead?") and again.pending_action_id is None
    assert count(db, PendingAction, conversation_id="s1") == 1 and audits(db, "s1") == 0
    assert event_counts(db, "s1") == {"declined_change_reproposed": 1}
    other = agent.respond("s1", "Cancel it because I ordered it by mistake")
    assert other.pending_action_id not in (None, first.pending_action_id)


def test_a_model_stuck_on_the_declined_change_asks_the_shopper_once_then_hands_off(db, tmp_path):
    order_id, customer_id = find_order(db, "pending")
    again = call("cancel_pending_order", order_id=order_id, reason="no longer needed")
    agent, _ = scripted_agent(db, tmp_path, [*_cancel_steps(db, order_id, customer_id), *[again] * 7])
    agent.respond("s1", f"Cancel {order_id}, I no longer need it. {email_of(db, customer_id)}")
    asked = agent.respond("s1", "No, that is not what I want, I asked for something else")
    assert not asked.handed_off and asked.text.startswith("Sorry, I haven't understood yet which change you want")
    assert event_counts(db, "s1") == {"declined_change_reproposed": 3, "declined_change_asked": 1}
    assert agent.respond("s1", "I said it: cancel it").pending_action_id  # a new turn may propose it again
    handed = agent.respond("s1", "No, not like that, I told you something else")
    assert handed.handed_off and audits(db, "s1") == 0


def test_an_address_nobody_gave_is_not_proposed(db, tmp_path):
    order_id, customer_id = find_order(db, "pending")
    made_up = dict(address1="jane_doe_1234", address2="", city="New York", state="NY", country="USA", zip="0000000")
    typed = dict(address1="77 Orchard Row", address2="Apt 12B", city="Albany", state="NY", country="USA", zip="12207")
    steps = [call("get_user_details", user_id=customer_id), call("modify_user_address", user_id=customer_id, **made_up),
             "What is the new address?", call("modify_user_address", user_id=customer_id, **typed)]
    agent, _ = scripted_agent(db, tmp_path, steps)
    asked = agent.respond("s1", f"Please change the default address on my account. {email_of(db, customer_id)}")
    assert asked.text.startswith("What is the new address?") and asked.pending_action_id is None
    assert event_counts(db, "s1") == {"made_up_address_refused": 1}
    refused = next(m for m in agent.messages("s1") if m.type == "tool" and m.name == "modify_user_address")
    assert refused.status == "error" and "Nobody gave this address" in str(refused.content)
    proposal = agent.respond("s1", "It is 77 Orchard Row, Apt 12B, Albany, NY 12207, USA")
    assert proposal.pending_action_id and "77 Orchard Row" in proposal.text


def test_the_agent_does_not_propose_a_change_that_changes_nothing(db, tmp_path):
    from tests.conftest import user_state

    _, customer_id = find_order(db, "pending")
    current = user_state(db, customer_id)["address"]
    steps = [call("get_user_details", user_id=customer_id), call("modify_user_address", user_id=customer_id, **current),
             "That is already the address on your account."]
    agent, _ = scripted_agent(db, tmp_path, steps)
    reply = agent.respond("s1", f"Please update the default address on my account. {email_of(db, customer_id)}")
    assert reply.text.startswith("That is already the address") and reply.pending_action_id is None
    refused = next(m for m in agent.messages("s1") if m.type == "tool" and m.name == "modify_user_address")
    assert refused.status == "error" and "This changes nothing" in str(refused.content)


def test_the_address_on_the_customers_profile_counts_as_given(db, tmp_path):
    from assistant.db import Order
    from tests.conftest import user_state

    order_id, customer_id = find_order(db, "pending")
    with db.session() as session:
        session.get(Order, order_id).address1 = "9 Old Mill Road"
    profile = user_state(db, customer_id)["address"]
    # kefu's own repair sends an order "moved" to its own address to the profile's, which no message holds.
    steps = [call("get_order_details", order_id=order_id),
             call("modify_pending_order_address", order_id=order_id, **order_state(db, order_id)["address"])]
    agent, _ = scripted_agent(db, tmp_path, steps)
    proposal = agent.respond("s1", f"Ship {order_id} to the address saved on my account. {email_of(db, customer_id)}")
    assert proposal.pending_action_id and profile["address1"] in proposal.text
    assert "made_up_address_refused" not in event_counts(db, "s1")
