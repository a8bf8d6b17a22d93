"""The staff console's catalog-copy tab: the served model drafts a product description, staff edit it with the
claims the product's record does not hold highlighted, and save it into the catalog and the knowledge base."""

from __future__ import annotations

import gradio as gr
from sqlalchemy import select

from assistant.catalog.claims import highlighted
from assistant.catalog.drafting import LANGUAGES, draft, draft_claims, load_record, save_copy
from assistant.config import Settings
from assistant.db import Database, Product, ProductCopy
from assistant.errors import KefuError
from ui.staff_accounts import require_admin


def product_choices(db: Database) -> list[tuple[str, str]]:
    with db.session() as session:
        return [(f"{p.name} ({p.id})", p.id) for p in session.scalars(select(Product).order_by(Product.position))]


def saved_copy(db: Database, product_id: str | None, language: str) -> str:
    if not product_id:
        return ""
    with db.session() as session:
        row = session.get(ProductCopy, (product_id, language))
        return row.text if row else ""


def sync_catalog(settings: Settings, db: Database) -> None:
    from assistant.knowledge_base import catalog_documents, open_knowledge_base

    open_knowledge_base(settings).sync_documents(catalog_documents(db), "catalog")


def catalog_tab(settings: Settings, db: Database) -> None:
    """Render the tab inside the staff console's Blocks."""

    def check(product_id, text):
        if not product_id or not text:
            return []
        return highlighted(text, draft_claims(db, load_record(db, product_id), text))

    def pick(product_id, language):
        text = saved_copy(db, product_id, language)
        return text, check(product_id, text)

    def make_draft(product_id, language, request: gr.Request):
        require_admin(db, request.username)
        if not product_id:
            raise gr.Error("Pick a product first.")
        try:
            result = draft(db, product_id, language, settings=settings)
        except KefuError as exc:
            raise gr.Error(str(exc)) from exc
        return result.text, check(product_id, result.text)

    def save(product_id, language, text, request: gr.Request):
        require_admin(db, request.username)
        try:
            save_copy(db, product_id or "", language, text or "", request.username or "staff")
            sync_catalog(settings, db)
        except KefuError as exc:
            raise gr.Error(str(exc)) from exc
        gr.Info("Saved; the knowledge base now answers from it.")
        return check(product_id, text)

    with gr.Tab("Catalog copy"):
        gr.Markdown("Draft a product description from the product's record and the shop's saved descriptions. "
                    "Highlighted words are claims the record does not hold: check them before saving.")
        with gr.Row():
            product = gr.Dropdown(label="Product", choices=product_choices(db), elem_id="copy-product", scale=3)
            language = gr.Radio(label="Language", choices=[(name, code) for code, name in LANGUAGES.items()],
                                value="en", elem_id="copy-language", scale=1)
            draft_button = gr.Button("Draft", elem_id="copy-draft", scale=1)
        text = gr.Textbox(label="Description", lines=5, elem_id="copy-text")
        claims = gr.HighlightedText(label="Claims not in the record", elem_id="copy-claims",
                                    color_map={"not in the record": "red", "repeats another product": "orange"})
        save_button = gr.Button("Save", variant="primary", elem_id="copy-save")
        product.change(pick, [product, language], [text, claims])
        language.change(pick, [product, language], [text, claims])
        draft_button.click(make_draft, [product, language], [text, claims])
        text.change(check, [product, text], claims, show_progress="hidden")
        save_button.click(save, [product, language, text], claims)
