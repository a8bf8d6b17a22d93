"""`kefu shop`: import, export and demo data."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from assistant.errors import KefuError

app = typer.Typer(no_args_is_help=True, help="The shop database: import, export, demo data.")


class Format(str, Enum):
    tau2 = "tau2"


def print_stats(db) -> None:
    """Print counts of the shop's records."""
    from rich.console import Console
    from rich.table import Table
    from sqlalchemy import func, select

    from assistant.db import Customer, Order, Product, Variant

    table = Table("records", "count", title=f"shop at {db.engine.url.render_as_string(hide_password=True)}")
    with db.session() as session:
        for label, model in (("products", Product), ("variants", Variant), ("customers", Customer), ("orders", Order)):
            table.add_row(label, str(session.scalar(select(func.count()).select_from(model))))
    Console().print(table)


@app.command("import")
def import_(path: Path, format: Annotated[Format, typer.Option("--format")] = Format.tau2) -> None:
    """Load a τ²-bench retail `db.json` into an empty shop database."""
    from assistant.db import Database
    from assistant.shop.tau2 import import_tau2, load_tau2

    data = load_tau2(path)
    db = Database.from_settings()
    with db.session() as session:
        counts = import_tau2(session, data)
    typer.echo("imported " + ", ".join(f"{n} {k}" for k, n in counts.items()))


@app.command()
def export(path: Path, format: Annotated[Format, typer.Option("--format")] = Format.tau2) -> None:
    """Write the shop database as a τ²-bench retail `db.json`."""
    from assistant.db import Database
    from assistant.shop.tau2 import export_tau2, write_json

    with Database.from_settings().session() as session:
        data = export_tau2(session)
    write_json(data, path)
    typer.echo(f"exported {len(data['users'])} customers and {len(data['orders'])} orders to {path}")


@app.command()
def demo(
    seed: Annotated[int | None, typer.Option(help="Random seed (default: KEFU_DEMO_SEED).")] = None,
    if_empty: Annotated[bool, typer.Option("--if-empty", help="Do nothing when the shop has data.")] = False,
    docs_dir: Annotated[Path | None, typer.Option(help="Where to write policy and FAQ files.")] = None,
) -> None:
    """Build the deterministic demo shop and write its policy and FAQ documents."""
    from assistant.config import get_settings
    from assistant.db import Database
    from assistant.shop.demo import build_demo_shop
    from assistant.shop.docs import write_demo_docs

    settings = get_settings()
    db = Database.from_settings(settings)
    target = docs_dir or settings.data_dir / "docs"
    if not db.is_empty():
        if if_empty:
            if not target.exists():
                write_demo_docs(target)
            typer.echo("the shop already has data; left as it is")
            return
        raise KefuError("the shop database is not empty; use a fresh KEFU_DATABASE_URL or --if-empty")
    with db.session() as session:
        counts = build_demo_shop(session, seed if seed is not None else settings.demo_seed)
    docs = write_demo_docs(target)
    typer.echo("demo shop: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    typer.echo(f"policy and FAQ documents: {len(docs)} files in {docs[0].parent}")
