"""The shop's knowledge base: opened from the settings, with the catalog taken from the shop database."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from assistant.config import Settings, get_settings
from assistant.db import Database, Product, ProductCopy
from assistant.shop.records import product_record


def open_knowledge_base(settings: Settings | None = None, collection: str | None = None):
    """The KnowledgeBase named by the settings (embedded Chroma, or the server at KEFU_CHROMA_URL)."""
    from knowledge.embedder import Embedder
    from knowledge.store import KnowledgeBase, open_client

    settings = settings or get_settings()
    client = open_client(settings.data_dir / "chroma", settings.chroma_url)
    return KnowledgeBase(client, collection or settings.kb_collection, Embedder(settings.embedder),
                         curated_threshold=settings.curated_threshold)


def copy_by_product(session) -> dict[str, list[str]]:
    """Every product's saved copy, by product id (English before Chinese)."""
    copy: dict[str, list[str]] = {}
    for row in session.scalars(select(ProductCopy).order_by(ProductCopy.language)):
        copy.setdefault(row.product_id, []).append(row.text)
    return copy


def catalog_documents(db: Database) -> list:
    """One knowledge document per product, with its saved copy, variants, options, prices and stock."""
    from knowledge.sources import catalog_document

    with db.session() as session:
        copy = copy_by_product(session)
        products = session.scalars(select(Product).order_by(Product.position).options(selectinload(Product.variants)))
        documents = []
        for product in products:
            record = product_record(product)
            record["description"] = product.description
            record["copy"] = copy.get(product.id, [])
            record["variants"] = list(record["variants"].values())
            documents.append(catalog_document(record))
    return documents
