"""Catalog copy: claims a description makes that the product's record does not hold, the demo's house style,
drafting from the record with saved copy as examples, saving, and the saved copy in the knowledge base."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage
from sqlalchemy import select
from typer.testing import CliRunner

from assistant.catalog.claims import highlighted, unsupported_claims
from assistant.catalog.drafting import catalog_names, draft, draft_messages, load_record, save_copy
from assistant.cli import app
from assistant.config import Settings
from assistant.db import Database, Product, ProductCopy
from assistant.errors import KefuError
from assistant.shop.catalog import house_style
from tests.conftest import small_demo_shop

RECORD = {"name": "Water Bottle", "description": "Leak-proof bottle.", "variants": [
    {"options": {"capacity": "750ml", "material": "glass", "color": "black"}, "price": 27.5},
    {"options": {"capacity": "500ml", "material": "stainless steel", "color": "white"}, "price": 24.0}]}


def test_claims_the_record_does_not_hold_are_found_in_english_and_chinese():
    copy = "A leak-proof glass bottle in black or purple, 750ml or 1000ml, BPA-free, from $24. 不锈钢材质，蓝色，保温。"
    found = [c.text for c in unsupported_claims(copy, RECORD)]
    assert found == ["purple", "1000", "BPA-free", "蓝色", "保温"]
    supported = "Leak-proof, in glass or stainless steel, 500ml or 750ml, white or black, $27.50. 防漏，玻璃或不锈钢，黑色。"
    assert unsupported_claims(supported, RECORD) == []
    copied = "A leak-proof bottle that fits the side pocket of our Backpack, like our Travel Mugs."
    assert [c.text for c in unsupported_claims(copied, RECORD, ["Backpack", "Travel Mug", "Water Bottle"])] == [
        "Backpack", "Travel Mugs"]
    pieces = highlighted(copy, unsupported_claims(copy, RECORD))
    assert "".join(text for text, _ in pieces) == copy
    assert [text for text, label in pieces if label] == found


@pytest.fixture
def demo_db(tmp_path) -> Database:
    db = small_demo_shop(tmp_path / "shop.db")
    yield db
    db.dispose()


def _product(db: Database, name: str) -> str:
    with db.session() as session:
        return session.scalar(select(Product.id).where(Product.name == name))


class Recording:
    """A chat model stand-in that answers one text and keeps what it was asked (or fails, like a dead server)."""

    def __init__(self, reply: str | None):
        self.reply, self.seen = reply, []

    def invoke(self, messages):
        self.seen.append(messages)
        if self.reply is None:
            raise ConnectionError("connection refused")
        return AIMessage(self.reply)


def test_the_demo_shop_is_seeded_with_a_house_style_that_holds_only_recorded_facts(demo_db):
    style = house_style()
    assert len(style) >= 12 and all(set(copy) == {"en", "zh"} for copy in style.values())
    with demo_db.session() as session:
        rows = [(r.product_id, r.language, r.text) for r in session.scalars(select(ProductCopy))]
    assert len(rows) == 2 * len(style)
    names = catalog_names(demo_db)
    for product_id, language, text in rows:
        assert unsupported_claims(text, load_record(demo_db, product_id), names) == [], (product_id, language)


def test_a_draft_is_asked_from_the_record_with_saved_copy_as_examples_and_checked(demo_db):
    kettle = _product(demo_db, "Coffee Maker")
    record = load_record(demo_db, kettle)
    messages = draft_messages(record, "zh", [])
    assert "简体中文" in messages[0]["content"] and "Coffee Maker" in messages[-1]["content"]
    model = Recording("A drip coffee maker in black, with a lifetime warranty.")
    result = draft(demo_db, kettle, "en", model=model)
    assert result.text.startswith("A drip coffee maker")
    assert {c.text for c in result.claims} >= {"lifetime", "warranty"}
    asked = model.seen[0]
    assert [m["role"] for m in asked] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert asked[2]["content"] in {copy["en"] for copy in house_style().values()}
    # A draft that mostly repeats another product's saved copy is flagged as a whole.
    backpack = next(copy["zh"] for name, copy in house_style().items() if name == "Backpack")
    echoed = draft(demo_db, kettle, "zh", model=Recording(backpack))
    assert echoed.claims[0].reason == "repeats the description of Backpack"
    assert highlighted(echoed.text, echoed.claims) == [(backpack, "repeats another product")]
    with pytest.raises(KefuError, match="did not draft"):
        draft(demo_db, kettle, "en", model=Recording(None))
    with pytest.raises(KefuError, match="no product"):
        draft(demo_db, "nope", "en", model=model)


def test_saving_copy_replaces_it_refuses_bad_input_and_keeps_the_old_text(demo_db):
    mug = _product(demo_db, "Travel Mug")
    save_copy(demo_db, mug, "en", "  An insulated mug for the commute.  ", "ana")
    with pytest.raises(KefuError, match="empty"):
        save_copy(demo_db, mug, "en", "   ", "ana")
    with pytest.raises(KefuError, match="language"):
        save_copy(demo_db, mug, "fr", "Une tasse.", "ana")
    with pytest.raises(KefuError, match="no product"):
        save_copy(demo_db, "0000", "en", "A mug.", "ana")
    with demo_db.session() as session:
        row = session.get(ProductCopy, (mug, "en"))
        assert (row.text, row.saved_by) == ("An insulated mug for the commute.", "ana")


def test_saved_copy_is_searchable_after_a_sync_and_the_cli_saves_and_checks(demo_db, tmp_path, monkeypatch):
    from assistant.knowledge_base import catalog_documents, open_knowledge_base
    from knowledge.search import search

    settings = Settings(_env_file=None, data_dir=tmp_path, database_url=str(demo_db.engine.url))
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KEFU_DATABASE_URL", str(demo_db.engine.url))
    from assistant.config import get_settings
    get_settings.cache_clear()
    lamp = _product(demo_db, "Desk Lamp")
    text = "A warm desk lamp for night owls who read until the small hours."
    result = CliRunner().invoke(app, ["catalog", "save", lamp, text, "--by", "ana"])
    assert result.exit_code == 0, result.output
    kb = open_knowledge_base(settings)
    kb.sync_documents(catalog_documents(demo_db), "catalog")
    top = search(kb, "lamp for night owls reading late", k=3)
    assert top[0].citation.endswith(lamp) or lamp in top[0].source, [p.source for p in top]
    assert text in top[0].text and "台灯" in " ".join(p.text for p in search(kb, "台灯", k=3))
    drafts = tmp_path / "drafts.jsonl"
    drafts.write_text(json.dumps({"product_id": lamp, "text": "A lamp in gold, 99 lumens."}) + "\n"
                      + json.dumps({"product_id": lamp, "text": text}) + "\n")
    checked = CliRunner().invoke(app, ["catalog", "check", str(drafts)])
    assert json.loads(checked.output.strip().splitlines()[-1]) == {"drafts": 2, "with_unsupported_claims": 1,
                                                                   "rate": 0.5}
    get_settings.cache_clear()
