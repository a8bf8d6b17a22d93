"""Which tools the model is offered, from the conversation's state and the shopper's own words, and argument repair."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

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
    # What happened and what the shopper does not want ask for nothing: the request is what is left.
    ("Plans changed, so I want that order stopped before it ships.", {"cancel_pending_order"}),
    ("No, I don't want to change how I pay for that order. I want to cancel it.", {"cancel_pending_order"}),
    ("不想改付款方式，我要取消这单", {"cancel_pending_order"}),
    ("No, I don't want to exchange items from that order. I want to return items from that order.",
     {"return_delivered_order_items"}),
    ("把订单里的键盘改成同款但轴体是线性的，差价用我的 PayPal 结算。",
     {"modify_pending_order_items", "exchange_delivered_order_items"}),  # a price difference is an item swap's
    ("茶壶和水杯那单还没发，想改寄到公司：美国 TX 州 Dallas 市 2100 Ross Avenue，Suite 900，邮编 75201。",
     {"modify_pending_order_address"}),  # an order going elsewhere, not the account's address
    ("Fix the address on all my orders and my user address too.",
     {"modify_pending_order_address", "modify_user_address"}),
    ("I'd like the 30-50 lb set instead, still iron. Any refund or charge goes on my gift card.",
     {"modify_pending_order_items", "exchange_delivered_order_items"}),  # money either way: an item swap
    # Beside a return, a size only says which item goes back.
    ("Keep the red helmet; the blue one in size L is going back. Refund it to my Mastercard.",
     {"return_delivered_order_items"}),
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
