"""Shopping help: reading a product request, catalog search with the real embedder over a real demo shop, the
agent answering it before the model with cards, order messages left alone, and the staff metrics."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import HumanMessage, ToolMessage
from sqlalchemy import select

from assistant.catalog.evaluation import evaluate_products, load_product_questions
from assistant.catalog.needs import read_need
from assistant.catalog.search import ProductSearch
from assistant.db import AgentEvent, Database
from assistant.dialogue.shopping_first import shopping_cue
from assistant.dialogue.tool_execution import KnowledgeSearch
from tests.agent_helpers import scripted_agent
from ui.metrics import daily_metrics
from ui.product_cards import offered_cards, open_card


@pytest.mark.parametrize("text, low, high", [
    ("a rain coat under $120", None, 120), ("sneakers, less than 90 bucks", None, 90),
    ("a lamp between $30 and $50", 30, 50), ("a 65W charger", None, None), ("a 27 inch monitor", None, None),
    ("jeans for at least 70 dollars", 70, None), ("200元以内的椅子", None, 200), ("预算不超过80的背包", None, 80),
    ("一千块以上的手表", None, None), ("50块以上的枕头", 50, None),
])
def test_prices_are_read_and_units_are_not_prices(text, low, high):
    need = read_need(text)
    assert (need.price_min, need.price_max) == (low, high)


def test_a_chinese_request_is_searched_in_english_and_a_bare_wish_is_vague():
    need = read_need("想买一个黑色的双肩包，100元以内")
    assert need.language == "zh" and need.price_max == 100
    assert "backpack" in need.query and "black" in need.query
    assert read_need("can you recommend something nice?").vague
    assert read_need("推荐点东西吧").vague
    assert not read_need("recommend a tent").vague


@pytest.fixture
def shop(catalog_shop) -> Database:
    return catalog_shop


@pytest.fixture
def search(product_search) -> ProductSearch:
    return product_search


def test_price_and_stock_are_filtered_in_code(search):
    found = search.search(read_need("a jacket for the rain, no more than $100")).found
    assert found and found[0].entry.name == "Rain Jacket"
    card = found[0].card()
    assert card["price_to"] <= 100 and card["in_stock"]
    assert all(v["available"] and v["price"] <= 100 for v in found[0].fitting)
    over = search.search(read_need("an office chair below $50"))
    assert over.found == [] and [name for name, _ in over.over_budget] == ["Office Chair"]


def test_options_named_in_the_request_pick_the_variant(search):
    found = search.search(read_need("hiking boots, waterproof please")).found
    assert found[0].entry.name == "Hiking Boots" and found[0].matched_options == {"waterproof": "yes"}
    assert found[0].fitting[0]["options"]["waterproof"] == "yes"


def test_things_the_shop_does_not_sell_get_nothing(search):
    assert search.search(read_need("do you stock garden hoses?")).found == []
    assert search.search(read_need("有没有卖洗衣机")).found == []


def test_the_packaged_dev_split_keeps_its_figures(search):
    report = evaluate_products(search, load_product_questions(split="dev"))
    assert report["all"]["n"] >= 30 and report["zh"]["n"] >= 10
    assert report["all"]["recall@3"] >= 0.85 and report["all"]["no_answer_right"] >= 0.6


@pytest.mark.parametrize("text", [
    "I'd like to return the jacket from my last order", "Where is my package?", "Do you sell my data?",
    "Can I pay with a gift card?", "cancel order #W1234567", "我想换一个大一点的尺码", "我的快递到哪了",
    "Can I talk to a human about headphones?", "买了耳机和台灯的那一单当时付了多少钱？",
])
def test_order_account_and_policy_messages_are_not_shopping(text):
    assert shopping_cue(text) is None


@pytest.fixture
def shopping_agent(shop, tmp_path, search):
    knowledge = KnowledgeSearch(lambda: None)
    knowledge.embed = search.embedder  # the embedder already loaded for the module
    agent, model = scripted_agent(shop, tmp_path, ["The model was asked."] * 5, knowledge=knowledge)
    yield agent, model
    agent.close()


def test_a_product_request_is_answered_from_the_catalog_with_cards(shopping_agent, shop):
    agent, model = shopping_agent
    reply = agent.respond("shop-1", "Can you recommend a backpack for my laptop, under $90?")
    assert model.prompts == []  # answered before the model
    assert reply.products and reply.products[0]["name"] == "Backpack"
    assert all(card["price_to"] <= 90 for card in reply.products)
    assert "**Backpack**" in reply.text and f"${reply.products[0]['price_from']:.2f}" in reply.text
    searched = [m for m in agent.messages("shop-1") if isinstance(m, ToolMessage)]
    assert searched[0].name == "search_catalog" and json.loads(searched[0].content)["price_max"] == 90
    assert offered_cards(shop, "shop-1")[0]["product_id"] == reply.products[0]["product_id"]
    detail = open_card(shop, "shop-1", 0)
    assert detail.startswith("**Backpack**") and "| options | price |" in detail
    today = daily_metrics(shop, days=1).iloc[-1]
    assert today["product_questions"] >= 1 and today["product_cards_opened"] >= 1


def test_chinese_request_gets_a_chinese_answer_and_a_vague_one_a_question(shopping_agent):
    agent, model = shopping_agent
    reply = agent.respond("shop-2", "有没有适合露营用的帐篷？")
    assert reply.language == "zh" and reply.products[0]["name"] == "Tent" and "为您" in reply.text
    vague = agent.respond("shop-3", "Could you recommend something?")
    assert vague.products == [] and "budget" in vague.text and model.prompts == []


class Translator:
    """The served model's Chinese → English, as a table; it records what it was asked."""

    def __init__(self, table: dict[str, str]):
        self.table, self.asked = table, []

    def __call__(self, text: str) -> str | None:
        self.asked.append(text)
        return self.table.get(text)


def test_the_served_models_english_finds_what_the_glossary_cannot_read(search):
    translate = Translator({"家里缺个放书的架子": "I need a shelf for my books at home",
                            "手机摔了想买个保护壳": "I'm sorry, I can't access your phone. Anything else?"})
    assert search.search(read_need("家里缺个放书的架子")).found == []  # the glossary alone: no shelf, no books
    found = search.search(read_need("家里缺个放书的架子", translate)).found
    assert found and found[0].entry.name == "Bookshelf"
    assert "sorry" not in read_need("手机摔了想买个保护壳", translate).query.lower()  # an answer is not a translation
    assert read_need("推荐一款无线耳机", translate).query == "wireless headphones"  # every word known: not asked
    assert read_need("a bookshelf please", translate).query == "a bookshelf please"
    assert translate.asked == ["家里缺个放书的架子", "手机摔了想买个保护壳"]


def test_the_agent_searches_the_catalog_with_the_knowledge_bases_translator(shop, tmp_path, search):
    translate = Translator({"有没有放书的架子？": "Do you have a shelf for books?"})
    knowledge = KnowledgeSearch(lambda: None, translate=translate)
    knowledge.embed = search.embedder
    agent, model = scripted_agent(shop, tmp_path, ["The model was asked."], knowledge=knowledge)
    with agent:
        reply = agent.respond("shop-zh-shelf", "有没有放书的架子？")
    assert translate.asked == ["有没有放书的架子？"] and model.prompts == []
    assert reply.language == "zh" and reply.products[0]["name"] == "Bookshelf"


def test_a_message_about_an_order_goes_to_the_model(shopping_agent, shop):
    agent, model = shopping_agent
    reply = agent.respond("shop-4", "My order of hiking boots has not arrived yet")
    assert reply.text == "The model was asked." and reply.products == []
    with shop.session() as session:
        kinds = session.scalars(select(AgentEvent.kind).where(AgentEvent.conversation_id == "shop-4")).all()
    assert "product_search" not in kinds
    assert isinstance(agent.messages("shop-4")[0], HumanMessage)


def test_a_question_about_an_offered_product_is_answered_from_its_variants(shopping_agent):
    agent, model = shopping_agent
    offered = agent.respond("shop-5", "Do you have a rain jacket?")
    assert offered.products[0]["name"] == "Rain Jacket"
    colour = agent.respond("shop-5", "Does the first one come in black?")
    assert model.prompts == [] and "Rain Jacket" in colour.text
    assert colour.text.startswith("Yes, **Rain Jacket** comes in black") or "isn't available in black" in colour.text
    assert agent.respond("shop-5", "and in size L?").text.count("Rain Jacket") == 1  # still about the same card
    assert agent.respond("shop-5", "thanks, that is all").text == "The model was asked."
