"""A session reaches only the data of the customer it authenticated, and nothing before that."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assistant.db import Conversation
from assistant.tools import ToolRunner
from tests.conftest import find_order, login, order_state

CUSTOMER_READS = {
    "get_user_details": {"user_id": "noah_brown_6181"},
    "get_order_details": {"order_id": "#W7678072"},
    "track_shipment": {"order_id": "#W7678072"},
}


@pytest.mark.parametrize("name,args", CUSTOMER_READS.items())
def test_customer_data_needs_authentication(db, name, args):
    result = ToolRunner(db, "anonymous").call(name, args)
    assert result.error.startswith("Authentication required")


def test_writes_need_authentication_and_change_nothing(db):
    order_id, _ = find_order(db, "pending")
    before = order_state(db, order_id)
    result = ToolRunner(db, "anonymous").call("cancel_pending_order", {"order_id": order_id,
                                                                       "reason": "no longer needed"})
    assert result.error.startswith("Authentication required") and result.pending_action_id is None
    assert order_state(db, order_id) == before


def test_catalog_is_public(db):
    runner = ToolRunner(db, "anonymous")
    assert runner.call("get_product_details", {"product_id": "9523456873"}).output["name"] == "T-Shirt"
    assert "T-Shirt" in runner.call("list_all_product_types").output


def test_session_cannot_read_another_customers_order(db):
    runner = login(db, "noah_brown_6181")
    foreign_order, owner = find_order(db, "delivered")
    assert owner != "noah_brown_6181"
    result = runner.call("get_order_details", {"order_id": foreign_order})
    assert result.error == "Access denied: this order does not belong to the authenticated customer"
    assert foreign_order not in result.error  # the error never echoes another customer's ids
    assert runner.call("get_user_details", {"user_id": owner}).error.startswith("Access denied")


def test_session_cannot_change_another_customers_order(db):
    foreign_order, owner = find_order(db, "pending")
    runner = login(db, "noah_brown_6181")
    before = order_state(db, foreign_order)
    result = runner.call("cancel_pending_order", {"order_id": foreign_order, "reason": "no longer needed"})
    assert result.error.startswith("Access denied") and result.pending_action_id is None
    assert order_state(db, foreign_order) == before


def test_session_cannot_switch_customer(db):
    runner = login(db, "noah_brown_6181")
    result = runner.call("find_user_id_by_name_zip", {"first_name": "Yusuf", "last_name": "Rossi", "zip": "19122"})
    assert result.error.startswith("This session is already authenticated as another customer")
    assert runner.call("get_user_details", {"user_id": "noah_brown_6181"}).error is None


def test_authentication_lasts_for_the_session_only(db):
    login(db, "noah_brown_6181", session_id="kept")
    assert ToolRunner(db, "kept").call("get_user_details", {"user_id": "noah_brown_6181"}).error is None
    assert ToolRunner(db, "other").call("get_user_details", {"user_id": "noah_brown_6181"}).error is not None
    with db.session() as session:
        assert session.scalar(select(Conversation.customer_id).where(Conversation.id == "kept")) == "noah_brown_6181"


def test_failed_lookup_does_not_authenticate(db):
    runner = ToolRunner(db, "s")
    assert runner.call("find_user_id_by_email", {"email": "nobody@example.com"}).error == "User not found"
    assert runner.call("get_user_details", {"user_id": "noah_brown_6181"}).error.startswith("Authentication")


def test_staff_can_act_for_a_customer_and_it_is_audited(db):
    from assistant.db import AuditLog

    runner = ToolRunner(db, "staff-session", actor="staff:alice")
    runner.act_as_customer("noah_brown_6181")
    assert runner.call("get_user_details", {"user_id": "noah_brown_6181"}).error is None
    with db.session() as session:
        entry = session.scalars(select(AuditLog).where(AuditLog.action == "act_as_customer")).one()
        assert (entry.actor, entry.customer_id) == ("staff:alice", "noah_brown_6181")


def test_shopper_cannot_act_as_customer(db):
    from assistant.errors import ToolError

    with pytest.raises(ToolError, match="Only staff"):
        ToolRunner(db, "s").act_as_customer("noah_brown_6181")


def test_an_email_that_finds_no_one_is_asked_again_in_plain_words(db, tmp_path):
    from assistant.dialogue.replies import reply
    from assistant.evaluation.scripted_model import call
    from tests.agent_helpers import scripted_agent

    agent, model = scripted_agent(db, tmp_path, [])  # kefu identifies and answers without a model call
    answer = agent.respond("n1", "Please cancel my order. My email is nobody.here@example.com")
    assert answer.text == reply("not_identified", "en") and model.prompts == []
    agent, model = scripted_agent(db, tmp_path, [call("find_user_id_by_name_zip", first_name="No", last_name="One",
                                                      zip="00000")])
    answer = agent.respond("n2", "我想退货，No One，00000")  # no "my name is": the model makes the lookup
    assert answer.text == reply("not_identified", "zh") and len(model.prompts) == 1
