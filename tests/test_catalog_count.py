"""How many options a product comes in is answered from the catalog, beside whatever else the turn does."""

from __future__ import annotations

from sqlalchemy import select

from assistant.db import Product
from assistant.dialogue.catalog_count import catalog_count, count_question
from assistant.dialogue.product_facts import catalog_of
from assistant.evaluation import scoring
from tests.agent_helpers import scripted_agent


def _product(db, name: str) -> tuple[int, set[str]]:
    with db.session() as session:
        product = session.scalar(select(Product).where(Product.name == name))
        available = [v.options for v in product.variants if v.available]
        return len(available), {str(o["color"]) for o in available if "color" in o}


def test_count_questions_are_read_in_english_and_chinese():
    assert count_question("Could you tell me how many versions of the hiking boots you carry?")[1] is None
    assert count_question("how many sizes does it come in")[1] == "size"
    assert count_question("这个背包一共有多少种颜色？")[1] == "colo"
    assert count_question("How many days do I have to send it back?") is None
    assert count_question("how many orders have I placed") is None


def test_the_count_comes_from_the_available_variants(db):
    count, colors = _product(db, "T-Shirt")
    answer, product_id = catalog_count(db, "how many t-shirt options do you have in stock?", "en")
    assert answer == f"Right now {count} T-Shirt options are available." and product_id
    by_color, _ = catalog_count(db, "How many colors does the T-Shirt come in?", "en")
    assert f" {len(colors)} colors: " in by_color and all(c in by_color for c in colors)
    assert f"{count} 款" in catalog_count(db, "T恤有多少款？", "zh")[0]
    assert catalog_count(db, "how many widgets options are there?", "en") is None  # no such product


def test_the_agent_answers_the_count_above_its_own_reply(db, tmp_path):
    count, _ = _product(db, "T-Shirt")
    agent, model = scripted_agent(db, tmp_path, ["Sure, to find your account please give me your email.",
                                                 "Please tell me your email."])
    answer = agent.respond("c1", "How many tshirt options are available right now? Also I want to return "
                                 "a headphone.").text
    assert answer.startswith(f"Right now {count} T-Shirt options are available.")
    assert agent.messages("c1")[-1].content == answer  # kept in the conversation as it was sent
    steps = [(m.type, getattr(m, "name", None)) for m in agent.messages("c1")]
    assert steps[-3:-1] == [("ai", "kefu"), ("tool", "get_product_details")]  # the facts' source, before the reply
    assert scoring.ungrounded_sent(agent.messages("c1"), catalog_of(db)) == []
    agent.respond("c1", "hm, ok")
    shown = " ".join(str(m.content) for m in model.prompts[-1])
    assert "Sure, to find your account" in shown and "T-Shirt" not in shown  # the model sees its own reply only
