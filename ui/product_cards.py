"""Product cards in the shopper widget: the products kefu last offered in this conversation, and opening one.

The cards are the ones the agent's catalog search recorded (`product_search` events), so the widget shows
exactly what the reply named. Opening a card shows the product's live options and prices and is recorded as a
`product_card_opened` event for the staff metrics.
"""

from __future__ import annotations

import html

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from assistant.db import AgentEvent, Conversation, Database, Product, ProductCopy
from assistant.dialogue.events import record_event

MAX_VARIANTS_SHOWN = 8


def offered_cards(db: Database, conversation_id: str) -> list[dict]:
    """The cards of the conversation's latest product search (none after a search that found nothing)."""
    with db.session() as session:
        event = session.scalars(select(AgentEvent).where(AgentEvent.conversation_id == conversation_id,
                                                         AgentEvent.kind == "product_search")
                                .order_by(AgentEvent.id.desc()).limit(1)).first()
        return list((event.detail or {}).get("cards", [])) if event else []


def card_html(card: dict) -> str:
    low, high = card["price_from"], card["price_to"]
    price = f"${low:.2f}" + (f"–${high:.2f}" if high > low else "")
    stock = "in stock" if card["in_stock"] else "out of stock"
    options = "; ".join(f"{axis}: {', '.join(values)}" for axis, values in card.get("options", {}).items())
    return (f'<div class="kefu-product" data-product="{html.escape(card["product_id"])}">'
            f'<b>{html.escape(card["name"])}</b><br>{price} · {stock}<br>'
            f'<small>{html.escape(options)}</small><br><small><i>{html.escape(card.get("why", ""))}</i></small></div>')


def card_samples(cards: list[dict]) -> list[list[str]]:
    return [[card_html(card)] for card in cards]


def open_card(db: Database, conversation_id: str, index: int) -> str:
    """The product's description, its copy in the conversation's language and its in-stock variants, as Markdown;
    records that the card was opened."""
    cards = offered_cards(db, conversation_id)
    if not isinstance(index, int) or not 0 <= index < len(cards):
        return ""
    product_id = cards[index]["product_id"]
    with db.session() as session:
        product = session.scalars(select(Product).where(Product.id == product_id)
                                  .options(selectinload(Product.variants))).first()
        if product is None:
            return ""
        conversation = session.get(Conversation, conversation_id)
        language = (conversation.language if conversation else None) or "en"
        copy = session.get(ProductCopy, (product_id, language)) or session.get(ProductCopy, (product_id, "en"))
        lines = [f"**{product.name}**", "", copy.text if copy else (product.description or ""), ""]
        shown = [v for v in product.variants if v.available][:MAX_VARIANTS_SHOWN]
        lines += ["| options | price |", "| --- | --- |"]
        lines += [f"| {', '.join(f'{k}: {val}' for k, val in v.options.items())} | ${v.price:.2f} |" for v in shown]
    record_event(db, conversation_id, "product_card_opened", product_id=product_id)
    return "\n".join(lines)
