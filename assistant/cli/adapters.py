"""`kefu finetune list / promote / rollback / retire / merge`: the adapter registry from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def open_registry():
    from assistant.config import get_settings
    from assistant.db import Database
    from assistant.serving.registry import AdapterRegistry

    return AdapterRegistry(Database.from_settings(get_settings()))


def register(app: typer.Typer) -> None:
    """Add the registry commands to the `kefu finetune` group."""

    @app.command("list")
    def list_adapters(
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON array instead of a table.")] = False,
    ) -> None:
        """The registered adapters: status, base model, data hash and held-out metrics."""
        from rich.console import Console
        from rich.table import Table

        rows = open_registry().all()
        if as_json:
            import json

            typer.echo(json.dumps([{"name": r.name, "task": r.task, "status": r.status, "base_model": r.base_model,
                                    "path": r.path,
                                    "data_sha256": r.data_sha256, "metrics": r.metrics,
                                    "created_at": r.created_at.isoformat()} for r in rows], indent=2))
            return
        table = Table("name", "task", "status", "base model", "data", "next action", "args", "JSON", "created")
        for row in rows:
            metrics = row.figures("adapter")
            table.add_row(row.name, row.task, row.status, row.base_model, (row.data_sha256 or "")[:12],
                          *(f"{metrics[k]:.3f}" if k in metrics else "–" for k in
                            ("next_action_accuracy", "argument_exact_match", "valid_json_rate")),
                          row.created_at.strftime("%Y-%m-%d %H:%M"))
        Console().print(table)

    @app.command()
    def promote(name: Annotated[str, typer.Argument(help="A registered adapter.")]) -> None:
        """Make an adapter the default the agent talks to (takes effect when `kefu model serve` restarts)."""
        open_registry().promote(name)
        typer.echo(f"{name} is now the default adapter; restart `kefu model serve` (or `make run`) to serve it")

    @app.command()
    def rollback() -> None:
        """Return to the adapter that was the default before the current one."""
        from assistant.config import get_settings

        row = open_registry().rollback(get_settings().model_name)
        typer.echo(f"rolled back: {row.name} is the default adapter again; restart `kefu model serve`")

    @app.command()
    def retire(name: Annotated[str, typer.Argument(help="A registered adapter that is not the default.")]) -> None:
        """Stop offering an adapter to vLLM (its files and history stay)."""
        open_registry().retire(name)
        typer.echo(f"{name} retired")

    @app.command()
    def merge(
        name: Annotated[str, typer.Argument(help="A registered adapter.")],
        out: Annotated[Path | None, typer.Option(help="Folder to write (default var/models/merged/NAME).")] = None,
    ) -> None:
        """Write the base model with the adapter merged in (bf16 safetensors + tokenizer), ready for vLLM."""
        from assistant.config import get_settings
        from assistant.serving.merge import merge_adapter, merged_model
        from assistant.serving.models import model_path

        settings = get_settings()
        path = open_registry().served().get(name)
        if path is None:
            from assistant.errors import KefuError

            raise KefuError(f"{name} is not a served adapter: see `kefu finetune list`")
        folder = merge_adapter(model_path(settings), path, out) if out else merged_model(settings, name, path)
        typer.echo(f"merged {name} → {folder}")
