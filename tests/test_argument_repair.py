"""Tool-call arguments set right in code: identification values, cancel reasons, addresses, tool names."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import HumanMessage, ToolMessage

from assistant.dialogue.argument_repair import repaired_arguments


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
