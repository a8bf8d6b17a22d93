"""Items named only to be left out: "everything except the pet bed" returns the other items, never the pet bed."""

from __future__ import annotations

from types import SimpleNamespace

from langchain_core.messages import HumanMessage
from sqlalchemy import select

from assistant.db import Order
from assistant.dialogue.item_exclusion import all_but, excluded_items
from assistant.dialogue.item_repair import repaired_item_call, repaired_item_ids
from assistant.tools import ToolRunner

BED, LAMP, BOTTLE = "1111111111", "2222222222", "3333333333"
LINES = [SimpleNamespace(item_id=BED, name="Pet Bed", product_id="p1", options={"size": "large"}),
         SimpleNamespace(item_id=LAMP, name="Desk Lamp", product_id="p2", options={"color": "black"}),
         SimpleNamespace(item_id=BOTTLE, name="Water Bottle", product_id="p3", options={"capacity": "1000ml"})]


def test_a_cue_of_exclusion_before_or_after_a_list_of_items_leaves_them_out():
    assert excluded_items(LINES, "I want to return everything except the pet bed.") == {BED}
    assert excluded_items(LINES, "all of it but not the pet bed and the desk lamp") == {BED, LAMP}
    assert excluded_items(LINES, "return the lamp, but keep the pet bed") == {BED}
    assert excluded_items(LINES, "除了台灯和水瓶，其余的都退") == {LAMP, BOTTLE}
    assert excluded_items(LINES, "台灯退掉，宠物床保留") == {BED}
    assert excluded_items(LINES, "台灯用不上，想退掉。宠物床和水瓶都留着。") == {BED, BOTTLE}
    assert excluded_items(LINES, "水瓶退掉吧。同一单里的台灯、宠物床这些都留着。") == {LAMP, BED}
    assert excluded_items(LINES, "Return the lamp; the pet bed and the water bottle I'm keeping.") == {BED, BOTTLE}
    assert excluded_items(LINES, "return the lamp and the pet bed, the water bottle stays") == {BOTTLE}


def test_an_item_whose_change_the_shopper_holds_back_is_left_out():
    said = ("I want to return the desk lamp, it doesn't work. Also check whether I could return the pet bed, "
            "but I'm not sure yet, so don't process anything.")
    assert excluded_items(LINES, said) == {BED}
    assert repaired_item_ids([BED], LINES, {}, said) == [LAMP]
    assert excluded_items(LINES, "宠物床能不能退？先别处理。台灯帮我退了") == set()  # another sentence holds it
    assert excluded_items(LINES, "台灯帮我退了。水瓶也想退，不过还没想好，先别处理") == {BOTTLE}
    twin = SimpleNamespace(item_id="4444444444", name="Pet Bed", product_id="p1", options={"size": "small"})
    assert repaired_item_ids([BED], [*LINES, twin], {}, said) == [LAMP]  # two pet beds held back, not one unclear


def test_a_return_drops_items_the_shopper_never_named_unless_they_asked_for_all():
    said = "水瓶漏水，退掉吧。同一单里的台灯、宠物床这些都留着。"
    assert repaired_item_ids([BED, BOTTLE, LAMP], LINES, {}, said, complete=True) == [BOTTLE]
    only = "I'd like to return the water bottle."
    assert repaired_item_ids([LAMP, BOTTLE], LINES, {}, only, complete=True) == [BOTTLE]
    assert repaired_item_ids([LAMP, BOTTLE], LINES, {}, only + " And all the rest too.", complete=True) == [
        LAMP, BOTTLE]
    assert repaired_item_ids([LAMP, BOTTLE], LINES, {}, only) == [LAMP, BOTTLE]  # a swap pairs its ids: left alone


def test_of_two_lines_of_one_name_the_one_a_clause_keeps_is_not_the_one_meant():
    red = SimpleNamespace(item_id="5555555555", name="Cycling Helmet", product_id="p4",
                          options={"size": "M", "color": "red"})
    blue = SimpleNamespace(item_id="6666666666", name="Cycling Helmet", product_id="p4",
                           options={"size": "L", "color": "blue"})
    lines = [*LINES, red, blue]
    said = "I got two cycling helmets. Keep the red one; the blue one in size L is going back."
    assert repaired_item_ids([BED], lines, {}, said, complete=True) == [blue.item_id]
    assert repaired_item_ids([BED], lines, {}, "两个骑行头盔，红色的留着，蓝色的退掉", complete=True) == [blue.item_id]


def test_a_chinese_word_inside_a_longer_one_names_nothing_and_a_whole_name_wins():
    from assistant.tools.item_mentions import mention_spans

    names = {"e": "Electric Kettle", "t": "Tea Kettle", "k": "Mechanical Keyboard"}
    said = "一个电热水壶、一个不锈钢茶壶。我只退茶壶，电热水壶和键盘都留着。"
    assert {item for _s, _e, item in mention_spans(names, said)} == {"e", "t", "k"}
    assert [item for start, _e, item in mention_spans(names, said) if said[start:].startswith("茶壶")] == ["t", "t"]
    lines = [SimpleNamespace(item_id=i, name=n, product_id=i, options={}) for i, n in names.items()]
    assert repaired_item_ids(["k"], lines, {}, said, complete=True) == ["t"]


def test_two_boards_told_apart_by_a_length_written_with_a_hyphen():
    short = SimpleNamespace(item_id="7777777777", name="Skateboard", product_id="p5", options={"length": "28 inch"})
    long = SimpleNamespace(item_id="8888888888", name="Skateboard", product_id="p5", options={"length": "34 inch"})
    said = "Two skateboards came. I'm keeping the 34-inch one; the shorter 28-inch board goes back."
    assert repaired_item_ids(["45457978"], [short, long], {}, said, complete=True) == [short.item_id]


def test_items_asked_for_are_not_left_out():
    assert excluded_items(LINES, "return the desk lamp and the pet bed") == set()
    assert excluded_items(LINES, "I need to return the pet bed. Except for that, nothing.") == set()
    assert excluded_items(LINES, "我想退掉台灯") == set()
    assert excluded_items(LINES, "Keep me posted: I want to return the desk lamp and the water bottle") == set()


def all_but_excluded(lines, said):
    return all_but(lines, excluded_items(lines, said), said)


def test_all_the_rest_is_every_item_but_the_ones_left_out():
    assert all_but_excluded(LINES, "Please refund all items other than the water bottle") == [BED, LAMP]
    assert all_but_excluded(LINES, "除了宠物床以外，其他都退掉") == [LAMP, BOTTLE]
    assert all_but_excluded(LINES, "宠物床留着，剩下的都退") == [LAMP, BOTTLE]
    assert all_but_excluded(LINES, "水瓶退掉。台灯、宠物床这些都留着。") is None  # "都" keeps them: no "all"
    assert all_but_excluded(LINES, "return the lamp, but keep the pet bed") is None  # no "all": only a leave-out
    assert all_but_excluded(LINES, "return everything please") is None


def test_the_repair_never_returns_an_item_left_out():
    rest = "I'd like to send back everything except the pet bed"
    assert repaired_item_ids([BED], LINES, {}, rest) == [LAMP, BOTTLE]
    assert repaired_item_ids([BED, LAMP, BOTTLE], LINES, {}, rest) == [LAMP, BOTTLE]
    assert repaired_item_ids(["the order"], LINES, {}, rest) == [LAMP, BOTTLE]
    keep = "return the desk lamp, but keep the pet bed"
    assert repaired_item_ids([BED, LAMP], LINES, {}, keep) == [LAMP]
    assert repaired_item_ids([BED], LINES, {}, keep) == [LAMP]
    assert repaired_item_ids([LAMP], LINES, {}, "return the desk lamp") == [LAMP]


def test_a_call_on_a_real_order_gets_every_item_but_the_one_left_out(db):
    with db.session() as session:
        order = next(o for o in session.scalars(select(Order).where(Order.status == "delivered"))
                     if len({line.name for line in o.items}) == len(o.items) >= 2)
        customer_id, order_id = order.customer_id, order.id
        first, others = order.items[0], [line.item_id for line in order.items[1:]]
        kept_name = first.name
    ToolRunner(db, "x1", actor="staff:test").act_as_customer(customer_id)
    said = [HumanMessage(f"Return all the items of order {order_id} except the {kept_name.lower()}, please.")]
    call = {"order_id": order_id, "item_ids": [first.item_id], "payment_method_id": "p"}
    name, fixed = repaired_item_call(db, "x1", "return_delivered_order_items", call, said)
    assert (name, fixed["item_ids"]) == ("return_delivered_order_items", others)
