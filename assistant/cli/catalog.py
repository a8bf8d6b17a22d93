"""`kefu catalog`: product descriptions drafted by the served model, checked against each product's record."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.kb import TranslateOption

app = typer.Typer(no_args_is_help=True, help="The catalog: product search as shoppers get it, and product copy.")
Language = Annotated[str, typer.Option("--language", help="en or zh.")]


def _db():
    from assistant.db import Database

    return Database.from_settings()


def _all_products(db) -> list[str]:
    from sqlalchemy import select

    from assistant.db import Product

    with db.session() as session:
        return list(session.scalars(select(Product.id).order_by(Product.position)))


@app.command()
def draft(
    product_ids: Annotated[list[str] | None, typer.Argument(help="Products to draft for.")] = None,
    language: Language = "en",
    every: Annotated[bool, typer.Option("--all", help="Every product in the catalog (batch, with a progress bar).")
                     ] = False,
    out: Annotated[Path | None, typer.Option(help="Write the drafts as JSONL here instead of printing them.")] = None,
) -> None:
    """Draft descriptions with the served model; each claim the product's record does not hold is listed. Nothing
    is saved: staff save from the console or with `kefu catalog save`."""
    from rich.progress import track

    from assistant.catalog.drafting import draft as draft_one
    from assistant.errors import KefuError

    db = _db()
    ids = _all_products(db) if every else list(product_ids or [])
    if not ids:
        raise KefuError("name one or more product ids, or --all")
    drafts = []
    for product_id in track(ids, description=f"drafting {len(ids)} descriptions", transient=True,
                            disable=len(ids) == 1):
        result = draft_one(db, product_id, language)
        drafts.append({"product_id": product_id, "language": language, "text": result.text,
                       "unsupported": [c.text for c in result.claims]})
        if out is None:
            typer.echo(f"{product_id}: {result.text}")
            for claim in result.claims:
                typer.secho(f"  not in the record: {claim.text} ({claim.reason})", fg="yellow")
    if out is not None:
        out.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in drafts), encoding="utf-8")
        flagged = sum(bool(d["unsupported"]) for d in drafts)
        typer.echo(f"{len(drafts)} drafts → {out}; {flagged} with a claim the record does not hold")


@app.command()
def save(
    product_id: str,
    text: Annotated[str, typer.Argument(help="The approved description.")],
    language: Language = "en",
    by: Annotated[str, typer.Option(help="Who approved it.")] = "cli",
) -> None:
    """Save an approved description; `kefu kb sync` makes it searchable."""
    from assistant.catalog.drafting import save_copy

    save_copy(_db(), product_id, language, text, by)
    typer.echo(f"saved the {language} description of {product_id}; run `kefu kb sync` to make it searchable")


@app.command()
def check(
    drafts: Annotated[Path, typer.Argument(help="JSONL from `kefu catalog draft --out`.")],
) -> None:
    """The share of drafts holding a claim their product's record does not, re-checked against today's records."""
    from assistant.catalog.drafting import draft_claims, load_record

    db = _db()
    rows = [json.loads(line) for line in drafts.read_text(encoding="utf-8").splitlines() if line.strip()]
    flagged = [r for r in rows if draft_claims(db, load_record(db, r["product_id"]), r["text"])]
    typer.echo(json.dumps({"drafts": len(rows), "with_unsupported_claims": len(flagged),
                           "rate": round(len(flagged) / max(len(rows), 1), 3)}))


def _product_search(db):
    from assistant.catalog.search import ProductSearch
    from assistant.config import get_settings
    from knowledge.embedder import Embedder

    return ProductSearch(db, Embedder(get_settings().embedder))


@app.command()
def search(text: Annotated[str, typer.Argument(help="What the shopper asks for, in English or Chinese.")],
           limit: Annotated[int, typer.Option(min=1, max=10)] = 3, translate: TranslateOption = None) -> None:
    """Search the catalog as the shopper chat does: the products, prices and why each fits, as JSON lines."""
    from assistant.catalog.answer import cards
    from assistant.catalog.needs import read_need
    from assistant.config import get_settings
    from assistant.dialogue.query_translation import translator_for

    need = read_need(text, translator_for(get_settings(), translate))
    result = _product_search(_db()).search(need, limit=limit)
    for card in cards(result, need, need.language):
        typer.echo(json.dumps(card, ensure_ascii=False))
    if not result.found:
        typer.echo(json.dumps({"found": 0, "over_budget": result.over_budget}, ensure_ascii=False))


@app.command("eval")
def eval_(file: Annotated[Path | None, typer.Argument(help="JSONL questions (default: the demo shop's set).")] = None,
          split: Annotated[str | None, typer.Option(help="dev or test.")] = None,
          translate: TranslateOption = None,
          as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Recall@1/3 and MRR@3 of product search on a product-question set, English and Chinese apart, and how often
    a question the shop has no answer for gets none."""
    from assistant.catalog.evaluation import evaluate_products, load_product_questions
    from assistant.config import get_settings
    from assistant.dialogue.query_translation import translator_for

    report = evaluate_products(_product_search(_db()), load_product_questions(file, split),
                               translator_for(get_settings(), translate))
    rows = report.pop("rows")
    if as_json:
        typer.echo(json.dumps(report | {"misses": [r for r in rows if not set(r["names"]) & set(r["expected"])
                                                   and (r["expected"] or r["names"])]}, ensure_ascii=False))
        return
    for name, figures in report.items():
        typer.echo(f"{name}: " + "  ".join(f"{k}={v}" for k, v in figures.items()))
