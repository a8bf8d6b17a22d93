"""Order discovery: the order a shopper describes (items, status, recency) is found in code, or the orders listed."""

from __future__ import annotations

from langchain_core.messages import ToolMessage
from sqlalchemy import select

from assistant.db import Customer, Order
from assistant.dialogue.order_finder import first_named, fitting_orders
from assistant.evaluation.scripted_model import call
from assistant.tools import ToolRunner
from tests.agent_helpers import email_of, scripted_agent


def _customer_with(db, predicate) -> tuple[str, list[Order]]:
    with db.session() as session:
        for customer in session.scalars(select(Customer).order_by(Customer.position)):
            orders = list(customer.orders)
            if predicate(orders):
                for order in orders:
                    _ = [line.name for line in order.items]
                session.expunge_all()
                return customer.id, orders
    raise AssertionError("no such customer in the τ² shop")


def _unique_item(order: Order, orders: list[Order]) -> str:
    return next(line.name for line in order.items
                if sum(line.name in {i.name for i in o.items} for o in orders) == 1)


def _has_unique_items(orders):
    return len(orders) >= 3 and all(any(sum(line.name in {i.name for i in o.items} for o in orders) == 1
                                        for line in order.items) for order in orders)


def test_items_status_recency_and_the_request_pick_the_order(db):
    _, orders = _customer_with(db, _has_unique_items)
    for order in orders:
        item = _unique_item(order, orders)
        assert fitting_orders(orders, [f"Something is off with the order that had the {item}."]) == [order]
        head = item.split()[-1].lower()
        assert order in fitting_orders(orders, [f"where is my {head}?"])
    assert fitting_orders(orders, ["what about my latest order?"]) == [orders[-1]]
    assert fitting_orders(orders, ["我最近下的那一单怎么样了"]) == [orders[-1]]


def test_an_item_named_in_chinese_picks_its_order(db):
    def shoes_in_one(orders):
        return sum(any(line.name == "Running Shoes" for line in o.items) for o in orders) == 1 and len(orders) > 1

    _, orders = _customer_with(db, shoes_in_one)
    shoes = next(o for o in orders if any(line.name == "Running Shoes" for line in o.items))
    assert fitting_orders(orders, ["之前收到的那双黄色跑鞋穿着磨脚，想退掉"]) == [shoes]


def test_an_order_said_not_to_be_meant_is_set_aside_and_on_its_own_means_a_single_item():
    from types import SimpleNamespace

    def order(order_id, *names):
        items = [SimpleNamespace(name=n, options={"color": "brown"}) for n in names]
        return SimpleNamespace(id=order_id, status="delivered", position=int(order_id[-1]), items=items)

    both, alone = order("#W1", "Tablet", "Bookshelf", "Notebook"), order("#W2", "Bookshelf")
    said = "Send back the bookshelf that came on its own, not the one that came with the tablet."
    assert fitting_orders([both, alone], [said]) == [alone]
    assert fitting_orders([both, alone], ["Return the bookshelf, not the one that came by itself."]) == [both]
    assert fitting_orders([both, alone], ["退那个单独买的书架"]) == [alone]
    assert len(fitting_orders([both, alone], ["Return the bookshelf and leave the other order alone."])) == 2


def test_a_cancel_only_fits_pending_orders_and_a_return_only_delivered_ones(db):
    _, orders = _customer_with(db, lambda os: sum(o.status == "pending" for o in os) == 1 and
                               any(o.status == "delivered" for o in os))
    pending = next(o for o in orders if o.status == "pending")
    assert fitting_orders(orders, ["I'd like to cancel my order please"]) == [pending]
    assert all(o.status == "delivered" for o in fitting_orders(orders, ["我想退货"]))


def test_the_agent_looks_up_a_described_order_before_the_model_acts(db, tmp_path):
    customer_id, orders = _customer_with(db, lambda os: _has_unique_items(os) and
                                         any(o.status == "pending" for o in os))
    order = next(o for o in orders if o.status == "pending")
    item = _unique_item(order, orders)
    agent, model = scripted_agent(db, tmp_path, ["Here it is."])
    agent.respond("s1", f"I want to cancel the order with the {item}. My email is {email_of(db, customer_id)}")
    steps = [(m.type, getattr(m, "name", None)) for m in agent.messages("s1")]
    assert steps[1:5] == [("ai", "kefu"), ("tool", "find_user_id_by_email"), ("ai", "kefu"),
                          ("tool", "get_order_details")]
    assert order.id in str(model.prompts[0][-1].content)  # the model starts from the right order's record
    assert "cancel_pending_order" in model.offered[0]


def test_several_fitting_orders_are_listed_for_the_agent_to_ask(db, tmp_path):
    customer_id, orders = _customer_with(db, lambda os: sum(o.status == "delivered" for o in os) >= 2)
    agent, model = scripted_agent(db, tmp_path, ["Which of these orders do you mean?", "Which one?"])
    agent.respond("s2", f"I need to return something. My email is {email_of(db, customer_id)}")
    last = model.prompts[0][-1]
    assert last.type == "tool" and last.name == "list_user_orders"
    assert all(o.id in str(last.content) for o in orders)
    agent.respond("s2", "hm")  # nothing new about the order: no second listing
    assert [m.name for m in agent.messages("s2") if m.type == "tool"].count("list_user_orders") == 1


def test_list_user_orders_shows_only_the_authenticated_customers_orders(db):
    customer_id, orders = _customer_with(db, lambda os: len(os) >= 2)
    assert ToolRunner(db, "s3").call("list_user_orders", {"user_id": customer_id}).error.startswith(
        "Authentication required")
    runner = ToolRunner(db, "s3", actor="staff:test")
    runner.act_as_customer(customer_id)
    lines = runner.call("list_user_orders", {"user_id": customer_id}).output
    assert [line.split(" | ")[0] for line in lines] == [o.id for o in orders]
    with db.session() as session:
        other = session.scalars(select(Customer.id).where(Customer.id != customer_id)).first()
    assert runner.call("list_user_orders", {"user_id": other}).error is not None


def test_without_small_model_aids_nothing_is_looked_up_for_the_model(db, tmp_path):
    customer_id, orders = _customer_with(db, lambda os: any(o.status == "pending" for o in os))
    agent, model = scripted_agent(db, tmp_path, [call("get_user_details", user_id=customer_id), "Which order?"],
                                  small_model_aids=False)
    agent.respond("s4", f"Cancel my pending order. My email is {email_of(db, customer_id)}")
    assert [m.name for m in agent.messages("s4") if m.type == "tool"] == ["find_user_id_by_email",
                                                                          "get_user_details"]


def _one_option_swap(db):
    from assistant.db import Product

    with db.session() as session:
        for order in session.scalars(select(Order).where(Order.status == "pending").order_by(Order.position)):
            for line in order.items:
                product = session.get(Product, line.product_id)
                for v in product.variants:
                    differs = [k for k in v.options if v.options[k] != line.options.get(k)]
                    if v.available and v.id != line.item_id and len(differs) == 1:
                        return order.customer_id, order.id, line.name, line.item_id, v.id, differs[0], v.options
    raise AssertionError("no pending order with a one-option swap")


def test_the_variant_the_shopper_names_is_matched_once_the_order_is_looked_up(db, tmp_path):
    customer_id, order_id, name, item_id, target_id, key, options = _one_option_swap(db)
    agent, model = scripted_agent(db, tmp_path, [call("get_order_details", order_id=order_id), "Shall I?"])
    agent.respond("s6", f"For order {order_id} I want to swap the {name} for the same one but with {key} "
                        f"{options[key]}. My email is {email_of(db, customer_id)}")
    last = model.prompts[1][-1]  # after the model's own lookup, kefu matched the variant before its next step
    assert last.type == "tool" and last.name == "find_item_variants"
    assert f"{item_id} -> {target_id}" in str(last.content)


def test_variants_are_looked_for_only_when_a_swap_is_asked_without_the_new_item_id():
    from assistant.dialogue.tool_scope import KEFU_STEPS, offered_tools
    from assistant.dialogue.variant_finder import VariantFinderMiddleware

    wants = VariantFinderMiddleware.wants_a_swap
    assert wants(["Can I swap the lamp for the black one?"])
    assert not wants(["I want the lamp swapped for item 1234567890"])  # the shopper named it: nothing to find
    assert not wants(["I need to change something on my order"])  # an unnamed change asks for no swap
    assert not wants(["where is my order?"])
    # kefu runs its helpers itself; the small model is not shown them (a larger one is, with the aids off)
    from langchain_core.messages import HumanMessage, ToolMessage
    identified = [HumanMessage("a@b.com"), ToolMessage("ann_1", tool_call_id="1", name="find_user_id_by_email")]
    assert not offered_tools(identified) & KEFU_STEPS


def test_that_same_order_means_the_one_the_conversation_last_dealt_with(db):
    _, orders = _customer_with(db, _has_unique_items)
    focus = orders[1]
    asked = ["What did I pay in total for the remaining items in that same order?"]
    assert len(fitting_orders(orders, asked)) > 1
    assert fitting_orders(orders, asked, focus=focus.id) == [focus]
    assert fitting_orders(orders, ["这一单剩下的商品一共多少钱？"], focus=focus.id) == [focus]
    other = orders[0]
    named = [f"And in that same order, where is the {_unique_item(other, orders)}?"]
    assert fitting_orders(orders, named, focus=focus.id) == [other]  # the words pick another order out
    assert len(fitting_orders(orders, ["What did I pay for my orders?"], focus=focus.id)) > 1


def test_after_a_return_the_rest_of_that_same_order_is_answered_from_its_record(db, tmp_path):
    customer_id, orders = _customer_with(db, lambda os: len(os) >= 2 and any(
        o.status == "delivered" and len({line.item_id for line in o.items}) >= 2 for o in os))
    order = next(o for o in orders if o.status == "delivered" and len({line.item_id for line in o.items}) >= 2)
    back, *kept = order.items
    with db.session() as session:
        method = session.get(Order, order.id).payments[0].payment_method_id
    agent, model = scripted_agent(db, tmp_path, [
        call("get_order_details", order_id=order.id),
        call("return_delivered_order_items", order_id=order.id, item_ids=[back.item_id], payment_method_id=method),
        "Shall I go ahead?", "Your return is requested.", "Anything else?", "Anything else?"])
    agent.respond("s5", f"Please return the {back.name} from order {order.id}, my email is "
                        f"{email_of(db, customer_id)}")
    agent.respond("s5", "yes")
    answer = agent.respond("s5", "And what did I pay in total for the remaining items in that same order?")
    assert f"{sum(line.price for line in kept):,.2f}" in answer.text
    looked_up = [m for m in agent.messages("s5") if isinstance(m, ToolMessage) and m.name == "get_order_details"]
    assert '"return requested"' in str(looked_up[-1].content)


def test_orders_named_by_their_items_are_worked_through_in_the_order_said(db, tmp_path):
    customer_id, orders = _customer_with(db, _has_unique_items)
    one, two = orders[2], orders[0]
    said = [f"Where is my {_unique_item(one, orders)}? Also I want to change something about the "
            f"{_unique_item(two, orders)}."]
    fits = fitting_orders(orders, said)
    assert {one, two} <= set(fits)
    assert first_named(orders, said, set()) == one
    assert first_named(orders, said, {one.id}) == two  # the first one was changed already
    assert first_named(orders, said, {one.id, two.id}) is None
    assert first_named(orders, ["I want to return something"], set()) is None
    plural = [f"Where are my {_unique_item(two, orders).split()[-1]}s and the {_unique_item(one, orders)}?"]
    assert first_named(orders, plural, set()) == two
    agent, model = scripted_agent(db, tmp_path, ["Here it is."])
    agent.respond("s6", f"{said[0]} My email is {email_of(db, customer_id)}")
    steps = [m.name for m in agent.messages("s6") if m.type == "tool"]
    assert steps == ["find_user_id_by_email", "list_user_orders", "get_order_details"]
    assert one.id in str(model.prompts[0][-1].content)  # the model starts from the order named first


def test_once_the_first_orders_change_has_run_the_next_order_named_is_looked_up(db, tmp_path):
    customer_id, orders = _customer_with(db, lambda os: _has_unique_items(os) and
                                         any(o.status == "pending" for o in os))
    first = next(o for o in orders if o.status == "pending")
    second = next(o for o in orders if o is not first)
    request = f"Cancel the {_unique_item(first, orders)} and tell me where my {_unique_item(second, orders)} is."
    agent, _ = scripted_agent(db, tmp_path, [
        call("cancel_pending_order", order_id=first.id, reason="no longer needed"), "Done.", "Here it is.",
        "Anything else?"])
    agent.respond("s7", f"{request} My email is {email_of(db, customer_id)}")
    agent.respond("s7", "yes")
    agent.respond("s7", f"As I said: {request}")
    looked_up = [str(m.content) for m in agent.messages("s7") if isinstance(m, ToolMessage)
                 and m.name == "get_order_details"]
    assert first.id in looked_up[0] and second.id in looked_up[-1]


def test_a_no_to_a_change_on_one_order_points_to_another_that_fits_as_well(db):
    from assistant.dialogue.order_finder import declined_order

    _, orders = _customer_with(db, lambda os: sum(o.status == "delivered" for o in os) >= 2 and _has_unique_items(os))
    delivered = [o for o in orders if o.status == "delivered"]
    wrong = {"order_id": delivered[0].id, "item_ids": ["1"]}
    again = ["No, I meant the return from my other delivery."]
    declined = declined_order(("return_delivered_order_items", wrong), again)
    assert declined == delivered[0].id
    fits = fitting_orders(orders, again, focus=delivered[0].id, declined=declined)
    assert fits and delivered[0] not in fits and all(o.status == "delivered" for o in fits)
    # the words still point to that order alone (its arguments were wrong, not the order): it stays
    named = [f"No, return the {_unique_item(delivered[0], orders)} instead."]
    assert fitting_orders(orders, named, declined=declined_order(("return_delivered_order_items", wrong), named)) \
        == [delivered[0]]
    # a "no" asking for another kind of change is about the same order
    assert declined_order(("return_delivered_order_items", wrong), ["No, I don't want a return, exchange it."]) is None
    assert declined_order(None, again) is None


def test_a_word_only_one_item_name_has_picks_its_order(db):
    def fits(orders):
        heads = {line.name.split()[-1] for o in orders for line in o.items}
        return len(orders) >= 2 and any(len(line.name.split()) > 1 and line.name.split()[0] not in heads
                                        for line in orders[0].items)
    _, orders = _customer_with(db, fits)
    words = {w.lower() for o in orders[1:] for line in o.items for w in line.name.split()}
    item = next(line.name for line in orders[0].items
                if len(line.name.split()) > 1 and len(line.name.split()[0]) > 3
                and line.name.split()[0].lower() not in words)
    first_word = item.split()[0].lower()
    assert fitting_orders(orders, [f"the order with the {first_word} in it"]) == [orders[0]]


def _order(order_id: str, position: int, *items: tuple[str, dict]):
    from types import SimpleNamespace
    return SimpleNamespace(id=order_id, status="pending", position=position,
                           items=[SimpleNamespace(name=name, options=options) for name, options in items])


def test_the_options_a_shopper_says_pick_between_orders_of_the_same_item():
    from assistant.dialogue.order_finder import declined_order
    black = _order("#W1", 0, ("T-Shirt", {"color": "black", "size": "XXL", "style": "crew neck"}))
    blue = _order("#W2", 1, ("T-Shirt", {"color": "blue", "size": "S", "style": "v-neck"}), ("Kettle", {}))
    orders = [black, blue]
    assert fitting_orders(orders, ["Please swap my small v-neck t-shirt for a purple one."]) == [blue]
    assert fitting_orders(orders, ["我那件 XXL 的 t-shirt 想换个颜色"]) == [black]
    # options asked for are what the shopper wants, not what the order has
    assert fitting_orders(orders, ["Could my t-shirt be changed to blue?"]) == orders
    assert fitting_orders(orders, ["Change my black t-shirt to blue."]) == [black]
    declined = ("modify_pending_order_items", {"order_id": "#W1"})
    assert declined_order(declined, ["No, not that one, I want to change the items of the other order."]) == "#W1"
    assert declined_order(declined, ["No, please cancel that order instead."]) is None
