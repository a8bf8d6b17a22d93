"""Advice tied to an identified shopper's own purchases, answered from their orders and the real catalog with the
real embedder: another size or colour, what goes with it, what to get instead; commands and strangers are not."""

from __future__ import annotations

import json
import re

import pytest
from langchain_core.messages import ToolMessage
from sqlalchemy import select

from assistant.catalog.purchases import advice_kind
from assistant.db import AgentEvent, Order, Variant
from assistant.dialogue.tool_execution import KnowledgeSearch
from tests.agent_helpers import email_of, scripted_agent

ASKED = "The model was asked."


@pytest.mark.parametrize("text, kind", [
    ("Does the hoodie I bought come in navy?", "variant"),
    ("do u have the jeans i ordered one size up", "variant"),
    ("我买的跑鞋有大一号的吗？", "variant"),
    ("What would go well with the tent I got last month?", "accessory"),
    ("有什么配件适合我买的帐篷？", "accessory"),
    ("I sent back the headphones. Anything similar you'd suggest?", "replacement"),
    ("I'd like to exchange the hoodie I bought for a bigger size", None),
    ("please cancel the order with the tent", None),
    ("my hoodie arrived torn", None),
    ("我要把买的鞋换成大一号的", None),
])
def test_advice_is_read_from_questions_and_commands_are_left_to_the_order_tools(text, kind):
    assert advice_kind(text) == kind


def _sized_purchase(db, status: str, sized: bool = True) -> tuple[str, str, dict, str]:
    """(customer, product name, bought options, order id) of an order line in `status` whose product the customer
    bought only once and (when `sized`) comes in a larger size than the one bought."""
    with db.session() as session:
        for order in session.scalars(select(Order).where(Order.status == status).order_by(Order.position)):
            for line in order.items:
                sizes = [v.options.get("size") for v in session.scalars(
                    select(Variant).where(Variant.product_id == line.product_id))]
                bought_again = [o for o in order.customer.orders if o.id != order.id
                                and line.product_id in {item.product_id for item in o.items}]
                larger = line.options.get("size") in ("XS", "S", "M") and {"L", "XL", "XXL"} & set(sizes)
                returned_once = order.return_request is not None and order.return_request.item_ids == [line.item_id]
                returned_once = returned_once and len([o for o in order.customer.orders if o.status == status]) == 1
                if (larger or not sized and returned_once) and not bought_again:
                    return order.customer_id, line.name, dict(line.options), order.id
    raise AssertionError(f"no {status} order with a sized item in the demo shop")


@pytest.fixture
def advice_agent(catalog_shop, tmp_path, product_search):
    knowledge = KnowledgeSearch(lambda: None)
    knowledge.embed = product_search.embedder
    agent, model = scripted_agent(catalog_shop, tmp_path, [ASKED] * 8, knowledge=knowledge)
    yield agent, model
    agent.close()


def _prices(db, product_name: str) -> set[str]:
    with db.session() as session:
        variants = session.scalars(select(Variant).join(Variant.product).where(Variant.product.has(name=product_name)))
        return {f"${v.price:.2f}" for v in variants}


def test_an_identified_shopper_gets_a_bigger_size_of_what_they_bought(advice_agent, catalog_shop):
    agent, model = advice_agent
    customer, name, options, order_id = _sized_purchase(catalog_shop, "delivered")
    agent.respond("adv-1", f"hi, my email is {email_of(catalog_shop, customer)}")
    asked_before = len(model.prompts)
    reply = agent.respond("adv-1", f"Do you have the {name.lower()} I bought in a bigger size?")
    assert len(model.prompts) == asked_before  # answered before the model
    assert f"**{name}**" in reply.text and order_id in reply.text and "exchange" in reply.text
    assert reply.products and {c["name"] for c in reply.products} == {name}
    assert set(re.findall(r"\$\d+\.\d\d", reply.text)) <= _prices(catalog_shop, name)
    step = next(m for m in agent.messages("adv-1") if isinstance(m, ToolMessage) and m.name == "advise_on_purchase")
    offered = json.loads(step.content)["variants"]
    order = ["XXS", "XS", "S", "M", "L", "XL", "XXL", "XXXL"]
    assert offered and all(order.index(v["options"]["size"]) > order.index(options["size"]) for v in offered)
    with catalog_shop.session() as session:
        event = session.scalars(select(AgentEvent).where(AgentEvent.conversation_id == "adv-1",
                                                         AgentEvent.kind == "product_search")).one()
    assert event.detail["advice"] == "variant"


def test_chinese_advice_and_what_goes_with_a_purchase(advice_agent, catalog_shop):
    agent, model = advice_agent
    customer, name, _, _ = _sized_purchase(catalog_shop, "delivered")
    agent.respond("adv-2", f"我的邮箱是 {email_of(catalog_shop, customer)}")
    reply = agent.respond("adv-2", f"我买的 {name} 还有别的颜色吗？")
    assert reply.language == "zh" and f"**{name}**" in reply.text and "有货" in reply.text
    step = [m for m in agent.messages("adv-2") if isinstance(m, ToolMessage) and m.name == "advise_on_purchase"][-1]
    bought = json.loads(step.content)["purchase"]["options"]["color"]
    assert all(v["options"]["color"] != bought for v in json.loads(step.content)["variants"])
    goes_with = agent.respond("adv-2", f"What goes well with the {name.lower()} I bought?")
    assert goes_with.products and name not in {c["name"] for c in goes_with.products}
    assert all(c["why"] == f"goes with your {name}" for c in goes_with.products)


def test_instead_of_a_returned_item_other_products_and_versions_are_offered(advice_agent, catalog_shop):
    agent, _ = advice_agent
    customer, name, _, _ = _sized_purchase(catalog_shop, "return requested", sized=False)
    agent.respond("adv-3", f"my email: {email_of(catalog_shop, customer)}")
    reply = agent.respond("adv-3", "Can you suggest something similar instead of what I returned?")
    assert f"Instead of the **{name}**" in reply.text or f"Other versions of the **{name}**" in reply.text


def test_commands_and_unidentified_shoppers_go_to_the_rest_of_the_agent(advice_agent, catalog_shop):
    agent, model = advice_agent
    stranger = agent.respond("adv-4", "Does the hoodie I bought come in a bigger size?")
    assert stranger.products == [] and "#W" not in stranger.text
    customer, name, _, order_id = _sized_purchase(catalog_shop, "delivered")
    agent.respond("adv-5", f"hi, my email is {email_of(catalog_shop, customer)}")
    command = agent.respond("adv-5", f"I want to exchange the {name.lower()} I bought for a bigger size")
    assert not any(isinstance(m, ToolMessage) and m.name == "advise_on_purchase" for m in agent.messages("adv-5"))
    assert command.products == []


def test_advice_shows_only_the_shoppers_own_orders(advice_agent, catalog_shop):
    agent, _ = advice_agent
    customer, _, _, _ = _sized_purchase(catalog_shop, "delivered")
    agent.respond("adv-6", f"hi, my email is {email_of(catalog_shop, customer)}")
    texts = [agent.respond("adv-6", t).text for t in (
        "what would you recommend to go with what I bought?", "Does the tent I ordered come in a bigger size?")]
    with catalog_shop.session() as session:
        own = set(session.scalars(select(Order.id).where(Order.customer_id == customer)))
    assert set(re.findall(r"#W\d+", " ".join(texts))) <= own
