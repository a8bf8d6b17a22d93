"""Items named only to pick the order out ("the clock from the order with the bottle and the clock") are not part
of the change; a return the shopper asked of several items is proposed with all of them."""

from __future__ import annotations

from types import SimpleNamespace

from langchain_core.messages import HumanMessage
from sqlalchemy import select

from assistant.db import Order
from assistant.dialogue.item_repair import repaired_item_call, repaired_item_ids
from assistant.dialogue.order_reference import reference_only_items
from assistant.tools import ToolRunner

BED, LAMP, BOTTLE, CLOCK = "1111111111", "2222222222", "3333333333", "4444444444"
LINES = [SimpleNamespace(item_id=BED, name="Pet Bed", product_id="p1", options={}),
         SimpleNamespace(item_id=LAMP, name="Desk Lamp", product_id="p2", options={}),
         SimpleNamespace(item_id=BOTTLE, name="Water Bottle", product_id="p3", options={}),
         SimpleNamespace(item_id=CLOCK, name="Wall Clock", product_id="p4", options={})]


def test_items_that_only_say_which_order_are_found_in_english_and_chinese():
    assert reference_only_items(LINES, "Could you take back the clock? It's in the package that contained "
                                       "a water bottle and a wall clock.") == {BOTTLE}
    assert reference_only_items(LINES, "For my purchase with the desk lamp, I'd like the pet bed refunded") == {LAMP}
    assert reference_only_items(LINES, "the one where I ordered the pet bed: the lamp has to go back") == {BED}
    assert reference_only_items(LINES, "有台灯和水瓶的那单，水瓶我要退") == {LAMP}
    assert reference_only_items(LINES, "含宠物床的订单里把台灯退了") == {BED}


def test_items_asked_for_are_not_order_references():
    assert reference_only_items(LINES, "please take back the desk lamp and the water bottle") == set()
    assert reference_only_items(LINES, "refund the pet bed from the order with the pet bed and the lamp") == {LAMP}
    assert reference_only_items(LINES, "swap my lamp for one with a warmer light, and refund the bed") == set()
    assert reference_only_items(LINES, "宠物床和台灯都要退") == set()


def test_the_repair_drops_items_named_only_for_the_order_and_completes_a_return():
    said = "我想把有水瓶和台灯的那单里的 Desk Lamp 退了"
    assert repaired_item_ids([BOTTLE, LAMP], LINES, {}, said) == [LAMP]
    both = "refund the desk lamp and the pet bed, from the purchase where I got a pet bed and a desk lamp"
    assert repaired_item_ids([LAMP], LINES, {}, both, complete=True) == [BED, LAMP]
    assert repaired_item_ids([LAMP], LINES, {}, both) == [LAMP]  # a swap is never widened
    assert repaired_item_ids([LAMP, BED], LINES, {}, both, complete=True) == [LAMP, BED]
    only = "The order with the lamp and the bed: the lamp goes back."
    assert repaired_item_ids([LAMP], LINES, {}, only, complete=True) == [LAMP]


def test_a_return_on_a_real_order_holds_every_item_asked_for_but_not_an_exchange(db):
    with db.session() as session:
        order = next(o for o in session.scalars(select(Order).where(Order.status == "delivered"))
                     if len({line.name for line in o.items}) == len(o.items) >= 2)
        customer_id, order_id = order.customer_id, order.id
        first, second = order.items[0], order.items[1]
        names = f"the {first.name.lower()} and the {second.name.lower()}"
    ToolRunner(db, "x2", actor="staff:test").act_as_customer(customer_id)
    call = {"order_id": order_id, "item_ids": [second.item_id], "payment_method_id": "p"}
    said = [HumanMessage(f"Please refund {names} from {order_id}.")]
    name, fixed = repaired_item_call(db, "x2", "return_delivered_order_items", call, said)
    assert (name, fixed["item_ids"]) == ("return_delivered_order_items", [first.item_id, second.item_id])
    said = [HumanMessage(f"For {order_id}: exchange the {first.name.lower()} for a bigger one and refund the "
                         f"{second.name.lower()}.")]
    _name, fixed = repaired_item_call(db, "x2", "return_delivered_order_items", call, said)
    assert fixed["item_ids"] == [second.item_id]
