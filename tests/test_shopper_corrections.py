"""The scripted shopper's "no" says what is wrong with a proposed change, from its own goal."""

from assistant.evaluation.corrections import correction

CANCEL = {"name": "cancel_pending_order", "arguments": {"order_id": "#W8268610", "reason": "no longer needed"}}
MOVE = {"name": "modify_pending_order_address", "arguments": {"order_id": "#W2702727", "zip": "95154"}}
RETURN = {"name": "return_delivered_order_items", "arguments": {"order_id": "#W9571698", "item_ids": ["1"]}}
OPENING = "I want to return the more expensive of my two tablets."


def propose(name: str, order: str) -> dict:
    return {"name": name, "arguments": {"order_id": order}}


def test_a_change_already_made_is_answered_with_what_is_still_wanted():
    said = correction(propose("modify_pending_order_address", "#W2702727"), [CANCEL, MOVE], [MOVE],
                      ["#W2702727", "#W8268610"], False, OPENING)
    assert said == "No, that is already done. I still want to cancel #W8268610."


def test_the_wrong_kind_of_change_on_the_right_order_names_the_right_kind():
    said = correction(propose("cancel_pending_order", "#W2702727"), [CANCEL, MOVE], [], [], False, OPENING)
    assert said == "No, I don't want to cancel that order. I want to change the shipping address of that order."
    zh = correction(propose("cancel_pending_order", "#W2702727"), [CANCEL, MOVE], [], [], True, "我要改地址")
    assert zh == "不对，我不是要取消这个订单，我要改这个订单的收货地址。"


def test_the_wrong_order_names_the_right_one_only_when_the_shopper_knows_its_id():
    knows = correction(propose("cancel_pending_order", "#W2702727"), [CANCEL], [], ["#W8268610"], False, OPENING)
    assert knows == "No, not that order. I want to cancel #W8268610."
    describes = correction(propose("return_delivered_order_items", "#W3069600"), [RETURN], [], [], False, OPENING)
    assert describes == f"No, not that order. I want to return items from the order I described. {OPENING}"
    assert "#W9571698" not in describes


def test_a_change_unlike_any_wanted_one_restates_the_request():
    said = correction(propose("exchange_delivered_order_items", "#W1"), [RETURN], [], [], False, OPENING)
    assert said == f"No, that is not what I asked for. {OPENING}"
    assert correction(propose("exchange_delivered_order_items", "#W1"), [RETURN], [], [], True, "我要退货") == \
        "不对，这不是我要的。我要退货"
