"""Which tools the model is offered, from the conversation's state and the shopper's own words, and argument repair."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from assistant.dialogue.argument_repair import repaired_arguments
from assistant.dialogue.intents import requested_writes
from assistant.dialogue.knowledge_first import is_general_question, passage_answer
from assistant.dialogue.order_answer import order_summary
from assistant.dialogue.tool_scope import answered_orders, named_orders, offered_tools

WRITES = {"cancel_pending_order", "modify_pending_order_items", "modify_pending_order_address",
          "modify_pending_order_payment", "return_delivered_order_items", "exchange_delivered_order_items",
          "modify_user_address"}


@pytest.mark.parametrize("text, expected", [
    ("I want to cancel order #W1234567 because it is no longer needed.", {"cancel_pending_order"}),
    ("Please cnacel my order", {"cancel_pending_order"}),  # one swapped pair of letters
    ("我想取消订单 #W1234567", {"cancel_pending_order"}),
    ("Please halt order #W1234567 before it ships.", {"cancel_pending_order"}),
    ("帮我把 #W1234567 撤单吧", {"cancel_pending_order"}),
    ("I want to return the Backpack, refunded to my gift card.", {"return_delivered_order_items"}),
    ("我想退回订单里的 Blender，退款到 gift_card_8510287。", {"return_delivered_order_items"}),
    ("I want to pay for order #W1 with credit_card_1 instead.", {"modify_pending_order_payment"}),
    ("Please return the lamp from order #W7654321 to my PayPal.", {"return_delivered_order_items"}),
    ("I moved, please update my address.", {"modify_pending_order_address", "modify_user_address"}),
    ("Can I swap my T-shirt for another size?", {"modify_pending_order_items", "exchange_delivered_order_items"}),
    ("I want the tracking number of order #W1234567.", set()),
    ("我想知道订单 #W1234567 现在是什么状态。", set()),
    ("What was I charged, all told, for the purchase with the blender?", set()),  # a cost, not a payment change
    ("How much did we pay for #W1234567? We'd like to use PayPal instead.", {"modify_pending_order_payment"}),
    ("And how much will the refund come to?", set()),  # a question about a return, not a request for one
    ("退款金额是多少？", set()),
    ("What I want is a refund for the kettle.", {"return_delivered_order_items"}),
    ("What will my refund be?", set()),
    ("I'd like to return the kettle; what is the total refund?", {"return_delivered_order_items"}),
    ("我要退货，一共能退多少钱？", {"return_delivered_order_items"}),
])
def test_requested_writes_reads_the_shoppers_request(text, expected):
    assert requested_writes([text]) == expected


def test_a_later_question_about_a_cost_keeps_an_earlier_payment_change():
    wanted = requested_writes(["Please move order #W1234567 onto my PayPal.", "And how much did I pay for it?"])
    assert wanted == {"modify_pending_order_payment"}


def test_an_unnamed_change_offers_every_change_but_no_cancel_or_return():
    wanted = requested_writes(["I need to change something on order #W1234567"])
    assert "modify_pending_order_items" in wanted and "cancel_pending_order" not in wanted
    assert "return_delivered_order_items" not in wanted


def _identified(*said: str, orders: tuple[dict, ...] = ()) -> list:
    messages = [HumanMessage(text) for text in said]
    messages += [AIMessage("", tool_calls=[{"name": "find_user_id_by_email", "args": {}, "id": "a"}]),
                 ToolMessage("jane_doe_1", tool_call_id="a", name="find_user_id_by_email")]
    for index, order in enumerate(orders):
        messages += [AIMessage("", tool_calls=[{"name": "get_order_details", "args": {}, "id": f"o{index}"}]),
                     ToolMessage(json.dumps(order), tool_call_id=f"o{index}", name="get_order_details")]
    return messages


def test_before_identification_only_open_tools_and_identification_with_typed_values():
    offered = offered_tools([HumanMessage("Where is my order #W1234567?")])
    assert not offered & WRITES and "get_order_details" not in offered
    assert "search_knowledge" in offered and "transfer_to_human_agents" in offered
    assert not offered & {"find_user_id_by_email", "find_user_id_by_name_zip"}  # nothing typed to look up yet
    typed = offered_tools([HumanMessage("Where is #W1234567?"), HumanMessage("I'm jane@example.com")])
    assert "find_user_id_by_email" in typed and "find_user_id_by_name_zip" not in typed


def test_write_tools_fit_both_the_request_and_the_orders_status():
    pending = {"order_id": "#W1234567", "status": "pending"}
    delivered = {"order_id": "#W1234567", "status": "delivered"}
    cancel = "Cancel order #W1234567 please, I ordered it by mistake"
    assert offered_tools(_identified(cancel, orders=(pending,))) & WRITES == {"cancel_pending_order"}
    assert not offered_tools(_identified(cancel, orders=(delivered,))) & WRITES
    exchange = "I want to exchange the shoes in order #W1234567 for another size"
    assert offered_tools(_identified(exchange, orders=(delivered,))) & WRITES == {"exchange_delivered_order_items"}
    # An order the shopper named but nobody looked up yet may have any status.
    assert offered_tools(_identified(cancel)) & WRITES == {"cancel_pending_order"}


def test_lookups_need_an_order_named_and_identification_is_not_offered_twice():
    offered = offered_tools(_identified("I moved; change my account's address to 1 Main St"))
    assert offered & WRITES == {"modify_user_address"}
    assert "get_order_details" not in offered and "get_user_details" in offered
    assert "find_user_id_by_email" not in offered


def test_a_status_question_is_answered_by_its_lookup_and_passages_leave_no_tools():
    order = {"order_id": "#W1234567", "status": "processed", "items": [{"name": "Lamp", "item_id": "1", "price": 30.5},
                                                                      {"name": "Mug", "item_id": "2", "price": 1200}],
             "fulfillments": [{"tracking_id": ["884195572956"], "item_ids": ["1"]}],
             "payment_history": [{"transaction_type": "payment", "amount": 1230.5},
                                 {"transaction_type": "refund", "amount": 30.5}]}
    messages = _identified("What's the status of order #W1234567?", orders=(order,))
    assert answered_orders(messages) == [order]
    assert not answered_orders(_identified("Cancel order #W1234567", orders=(order,)))
    text = order_summary(order, "zh")
    assert "#W1234567" in text and "processed（" in text and "884195572956" in text
    assert "订单金额：$1,230.50" in text and "已付款：$1,230.50" in text and "已退款：$30.50" in text
    english = order_summary(order, "en")
    assert "- Mug (2): $1,200.00" in english and "Order total: $1,230.50" in english and "Refunded: $30.50" in english
    assert "Paid" not in order_summary({**order, "payment_history": []}, "en")
    returning = order_summary({**order, "return_items": ["2"]}, "en")
    assert "Being returned: $1,200.00" in returning and "Items kept: $30.50" in returning
    assert "Items kept" not in english
    searched = [HumanMessage("How long do refunds take?"),
                AIMessage("", tool_calls=[{"name": "search_knowledge", "args": {"query": "q"}, "id": "k"}]),
                ToolMessage("[1] (faq.md › Refunds)\nFive days.", tool_call_id="k", name="search_knowledge")]
    assert offered_tools(searched) == set()


def test_general_questions_and_the_passage_excerpt():
    assert is_general_question("How long do I have to return something?")
    assert is_general_question("退款到信用卡需要多久？")
    assert not is_general_question("Where is order #W1234567?")
    assert not is_general_question("I want to cancel my order.")
    assert not is_general_question("Can I speak to a human?") and not is_general_question("能转人工吗？")
    # The shopper's own order, picked out without its id, is an account question; "my order" alone stays a policy one.
    assert not is_general_question("How much did I pay for the one with the desk lamp?")
    assert not is_general_question("有台灯的那一单花了多少钱？")
    assert is_general_question("Can I cancel my order?") and is_general_question("Will it cost me anything to return?")
    passages = ("[1] (faq.md › FAQ > Returns > How long?)\nFAQ > Returns > How long?\n30 days from delivery.\n\n"
                "[2] (faq.zh.md › 常见问题 > 退货)\n常见问题 > 退货\n自签收起 30 天内可退货。")
    assert passage_answer(passages, "en") == "30 days from delivery. [1]"
    assert passage_answer(passages, "zh") == "自签收起 30 天内可退货。 [2]"
    assert passage_answer("No passages found.", "en") is None


def test_identification_values_come_from_what_the_shopper_typed():
    said = [HumanMessage("My email is kenneth.duncan7422@example.com."), HumanMessage("zip is 31481")]
    garbled = "[kenneth.duncan742275988888888888888888"
    assert repaired_arguments("find_user_id_by_email", {"email": garbled}, said) == {
        "email": "kenneth.duncan7422@example.com"}
    assert repaired_arguments("find_user_id_by_name_zip", {"first_name": "K", "last_name": "D", "zip": "3148"},
                              said)["zip"] == "31481"
    exact = {"email": "kenneth.duncan7422@example.com"}
    assert repaired_arguments("find_user_id_by_email", exact, said) == exact
    assert repaired_arguments("find_user_id_by_email", {"email": "x@y.com"}, [HumanMessage("hi")]) == {
        "email": "x@y.com"}  # nothing typed: nothing to copy from, the tool reports it unknown
    assert repaired_arguments("find_user_id_by_name_zip", {"first_name": " Colin", "last_name": " Thomas",
                                                           "zip": "31481"}, said) == {
        "first_name": "Colin", "last_name": "Thomas", "zip": "31481"}
    assert repaired_arguments("return_delivered_order_items", {"item_ids": [" 1234567890"]}, said) == {
        "item_ids": ["1234567890"]}


@pytest.mark.parametrize(("said", "reason"), [
    ("Cancel #W1234567, I hit the buy button by accident", "ordered by mistake"),
    ("请取消这个订单，我买错颜色了", "ordered by mistake"),
    ("Cancel #W1234567, I don't need it anymore", "no longer needed"),
    ("没错，帮我取消，用不上了", "no longer needed"),  # "没错" is "that's right", not a mistake
])
def test_a_cancellation_said_to_be_a_mistake_gets_that_reason(said, reason):
    call = {"order_id": "#W1234567", "reason": "no longer needed"}
    assert repaired_arguments("cancel_pending_order", call, [HumanMessage(said)])["reason"] == reason


@pytest.mark.parametrize(("reason", "said", "fixed"), [
    ("ordered twice by accident", "The blue one is the one I want dropped", "ordered by mistake"),
    ("changed my mind", "Cancel #W1234567, I don't need it anymore", "no longer needed"),
    (None, "Cancel #W1234567 please", None),  # no reason given: the call fails as written
])
def test_a_reason_in_the_models_own_words_becomes_one_the_tool_takes(reason, said, fixed):
    call = {"order_id": "#W1234567", "reason": reason}
    assert repaired_arguments("cancel_pending_order", call, [HumanMessage(said)])["reason"] == fixed


def test_calls_drop_arguments_no_tool_takes_but_a_write_keeps_those_of_another_write():
    assert repaired_arguments("track_shipment", {"order_id": "#W1", "item_ids": ["1"]}, []) == {"order_id": "#W1"}
    write = {"order_id": "#W1", "item_ids": ["1"]}
    assert repaired_arguments("cancel_pending_order", write, []) == write  # mixed up with a return: it fails
    address = {"order_id": "#W1234567", "address1": "1 Main St", "city": "Austin", "zip": "78701"}
    said = [HumanMessage("1 Main St, Austin 78701")]
    assert repaired_arguments("modify_pending_order_address", address | {"phone": "555", "address3": ""},
                              said) == address
    listed = {"order_id": "#W1234567 | pending | Desk Lamp (black, low, USB)", "reason": "no longer needed"}
    assert repaired_arguments("cancel_pending_order", listed, [])["order_id"] == "#W1234567"


def test_orders_are_named_with_or_without_their_hash():
    assert named_orders(["Where is W1234567?", "and #W7654321"]) == {"#W1234567", "#W7654321"}


def test_context_editing_never_widens_the_offered_tools():
    from langchain.agents.middleware import ClearToolUsesEdit, ModelRequest

    from assistant.dialogue.tool_scope import ToolScopeMiddleware
    from assistant.evaluation.scripted_model import ScriptedChatModel
    from assistant.dialogue.model_tools import model_tools

    record = {"order_id": "#W1234567", "status": "delivered", "items": []}
    messages = [HumanMessage("I need to change something about #W1234567. ann@example.com"),
                AIMessage("", tool_calls=[{"name": "find_user_id_by_email", "args": {"email": "ann@example.com"},
                                           "id": "c1"}]),
                ToolMessage("ann_lee_1", tool_call_id="c1", name="find_user_id_by_email"),
                AIMessage("", tool_calls=[{"name": "get_order_details", "args": {"order_id": "#W1234567"},
                                           "id": "c2"}]),
                ToolMessage(json.dumps(record), tool_call_id="c2", name="get_order_details"),
                HumanMessage("the lamp in it")]
    edited = [m.model_copy() for m in messages]
    ClearToolUsesEdit(trigger=0, keep=0).apply(edited, count_tokens=lambda ms: 10**6)
    assert "#W1234567" not in str(edited[4].content)  # the lookup's record is cleared from the model's copy
    seen = {}

    def handler(request):
        seen["tools"] = {t.name for t in request.tools}
        return AIMessage("ok")

    request = ModelRequest(model=ScriptedChatModel(), messages=edited, tools=model_tools(),
                           state={"messages": messages})
    ToolScopeMiddleware().wrap_model_call(request, handler)
    assert "exchange_delivered_order_items" in seen["tools"]  # a delivered order: no pending-order changes
    assert not seen["tools"] & {"modify_pending_order_items", "modify_pending_order_address",
                                "modify_pending_order_payment"}


def test_a_described_order_just_looked_up_answers_a_status_question():
    record = {"order_id": "#W7654321", "status": "processed", "items": [],
              "fulfillments": [{"tracking_id": ["123456789012"], "item_ids": []}]}
    messages = [HumanMessage("I need the tracking number for my order that already shipped."),
                AIMessage("", tool_calls=[{"name": "get_order_details", "args": {"order_id": "#W7654321"},
                                           "id": "c1"}]),
                ToolMessage(json.dumps(record), tool_call_id="c1", name="get_order_details")]
    assert answered_orders(messages) == [record]
    changing = [HumanMessage("I want to cancel my order that already shipped."), *messages[1:]]
    assert answered_orders(changing) == []  # a change is asked for: the model goes on


def test_address_fields_are_copied_from_the_conversation():
    said = [HumanMessage("Please send it to 9 Quarry Road, Unit 3, Tucson, AZ 85701, USA."),
            ToolMessage(json.dumps({"address": {"address1": "570 Main Street", "city": "Chicago"}}),
                        tool_call_id="c1", name="get_user_details")]
    garbled = {"order_id": "#W1", "address1": "9 Quary Rd", "address2": "Unit 3", "city": "Tucus", "state": "AZ",
               "country": "USA", "zip": "85710"}
    assert repaired_arguments("modify_pending_order_address", garbled, said) == garbled | {
        "address1": "9 Quarry Road", "city": "Tucson", "zip": "85701"}
    shifted = garbled | {"address1": "9", "address2": "Tucson", "city": "USA", "state": "USA"}  # pieces misplaced
    assert repaired_arguments("modify_pending_order_address", shifted, said) == garbled | {
        "address1": "9 Quarry Road", "city": "Tucson", "zip": "85701"}
    profile = {"user_id": "u", "address1": "570 Main Street", "address2": "", "city": "Chicago", "state": "IL",
               "country": "USA", "zip": "60627"}
    assert repaired_arguments("modify_user_address", profile, said) == profile  # the profile's own values stay
    invented = profile | {"address1": "123 Elm Street", "city": "Austin"}
    typed = {"address1": "9 Quarry Road", "address2": "Unit 3", "city": "Tucson", "state": "AZ", "zip": "85701"}
    assert repaired_arguments("modify_user_address", invented, said) == invented | typed  # the one address typed
    assert repaired_arguments("modify_user_address", invented, said[1:]) == invented  # none typed: left to the tools


def test_a_zip_code_that_is_not_five_digits_is_the_one_typed_with_the_street():
    said = [HumanMessage("I'm Ann Lee, zip 80280."), HumanMessage("Ship it to 7 Pier Lane, Boston, 02110 please.")]
    misread = {"order_id": "#W1", "address1": "7 Pier Lane", "address2": "02110", "city": "Boston", "state": "MA",
               "country": "USA", "zip": "7"}
    assert repaired_arguments("modify_pending_order_address", misread, said) == misread | {"address2": "",
                                                                                        "zip": "02110"}
    whole = misread | {"address2": "", "zip": "02110"}
    assert repaired_arguments("modify_pending_order_address", whole, said) == whole


def test_a_full_address_the_shopper_typed_is_read_in_code():
    from assistant.dialogue.typed_address import the_typed_address, typed_addresses

    assert typed_addresses("请把账户上的地址改成 41 Juniper Court, Madison, WI 53703, USA。") == [{
        "address1": "41 Juniper Court", "address2": "", "city": "Madison", "state": "WI", "country": "USA",
        "zip": "53703"}]
    assert typed_addresses("12 Main St, Suite 4, Austin, TX, 78701")[0]["address2"] == "Suite 4"
    assert typed_addresses("my zip is 12345 and my order is #W1234567") == []
    assert typed_addresses("我换了住处，地址改成：美国 TX 州 Austin 市 88 Cedar Street，Unit 2，邮编 78701。") == [{
        "address1": "88 Cedar Street", "address2": "Unit 2", "city": "Austin", "state": "TX", "country": "USA",
        "zip": "78701"}]
    assert typed_addresses("我住在 Austin 市，邮编是 78701") == []  # no street: not an address to ship to
    two = ["ship it to 1 Oak St, Austin, TX 78701", "or maybe 2 Elm St, Dallas, TX 75201"]
    assert the_typed_address(two, "") is None  # which one is meant is the shopper's to say
    assert the_typed_address(two[:1], '{"address1": "1 Oak St"}') is None  # the address it has already


def test_a_made_up_tool_name_becomes_the_known_tool_its_arguments_fit():
    from assistant.dialogue.argument_repair import repaired_name

    assert repaired_name("find_order_details", {"order_id": "#W1234567"}) == "get_order_details"
    items = {"order_id": "#W1234567", "item_ids": ["1"], "new_item_ids": ["2"], "payment_method_id": "paypal_1"}
    assert repaired_name("modify_order_details", items) == "modify_pending_order_items"
    assert repaired_name("cancel_order", {"order_id": "#W1234567", "reason": "ordered by mistake"}) == (
        "cancel_pending_order")
    assert repaired_name("Headphones", {}) == "Headphones"  # nothing alike: the call fails as written
    assert repaired_name("get_order_details", {"email": "a@b.c"}) == "get_order_details"
    # lacking a required argument: the tool with a name much alike that takes what the call has
    assert repaired_name("modify_order_address", {"order_id": "#W1234567"}) == "modify_pending_order_address"
    assert repaired_name("modify_order_address", {"order_id": "#W1", "address1": "1 Oak St"}) == (
        "modify_pending_order_address")
    assert repaired_name("modify_order_address", {"address1": "1 Oak St"}) == "modify_order_address"  # two alike


def test_a_return_given_new_items_follows_what_the_shopper_asked_for():
    from assistant.dialogue.argument_repair import repaired_name, untangled_write

    call = {"order_id": "#W1234567", "item_ids": ["1"], "new_item_ids": ["2"], "payment_method_id": "paypal_1"}
    name = "return_delivered_order_items"
    assert untangled_write(name, call, ["I'd like to exchange the lamp for a brighter one"]) == (
        "exchange_delivered_order_items", call)
    assert untangled_write(name, call, ["I want to return the lamp"])[1] == {
        key: value for key, value in call.items() if key != "new_item_ids"}
    both = untangled_write(name, call, ["return the bottle and exchange the lamp"])
    assert both == (name, {key: value for key, value in call.items() if key != "new_item_ids"})  # the name decides
    assert repaired_name("find_order_items", {"order_id": "#W1234567", "wanted": "black"}) == "find_item_variants"


def test_a_question_after_the_requested_change_ran_is_answered_from_the_lookup():
    record = {"order_id": "#W7654321", "status": "return requested", "items": [], "return_items": []}
    lookup = [AIMessage("", tool_calls=[{"name": "get_order_details", "args": {"order_id": "#W7654321"},
                                         "id": "c2"}]),
              ToolMessage(json.dumps(record), tool_call_id="c2", name="get_order_details")]
    proposal = '{"status": "awaiting_confirmation", "summary": "Return delivered order items for #W7654321"}'
    returned = [HumanMessage("Please return the lamp from order #W7654321 to my PayPal."),
                AIMessage("", tool_calls=[{"name": "return_delivered_order_items", "args": {}, "id": "c1"}]),
                ToolMessage(proposal, tool_call_id="c1", name="return_delivered_order_items"),
                AIMessage("Shall I go ahead?"), HumanMessage("yes"), AIMessage("Done.")]
    question = HumanMessage("What do the items I kept from #W7654321 come to?")
    assert answered_orders([*returned, question, *lookup]) == [record]
    also_swap = [HumanMessage("Return the lamp from #W7654321 and exchange the kettle for a red one."),
                 *returned[1:], question, *lookup]
    assert answered_orders(also_swap) == []  # the exchange asked for has not been taken up yet
    failed = [*returned[:2], ToolMessage("Error", tool_call_id="c1", name="return_delivered_order_items",
                                         status="error"), question, *lookup]
    assert answered_orders(failed) == []


def test_a_copied_street_takes_the_rest_of_its_address_but_not_over_what_the_shopper_typed():
    old = {"address1": "667 Highland Drive", "address2": "Suite 865", "city": "Denver", "country": "USA",
           "state": "CO", "zip": "80280"}
    new = {"address1": "101 Highway", "address2": "", "city": "New York", "country": "USA", "state": "NY",
           "zip": "10001"}
    messages = [HumanMessage("Change my address and my orders' to 101 Highway, New York, 10001."),
                ToolMessage(json.dumps({"user_id": "u", "address": old}), tool_call_id="c1", name="get_user_details"),
                ToolMessage(json.dumps({"order_id": "#W1", "address": new}), tool_call_id="c2",
                            name="modify_pending_order_address")]
    mixed = {"user_id": "u", **new, "city": "Denver", "state": "USA"}  # the new street with the old city
    assert repaired_arguments("modify_user_address", mixed, messages) == {"user_id": "u", **new}
    back = {"user_id": "u", **old, "address2": ""}
    assert repaired_arguments("modify_user_address", back, messages) == {"user_id": "u", **old}
    unit = [HumanMessage("Same street, but it is Suite 866, not 865."), *messages[1:]]
    moved = {"user_id": "u", **old, "address2": "Suite 866"}
    assert repaired_arguments("modify_user_address", moved, unit) == moved  # typed by the shopper: kept
