"""A model stuck on a refused call gets kefu asking the shopper once, in their language, before a handoff."""

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from assistant.dialogue.stuck import after_refusal, stuck_reply
from assistant.dialogue.tool_execution import DECLINED_AGAIN

WRONG_REFUND = "Error: Payment method should be the original payment method"


def _error(content: str) -> ToolMessage:
    return ToolMessage(content, tool_call_id="c", name="return_delivered_order_items", status="error")


def _errors(turn) -> list[str]:
    return [str(m.content) for m in turn if isinstance(m, ToolMessage)]


def test_the_shops_refusal_twice_in_a_turn_is_put_to_the_shopper_once():
    turn = [AIMessage(""), _error(WRONG_REFUND), AIMessage(""), _error(WRONG_REFUND)]
    messages = [HumanMessage("return the tablet to my credit card"), *turn]
    event, text = stuck_reply(messages, _errors(turn), "en")
    assert event == "refusal_explained"
    assert text == "I couldn't do that: Payment method should be the original payment method. How would you like me " \
                   "to go on?"
    assert stuck_reply(messages, _errors(turn), "zh")[1] == "这项操作办不了：退款只能退回原支付方式或礼品卡。您希望怎么处理？"
    asked_already = [*messages, AIMessage(text), HumanMessage("to my card, please"), *turn]
    assert stuck_reply(asked_already, _errors(turn), "en") is None
    assert stuck_reply(messages, _errors(turn[:2]), "en") is None  # once is not stuck
    other = [_error("Error: return_delivered_order_items cannot be used now: look the order up first")] * 2
    assert stuck_reply([HumanMessage("x"), *other], _errors(other), "en") is None  # kefu's own guidance: no


def test_re_proposing_a_declined_change_asks_which_change_once():
    turn = [_error("Error: " + DECLINED_AGAIN)] * 3
    messages = [HumanMessage("No, not that order"), *turn]
    event, text = stuck_reply(messages, _errors(turn), "zh")
    assert event == "declined_change_asked" and "是哪一个订单" in text
    assert stuck_reply([*messages, AIMessage(text), HumanMessage("不对"), *turn], _errors(turn), "zh") is None


def test_a_reply_right_after_a_refused_change_is_kefus_own_account_of_the_refusal():
    garbled = AIMessage("I'm afraid I'm unable to access your account due to your account information.")
    balance = "Error: Insufficient gift card balance to pay for the order"
    messages = [HumanMessage("pay it with my gift card"), AIMessage(""), _error(balance), garbled]
    event, text = after_refusal(messages, "en")
    assert event == "refusal_explained" and "Insufficient gift card balance to pay for the order" in text
    assert "礼品卡余额不足以支付订单" in after_refusal(messages, "zh")[1]
    declined = [HumanMessage("No, cancel it instead"), AIMessage(""), _error("Error: " + DECLINED_AGAIN), garbled]
    assert after_refusal(declined, "en") is None  # kefu's guidance: the model asks what they want instead
    guidance = _error("Error: return_delivered_order_items cannot be used now: look the order up first")
    assert after_refusal([HumanMessage("x"), AIMessage(""), guidance, garbled], "en") is None  # kefu's guidance
    lookup = ToolMessage("Error: Order not found", tool_call_id="c", name="get_order_details", status="error")
    assert after_refusal([HumanMessage("x"), AIMessage(""), lookup, garbled], "en") is None  # not a change

