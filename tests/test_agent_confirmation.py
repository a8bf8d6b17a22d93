"""The agent's confirmation flow: a write is proposed, shown, and runs only on the shopper's explicit yes."""

from __future__ import annotations

from langchain_core.messages import AIMessage

from assistant.evaluation.scripted_model import call
from tests.agent_helpers import audits, email_of, scripted_agent, stored
from tests.conftest import find_order, order_state


def _cancel_steps(db, order_id, customer_id):
    return [call("find_user_id_by_email", email=email_of(db, customer_id)),
            call("get_order_details", order_id=order_id),
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


def test_any_other_answer_cancels_the_proposal(db, tmp_path):
    order_id, customer_id = find_order(db, "pending")
    steps = [*_cancel_steps(db, order_id, customer_id), "Sure, what else would you like to know?", "Anything else?"]
    agent, _ = scripted_agent(db, tmp_path, steps)
    agent.respond("s1", f"Cancel {order_id}, {email_of(db, customer_id)}")
    agent.respond("s1", "Actually, how long does shipping take?")
    late_yes = agent.respond("s1", "yes")
    assert late_yes.text == "Anything else?"  # the model answered; no pending action was left to confirm
    assert order_state(db, order_id)["status"] == "pending" and audits(db, "s1") == 0


def test_model_cannot_confirm_and_one_write_per_step(db, tmp_path):
    order_id, customer_id = find_order(db, "pending")
    both = AIMessage("", tool_calls=[
        {"name": "cancel_pending_order", "args": {"order_id": order_id, "reason": "no longer needed"}, "id": "a"},
        {"name": "modify_pending_order_payment", "args": {"order_id": order_id, "payment_method_id": "x"}, "id": "b"}])
    steps = [call("find_user_id_by_email", email=email_of(db, customer_id)), both]
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
    assert proposal.language == "zh" and "确认执行吗" in proposal.text
    done = agent.respond("zh1", "是的，确认")
    assert done.text.startswith("已完成") and order_state(db, order_id)["status"] == "cancelled"
