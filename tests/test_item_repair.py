"""Variants ranked against the shopper's words, and item ids of returns and swaps set right from the order itself."""

from __future__ import annotations

from types import SimpleNamespace

from langchain_core.messages import HumanMessage, ToolMessage
from sqlalchemy import select

from assistant.db import Order, PendingAction, Product
from assistant.dialogue.item_repair import repaired_item_call, repaired_item_ids
from assistant.evaluation.scripted_model import call
from assistant.tools import ToolRunner
from assistant.tools.item_mentions import item_texts
from assistant.tools.variant_match import lines_meant, ranked_variants
from tests.agent_helpers import email_of, scripted_agent


def _variant(price, **options):
    return SimpleNamespace(options=options, price=price)


SHIRTS = [_variant(20, size="S", color="black", material="cotton"), _variant(21, size="S", color="white",
          material="cotton"), _variant(22, size="XL", color="black", material="cotton"),
          _variant(25, size="L", color="red", material="polyester"), _variant(19, size="L", color="red",
          material="cotton")]
CURRENT = {"size": "M", "color": "red", "material": "cotton"}


def test_a_comparative_moves_the_ordered_option_one_step_and_keeps_the_rest():
    assert ranked_variants(CURRENT, 20, SHIRTS, "one size bigger please")[0].options == {
        "size": "L", "color": "red", "material": "cotton"}
    assert ranked_variants(CURRENT, 20, SHIRTS, "the largest one")[0].options["size"] == "XL"
    black = ranked_variants(CURRENT, 20, SHIRTS, "the same but in black")
    assert {v.options["color"] for v in black} == {"black"}
    assert ranked_variants(CURRENT, 20, SHIRTS, "换成小号的黑色")[0].options == {
        "size": "S", "color": "black", "material": "cotton"}


BOOTS = [_variant(246, size="11", material="leather", waterproof="no"),
         _variant(237, size="12", material="leather", waterproof="yes"),
         _variant(244, size="7", material="leather", waterproof="yes")]
TABLETS = [_variant(904, **{"screen size": "10-inch", "storage": "64GB", "color": "silver"}),
           _variant(1043, **{"screen size": "7-inch", "storage": "32GB", "color": "silver"})]


def test_options_the_shopper_keeps_stay_and_a_yes_no_option_is_named_by_its_own_word():
    boots = {"size": "12", "material": "synthetic", "waterproof": "no"}
    wanted = "These are the synthetic, non-waterproof kind; I'd rather have the leather waterproof version, same size."
    assert ranked_variants(boots, 242, BOOTS, wanted)[0].options == {"size": "12", "material": "leather",
                                                                      "waterproof": "yes"}
    tablet = {"screen size": "7-inch", "storage": "32GB", "color": "gold"}
    for words in ("想换成银色的，尺寸和存储都跟原来一样。", "silver please, with screen size and storage the same.",
                  "the silver one but keep the size and storage"):
        assert ranked_variants(tablet, 1019, TABLETS, words)[0].options["screen size"] == "7-inch", words
    # "the same one but with …" keeps nothing: what follows is the change
    assert ranked_variants(tablet, 1019, TABLETS, "the same one but with 64GB storage")[0].options["storage"] == "64GB"


def test_of_two_lines_of_one_name_the_one_described_as_it_is_now_is_meant():
    big = SimpleNamespace(name="Electric Kettle", options={"capacity": "2L", "material": "glass", "color": "silver"})
    small = SimpleNamespace(name="Electric Kettle", options={"capacity": "1L", "material": "glass", "color": "black"})
    said = "the little one-litre black kettle is too small; trade it for the 1.5l glass kettle in white"
    assert lines_meant([big, small], said) == [small]
    assert lines_meant([big, small], "swap my kettle for a black one") == [big, small]  # what it becomes: unclear
    kettles = [_variant(156, capacity="1L", material="glass", color="white"),
               _variant(144, capacity="1.5L", material="glass", color="white")]
    assert ranked_variants(small.options, 147, kettles, said)[0].options["capacity"] == "1.5L"  # "1.5l" is "1.5L"
    texts = item_texts({"k1": "Electric Kettle", "k2": "Electric Kettle", "g": "Grill"}, said + ". The grill stays.")
    assert texts["k1"] == texts["k2"] and "white" in texts["k1"] and "grill" not in texts["k1"]



def test_everyday_product_words_name_catalog_items_and_an_article_starts_what_is_said_of_an_item():
    said = ("In my order with the makeup kit and the keyboard, I'd like to swap the white power bank for a black one "
            "with the same 20000mAh capacity.")
    texts = item_texts({"k": "Mechanical Keyboard", "m": "Makeup Kit", "c": "Portable Charger"}, said)
    assert "white" in texts["c"] and "black" in texts["c"] and "white" not in texts["k"]
    chargers = [_variant(102, capacity="20000mAh", output="Wireless", color="black"),
                _variant(106, capacity="5000mAh", output="Wireless", color="black")]
    current = {"capacity": "20000mAh", "output": "USB-C", "color": "white"}
    assert ranked_variants(current, 98, chargers, texts["c"])[0].options["capacity"] == "20000mAh"
    assert ranked_variants({"switch type": "tactile", "color": "black"}, 254,
                           [_variant(240, **{"switch type": "tactile", "color": "white"})], texts["k"]) == []


LAMPS = [_variant(150, color="silver", brightness="low", power="battery"),
         _variant(154, color="black", brightness="high", power="AC adapter"),
         _variant(149, color="white", brightness="medium", power="battery")]


def test_a_comparative_is_never_answered_by_a_step_the_other_way():
    current = {"color": "white", "brightness": "medium", "power": "USB"}
    brighter = ranked_variants(current, 138, LAMPS, "a brighter lamp, ideally one that runs on battery")
    assert brighter[0].options["brightness"] == "high"
    assert ranked_variants(current, 138, LAMPS, "one on battery with low brightness")[0].options["brightness"] == "low"


def test_values_listed_in_order_of_preference_rank_the_variants():
    current = {"color": "white", "brightness": "medium", "power": "USB"}
    lamps = [_variant(150, color="black", brightness="high", power="AC adapter"),
             _variant(151, color="white", brightness="high", power="USB")]
    ranked = ranked_variants(current, 138, lamps, "a brighter one; I'd prefer battery, then USB, then AC")
    assert ranked[0].options == {"color": "white", "brightness": "high", "power": "USB"}
    swapped = ranked_variants(current, 138, lamps, "a brighter one, preferably AC power > USB")
    assert swapped[0].options["power"] == "AC adapter"
    plain = ranked_variants({"size": "M", "color": "red", "material": "cotton"}, 20, SHIRTS,
                            "change the red one to black")  # two colours named, none ranked
    assert plain[0].options["color"] == "black"


def test_a_price_superlative_orders_by_price_and_unrelated_words_match_nothing():
    assert ranked_variants(CURRENT, 20, SHIRTS, "whichever is cheapest")[0].price == 19
    assert ranked_variants(CURRENT, 20, SHIRTS, "the most expensive one")[0].price == 25
    assert ranked_variants(CURRENT, 20, SHIRTS, "I do not know any more about it") == []
    recent = ranked_variants(CURRENT, 20, SHIRTS, "the shirt from my most recent order, the same but in black")
    assert recent[0].options["size"] == "S"  # "most recent" asks for no bigger size: the nearest price decides


def test_each_item_gets_the_words_said_about_it():
    said = item_texts({"1": "Cycling Helmet", "2": "Luggage Set"},
                      "swap the helmet for a red one and the luggage set for a black one")
    assert "red" in said["1"] and "black" not in said["1"] and "black" in said["2"]
    assert item_texts({"1": "Desk Lamp"}, "我想换台灯") == {"1": "我想换台灯 desk lamp"}
    # Chinese keeps no word order through the glossary: the item named gets every word, options before its name too.
    zh = "收到的温控器是配 Alexa 的，想换一个支持 Google Assistant 的，颜色还是黑色。"
    said_zh = item_texts({"1": "Cycling Helmet", "2": "Smart Thermostat"}, zh)
    assert set(said_zh) == {"2"} and "google assistant" in said_zh["2"]
    thermostats = [SimpleNamespace(options={"compatibility": c, "color": k}, price=p) for c, k, p in
                   [("Google Assistant", "white", 228), ("Google Assistant", "black", 249), ("Apple HomeKit", "black", 262)]]
    best = ranked_variants({"compatibility": "Amazon Alexa", "color": "black"}, 226, thermostats, said_zh["2"])
    assert best[0].options == {"compatibility": "Google Assistant", "color": "black"}
    before = item_texts({"1": "Desk Lamp"}, "The helmet in red, and brightness high for the Desk Lamp instead")
    assert "high" in before["1"] and "red" not in before["1"]  # its own clause, not the one before


def _delivered_with_swap(db):
    with db.session() as session:
        for order in session.scalars(select(Order).where(Order.status == "delivered").order_by(Order.position)):
            lines = {line.item_id: line for line in order.items}
            if len(lines) < 2 or len({line.name for line in lines.values()}) < len(lines):
                continue
            line = next(iter(lines.values()))
            for v in session.get(Product, line.product_id).variants:
                if v.available and v.id != line.item_id:
                    differs = next(str(x) for k, x in v.options.items() if x != line.options.get(k))
                    return order.customer_id, order.id, line, v.id, dict(line.options), differs
    raise AssertionError("no delivered order with two distinct items")


def _args(*call) -> dict:
    """The repaired arguments alone (the tool name is checked where it can change)."""
    return repaired_item_call(*call)[1]


def _bound(db, session_id, customer_id):
    runner = ToolRunner(db, session_id, actor="staff:test")
    runner.act_as_customer(customer_id)


def test_item_names_options_and_copied_ids_become_the_orders_own_ids(db):
    customer_id, order_id, line, new_id, options, _ = _delivered_with_swap(db)
    _bound(db, "r1", customer_id)
    offer = [ToolMessage(f'["{line.name} {line.item_id} -> {new_id} (x), price difference +1.00"]',
                         tool_call_id="v", name="find_item_variants")]
    base = {"order_id": order_id, "payment_method_id": "p"}
    swap = _args(db, "r1", "exchange_delivered_order_items",
                 base | {"item_ids": [line.name.lower()], "new_item_ids": [line.item_id]}, offer)
    assert (swap["item_ids"], swap["new_item_ids"]) == ([line.item_id], [new_id])
    moved = _args(db, "r1", "exchange_delivered_order_items",
                  base | {"item_ids": ["1"], "new_item_ids": [line.item_id]}, offer)
    assert (moved["item_ids"], moved["new_item_ids"]) == ([line.item_id], [new_id])
    back = _args(db, "r1", "return_delivered_order_items",
                 base | {"item_ids": [str(v) for v in options.values()]}, [])
    assert back["item_ids"] == [line.item_id]
    unknown = base | {"item_ids": ["a gift for my aunt"]}
    assert _args(db, "r1", "return_delivered_order_items", unknown, []) == unknown


def test_another_customers_order_is_left_as_the_model_wrote_it(db):
    customer_id, order_id, line, *_ = _delivered_with_swap(db)
    with db.session() as session:
        other = session.scalars(select(Order.customer_id).where(Order.customer_id != customer_id)).first()
    _bound(db, "r2", other)
    arguments = {"order_id": order_id, "item_ids": [line.name], "payment_method_id": "p"}
    assert _args(db, "r2", "return_delivered_order_items", arguments, []) == arguments


def test_the_agent_proposes_the_offered_variant_when_the_model_copies_the_old_id(db, tmp_path):
    customer_id, order_id, line, _, _, wanted = _delivered_with_swap(db)
    with db.session() as session:
        method = session.get(Order, order_id).payments[0].payment_method_id
    agent, model = scripted_agent(db, tmp_path, [
        call("get_order_details", order_id=order_id),
        call("exchange_delivered_order_items", order_id=order_id, item_ids=[line.item_id],
             new_item_ids=[line.item_id], payment_method_id=method), "Shall I go ahead?"])
    agent.respond("s1", f"I want to exchange the {line.name} in {order_id} for another {wanted} one, "
                        f"my email is {email_of(db, customer_id)}")
    offers = [m for m in agent.messages("s1") if isinstance(m, ToolMessage) and m.name == "find_item_variants"]
    assert offers
    with db.session() as session:
        action = session.scalars(select(PendingAction).where(PendingAction.conversation_id == "s1")).one()
        offered_first = str(offers[-1].content).split(" -> ")[1].split()[0]
        assert action.arguments["new_item_ids"] == [offered_first] != [line.item_id]


def test_a_lookup_repeated_after_identifying_answers_the_same_customer_instead_of_failing(db, tmp_path):
    customer_id, *_ = _delivered_with_swap(db)
    email = email_of(db, customer_id)
    agent, _ = scripted_agent(db, tmp_path, ["How can I help?", call("find_user_id_by_email", email=email), "Sure."])
    agent.respond("s9", f"Hi, my email is {email}, I have a question about an order")
    agent.respond("s9", f"It is about an order; my email is {email}")  # a later turn: the lookup is made again
    lookups = [m for m in agent.messages("s9") if isinstance(m, ToolMessage) and m.name == "find_user_id_by_email"]
    assert [(m.content, m.status) for m in lookups] == [(customer_id, "success")] * 2


def test_an_item_nothing_was_offered_for_gives_way_to_the_items_that_were(db):
    customer_id, order_id, line, new_id, *_ = _delivered_with_swap(db)
    _bound(db, "r3", customer_id)
    with db.session() as session:
        other = next(i.item_id for i in session.get(Order, order_id).items if i.item_id != line.item_id)
    offer = [ToolMessage(f'["{line.name} {line.item_id} -> {new_id} (x), price difference +1.00"]',
                         tool_call_id="v", name="find_item_variants")]
    call = {"order_id": order_id, "item_ids": [other], "new_item_ids": [other], "payment_method_id": "p"}
    fixed = _args(db, "r3", "exchange_delivered_order_items", call, offer)
    assert (fixed["item_ids"], fixed["new_item_ids"]) == ([line.item_id], [new_id])


def test_ids_that_mean_no_item_become_the_items_the_shopper_named():
    def line(item_id, name, **options):
        return SimpleNamespace(item_id=item_id, name=name, product_id="p" + item_id, options=options)

    lines = [line("1111111111", "Vacuum Cleaner", type="canister", bags="bagless"),
             line("2222222222", "Vacuum Cleaner", type="robotic", bags="bagless"),
             line("3333333333", "Air Purifier", size="large"), line("4444444444", "Patio Umbrella", size="7 ft")]
    said = "I want to return an air purifier and a vacuum cleaner from order 9502127. The robotic one."
    assert repaired_item_ids(["9502127"], lines, {}, said) == ["2222222222", "3333333333"]
    unsure = "I want to return an air purifier and a vacuum cleaner, the bagless one"
    assert repaired_item_ids(["9502127"], lines, {}, unsure) == ["9502127"]
    assert repaired_item_ids(["3333333333"], lines, {}, said) == ["3333333333"]  # a real id is kept as given
    umbrella = "Please send back the patio umbrella from that order"
    assert repaired_item_ids(["3333333333"], lines, {}, umbrella) == ["4444444444"]  # the purifier was never named
    assert repaired_item_ids(["3333333333"], lines, {}, "send it back") == ["3333333333"]


def test_an_item_swap_runs_under_the_tool_its_orders_status_takes(db):
    customer_id, order_id, line, new_id, *_ = _delivered_with_swap(db)
    _bound(db, "r4", customer_id)
    arguments = {"order_id": order_id, "item_ids": [line.item_id], "new_item_ids": [new_id], "payment_method_id": "p"}
    name, fixed = repaired_item_call(db, "r4", "modify_pending_order_items", arguments, [])
    assert (name, fixed["new_item_ids"]) == ("exchange_delivered_order_items", [new_id])
    assert repaired_item_call(db, "r4", "return_delivered_order_items", arguments, [])[0] == \
        "return_delivered_order_items"
    with db.session() as session:
        other = session.scalars(select(Order.customer_id).where(Order.customer_id != customer_id)).first()
    _bound(db, "r5", other)
    assert repaired_item_call(db, "r5", "modify_pending_order_items", arguments, []) == (
        "modify_pending_order_items", arguments)


def test_a_call_without_item_ids_gets_the_ids_the_shopper_typed_from_that_order(db):
    customer_id, order_id, line, *_ = _delivered_with_swap(db)
    _bound(db, "r6", customer_id)
    said = [HumanMessage(f"Also, I want to return the {line.name} ({line.item_id}) from order {order_id}")]
    call = {"order_id": order_id, "payment_method_id": "p"}
    assert _args(db, "r6", "return_delivered_order_items", call, said)["item_ids"] == [line.item_id]
    one = _args(db, "r6", "return_delivered_order_items", call | {"item_ids": line.item_id}, [])
    assert one["item_ids"] == [line.item_id]


def test_an_option_said_as_it_is_stays_unless_the_words_say_it_goes():
    mice = [_variant(143, color="white", sensor="optical", connectivity="wireless"),
            _variant(151, color="black", sensor="laser", connectivity="wireless")]
    current = {"color": "black", "sensor": "optical", "connectivity": "wired"}
    said = "The cable on the black gaming mouse gets in the way. I'd like the black wireless one instead."
    assert ranked_variants(current, 137, mice, said)[0].options["color"] == "black"
    assert ranked_variants(current, 137, mice, "a wireless one rather than black")[0].options["color"] == "white"


def test_a_three_letter_item_name_head_and_a_material_word_before_it_name_the_item():
    said = item_texts({"1": "Pet Bed", "2": "Electric Kettle"}, "the small pet bed in the order with the electric "
                      "kettle won't do. I'd like the medium fleece bed instead; grey is fine.")
    assert "medium" in said["1"] and "fleece jacket" not in said["1"]
    assert item_texts({"1": "Luggage Set"}, "set it to black") == {}  # "set" alone names no luggage set


def test_a_mention_that_only_picks_the_order_out_says_nothing_of_its_item():
    names = {"j": "Fleece Jacket", "t": "T-Shirt"}
    said = "The fleece jacket in my order with the purple tee is a small. Make it a large, still red."
    texts = item_texts(names, said, references=False)
    assert set(texts) == {"j"} and "large" in texts["j"] and "purple" not in texts["j"]
    assert set(item_texts(names, said)) == {"j", "t"}  # the item repair reads references on its own
    swap = item_texts(names, "In the order with the fleece jacket, swap the tee for a red one", references=False)
    assert set(swap) == {"t"} and "red" in swap["t"]

