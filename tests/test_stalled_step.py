"""A model that stalls on a change kefu can propose (asks again who the shopper is, repeats a lookup, refuses twice)
has its draft replaced by that change, with the arguments filled in by the argument repair; the shopper confirms."""

from __future__ import annotations

from assistant.db import PendingAction
from assistant.dialogue.events import event_counts
from assistant.evaluation.scripted_model import call
from tests.agent_helpers import count, email_of, scripted_agent
from tests.conftest import find_order, order_state

ASKS_AGAIN = "Sure! To find your account, please tell me your email, or your name and zip code."


def test_asking_an_identified_shopper_again_becomes_the_cancellation_they_asked_for(db, tmp_path):
    order_id, customer_id = find_order(db, "pending")
    agent, model = scripted_agent(db, tmp_path, [ASKS_AGAIN])
    reply = agent.respond("s1", f"I bought {order_id} by accident, please cancel it. {email_of(db, customer_id)}")
    assert order_id in reply.text and "ordered by mistake" in reply.text  # the repair set the reason
    assert event_counts(db, "s1")["stalled_step_proposed"] == 1
    assert count(db, PendingAction, conversation_id="s1", status="pending") == 1
    assert order_state(db, order_id)["status"] == "pending"  # nothing changes before the shopper says yes
    agent.respond("s1", "yes")
    assert order_state(db, order_id)["status"] == "cancelled"


def test_a_repeated_lookup_becomes_the_return_of_the_item_the_shopper_named(db, tmp_path):
    order_id, customer_id = find_order(db, "delivered", min_items=2)
    item = order_state(db, order_id)["items"][0]
    lookup = call("get_order_details", order_id=order_id)
    agent, _ = scripted_agent(db, tmp_path, [lookup, lookup])
    reply = agent.respond("s1", f"I want to return the {item['name']} from {order_id}. {email_of(db, customer_id)}")
    assert event_counts(db, "s1")["stalled_step_proposed"] == 1
    assert item["item_id"] in reply.text or item["name"] in reply.text
    with db.session() as session:
        action = session.query(PendingAction).filter_by(conversation_id="s1").one()
        assert action.tool_name == "return_delivered_order_items" and action.arguments["item_ids"] == [item["item_id"]]


def test_nothing_is_proposed_when_more_than_one_change_fits_or_the_shopper_is_unknown(db, tmp_path):
    order_id, customer_id = find_order(db, "pending")
    agent, _ = scripted_agent(db, tmp_path, [ASKS_AGAIN, "What would you like to change?"])
    agent.respond("s1", f"I need to change something on {order_id}. {email_of(db, customer_id)}")
    assert "stalled_step_proposed" not in event_counts(db, "s1")
    stranger, _ = scripted_agent(db, tmp_path / "new", [ASKS_AGAIN])
    assert stranger.respond("s2", f"Please cancel {order_id}").text == ASKS_AGAIN
