"""`kefu kb`: sync, search, inspect and evaluate the knowledge base."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, help="The knowledge base (Chroma): sync, search, stats, eval, curated answers.")
curated_app = typer.Typer(no_args_is_help=True, help="Staff-written answers that win for close questions.")
app.add_typer(curated_app, name="curated")
Collection = Annotated[str | None, typer.Option("--collection", help="Collection name (default: KEFU_KB_COLLECTION).")]


def _kb(collection: str | None):
    from assistant.knowledge_base import open_knowledge_base

    return open_knowledge_base(collection=collection)


def _echo_json(payload) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False))


@app.command()
def sync(
    directory: Annotated[Path | None, typer.Argument(help="Folder to mirror (default: <data_dir>/docs).")] = None,
    collection: Collection = None,
    catalog: Annotated[bool, typer.Option("--catalog/--no-catalog", help="Also sync the product catalog.")] = True,
) -> None:
    """Mirror DIR (markdown, text, HTML, PDF, FAQ CSV/JSON, any JSON) into the collection, re-embedding only changes."""
    from assistant.config import get_settings

    kb = _kb(collection)
    reports = {"files": kb.sync_directory(directory or get_settings().data_dir / "docs")}
    if catalog:
        from assistant.db import Database
        from assistant.knowledge_base import catalog_documents

        reports["catalog"] = kb.sync_documents(catalog_documents(Database.from_settings()), "catalog")
    for origin, report in reports.items():
        typer.echo(f"{origin}: {len(report.added)} added, {len(report.updated)} updated, {len(report.deleted)} deleted, "
                   f"{report.unchanged} unchanged, {report.chunks_embedded} chunks embedded")
        for source, error in report.errors.items():
            typer.secho(f"  skipped {source}: {error}", fg="yellow", err=True)


@app.command()
def search(
    query: str,
    k: Annotated[int, typer.Option("-k", help="How many passages.")] = 5,
    collection: Collection = None,
    source_type: Annotated[list[str] | None, typer.Option("--type", help="Only these source types.")] = None,
    language: Annotated[str | None, typer.Option(help="Only passages in this language (en, zh).")] = None,
    mode: Annotated[str, typer.Option(help="hybrid, dense or bm25.")] = "hybrid",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Hybrid search; every passage comes with its citation id."""
    from knowledge.search import search as run_search

    passages = run_search(_kb(collection), query, k, source_types=source_type, language=language, mode=mode)
    if as_json:
        _echo_json([p.as_dict() for p in passages])
        return
    for rank, passage in enumerate(passages, start=1):
        typer.secho(f"{rank}. [{passage.citation}]" + (" (curated)" if passage.curated else ""), bold=True)
        typer.echo("   " + passage.text.replace("\n", "\n   ")[:600])


@app.command()
def stats(collection: Collection = None) -> None:
    """Chunks, sources, languages and the embedder of a collection."""
    _echo_json(_kb(collection).stats())


TranslateOption = Annotated[bool | None, typer.Option(
    "--translate/--no-translate", help="Chinese questions put into English by the served model "
    "(default: KEFU_TRANSLATE_QUERIES).")]


@app.command("eval")
def eval_(file: Path, collection: Collection = None, mode: Annotated[str, typer.Option()] = "hybrid",
          translate: TranslateOption = None,
          as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """recall@1/5/10 and MRR@10 of a JSONL question set."""
    from knowledge.evaluation import evaluate, load_questions

    from assistant.config import get_settings
    from assistant.dialogue.query_translation import translator_for

    translator = translator_for(get_settings(), translate)
    metrics = evaluate(_kb(collection), load_questions(file), mode=mode, translate=translator)
    if as_json:
        _echo_json(metrics)
    else:
        typer.echo("  ".join(f"{k}={v}" for k, v in metrics.items()))


@curated_app.command("add")
def curated_add(question: str, answer: str, collection: Collection = None) -> None:
    """Add or replace a curated answer."""
    typer.echo(_kb(collection).add_curated(question, answer))


@curated_app.command("list")
def curated_list(collection: Collection = None) -> None:
    """List curated answers."""
    for item in _kb(collection).list_curated():
        _echo_json(item)


@curated_app.command("remove")
def curated_remove(answer_id: str, collection: Collection = None) -> None:
    """Remove a curated answer."""
    _kb(collection).remove_curated(answer_id)
