"""Draft a product description with the served model, from the product's record and the shop's saved copy.

The prompt lists the record's facts (name, specification line, each option with the values in stock, the price
range) and, as style examples, up to two saved descriptions of other products in the same language with their
own facts. The draft goes back with the claims the record does not hold (`claims.py`); nothing is saved here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from assistant.catalog.claims import Claim, unsupported_claims
from assistant.db import Database, Product, ProductCopy
from assistant.errors import KefuError

LANGUAGES = {"en": "English", "zh": "Simplified Chinese"}
INSTRUCTIONS = {
    "en": "Write a product description of two or three sentences for an online shop, in English. Use only the "
          "facts listed: no material, colour, feature, size or number that is not in them.",
    "zh": "请为网店写一段两三句话的商品描述，使用简体中文。只能使用所列的事实：不要写出其中没有的材料、颜色、功能、尺寸或数字。",
}


@dataclass
class Draft:
    product_id: str
    language: str
    text: str
    claims: list[Claim]


def product_facts(record: dict) -> str:
    """The record as plain lines: what the model may say."""
    options: dict[str, list[str]] = {}
    for variant in record["variants"]:
        for name, value in variant["options"].items():
            options.setdefault(name, [])
            if value not in options[name]:
                options[name].append(str(value))
    prices = [v["price"] for v in record["variants"]] or [0.0]
    lines = [f"Product: {record['name']}"]
    if record.get("description"):
        lines.append(f"Specification: {record['description']}")
    lines += [f"{name}: {', '.join(values)}" for name, values in options.items()]
    lines.append(f"Price: ${min(prices):.2f}" + (f" to ${max(prices):.2f}" if max(prices) > min(prices) else ""))
    return "\n".join(lines)


def load_record(db: Database, product_id: str) -> dict:
    """A product's name, specification line and variants (with prices and stock)."""
    with db.session() as session:
        product = session.scalars(select(Product).where(Product.id == product_id)
                                  .options(selectinload(Product.variants))).one_or_none()
        if product is None:
            raise KefuError(f"no product with id {product_id}")
        return {"product_id": product.id, "name": product.name, "description": product.description,
                "variants": [{"item_id": v.id, "options": dict(v.options), "price": v.price,
                              "available": v.available} for v in product.variants]}


def catalog_names(db: Database) -> list[str]:
    with db.session() as session:
        return list(session.scalars(select(Product.name).distinct()))


def style_examples(db: Database, product_id: str, language: str, limit: int = 2) -> list[tuple[dict, str]]:
    """Saved copy of other products in this language, with their records."""
    with db.session() as session:
        rows = session.scalars(select(ProductCopy).where(ProductCopy.language == language,
                                                         ProductCopy.product_id != product_id)
                               .order_by(ProductCopy.product_id).limit(limit)).all()
        saved = [(row.product_id, row.text) for row in rows]
    return [(load_record(db, pid), text) for pid, text in saved]


def draft_messages(record: dict, language: str, examples: list[tuple[dict, str]]) -> list[dict]:
    if language not in LANGUAGES:
        raise KefuError(f"language must be one of {', '.join(LANGUAGES)}")
    messages = [{"role": "system", "content": INSTRUCTIONS[language]}]
    for example, text in examples:
        messages += [{"role": "user", "content": product_facts(example)}, {"role": "assistant", "content": text}]
    return messages + [{"role": "user", "content": product_facts(record)}]


def draft(db: Database, product_id: str, language: str = "en", *, model=None, settings=None,
          max_tokens: int = 160) -> Draft:
    """Ask the served model (or `model`, any LangChain chat model) for a description; return it with its claims.
    A drafting adapter (KEFU_DRAFTING_MODEL) learned the house style, so it is shown no style examples."""
    from assistant.config import get_settings
    from assistant.llm import chat_model
    from assistant.serving.models import drafting_adapters

    settings = settings or get_settings()
    tuned = bool(settings.drafting_model) and settings.drafting_model in drafting_adapters(settings)
    record = load_record(db, product_id)
    messages = draft_messages(record, language, [] if tuned else style_examples(db, product_id, language))
    model = model or chat_model(settings, model=settings.drafting_model, streaming=False, max_tokens=max_tokens,
                                temperature=0.3)
    try:
        text = str(model.invoke(messages).content).strip()
    except Exception as error:  # the OpenAI client's connection, status and timeout errors alike
        raise KefuError(f"the model server did not draft ({type(error).__name__}: {error}); is `kefu model serve` "
                        "running with the model the settings name?") from error
    return Draft(product_id, language, text, draft_claims(db, record, text))


def draft_claims(db: Database, record: dict, text: str) -> list[Claim]:
    """The record check, a sentence said twice, and the whole draft when it mostly repeats another product's saved
    description."""
    claims = unsupported_claims(text, record, catalog_names(db))
    sentences = [s.strip() for s in re.split(r"(?<=[.!?。！？])\s*", text) if len(s.strip()) > 8]
    if len(sentences) != len(set(sentences)):  # a small model caught in a loop says one sentence again and again
        repeated = next(s for s in sentences if sentences.count(s) > 1)
        start = text.index(repeated)
        claims = [Claim(start, start + len(repeated), repeated, "repeated sentence"), *claims]
    with db.session() as session:
        saved = session.execute(select(Product.name, ProductCopy.text)
                                .join(Product, Product.id == ProductCopy.product_id)
                                .where(ProductCopy.product_id != record["product_id"])).all()
    for name, other in saved:
        if SequenceMatcher(None, text, other, autojunk=False).ratio() >= 0.6:
            return [Claim(0, len(text), text, f"repeats the description of {name}"), *claims]
    return claims


def save_copy(db: Database, product_id: str, language: str, text: str, saved_by: str) -> None:
    """Store staff's approved copy; the knowledge base reads it on its next sync."""
    text = text.strip()
    if not text:
        raise KefuError("the description is empty")
    if language not in LANGUAGES:
        raise KefuError(f"language must be one of {', '.join(LANGUAGES)}")
    with db.session() as session:
        if session.get(Product, product_id) is None:
            raise KefuError(f"no product with id {product_id}")
        row = session.get(ProductCopy, (product_id, language))
        if row is None:
            session.add(ProductCopy(product_id=product_id, language=language, text=text, saved_by=saved_by))
        else:
            row.text, row.saved_by = text, saved_by

