"""`kefu finetune build-drafting / train-drafting / eval-drafting`: the adapter that writes catalog copy in the
shop's house style, learned from the descriptions staff approved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the drafting commands to the `kefu finetune` group."""

    @app.command("build-drafting")
    def build_drafting(
        out: Annotated[Path | None, typer.Option(help="Dataset folder (default var/finetune/drafting).")] = None,
        seed: Annotated[int, typer.Option(help="Seed of the split by product.")] = 0,
    ) -> None:
        """Training data from the approved product copy: one conversation per description, split by product."""
        from assistant.config import get_settings
        from assistant.db import Database
        from finetune.drafting import build_drafting_dataset

        settings = get_settings()
        out = out or settings.data_dir / "finetune" / "drafting"
        card = build_drafting_dataset(Database.from_settings(settings), out, seed=seed)
        typer.echo(f"{card['train']} train and {card['dev']} dev descriptions → {out}; next: kefu finetune "
                   "train-drafting")

    @app.command("train-drafting")
    def train_drafting(
        name: Annotated[str, typer.Option(help="Adapter name: its folder under var/adapters.")] = "kefu-draft",
        dataset: Annotated[Path | None, typer.Option(help="Dataset folder (default var/finetune/drafting).")] = None,
        rank: Annotated[int, typer.Option(min=1, max=64)] = 8,
        epochs: Annotated[float, typer.Option(min=0.1)] = 6.0,
        learning_rate: Annotated[float, typer.Option()] = 3e-4,
        max_minutes: Annotated[float | None, typer.Option(help="Stop and save after this many minutes.")] = 20,
    ) -> None:
        """Train a drafting adapter on the merged weights of the chat adapter the agent talks to, so that
        `kefu model serve` can serve it as a LoRA module beside them (KEFU_DRAFTING_MODEL)."""
        from assistant.cli.adapters import open_registry
        from assistant.config import get_settings
        from assistant.serving.merge import merged_model
        from assistant.serving.models import adapters, drafting_base, served_model_name
        from finetune.train import TrainConfig, train

        settings = get_settings()
        chat = served_model_name(settings)
        if chat not in adapters(settings):
            raise typer.BadParameter(f"{chat} is not a registered chat adapter: run `make model` first")
        base = merged_model(settings, chat, adapters(settings)[chat])
        config = TrainConfig(rank=rank, alpha=2 * rank, epochs=epochs, learning_rate=learning_rate,
                             grad_accumulation=2, max_tokens=1024, max_minutes=max_minutes, save_steps=50)
        out = settings.adapters_dir / name
        report = train(base, dataset or settings.data_dir / "finetune" / "drafting", out, config)
        (out / "model_card.json").write_text(json.dumps({"task": "drafting",
                                                         "base_model": drafting_base(settings, chat)}, indent=2))
        open_registry().register(name, out, drafting_base(settings, chat), task="drafting")
        typer.echo(json.dumps({k: v for k, v in report.items() if k != "loss_history"}, indent=2))

    @app.command("eval-drafting")
    def eval_drafting(
        model: Annotated[list[str], typer.Option(help="Served model or adapter to draft with (repeat).")],
        dataset: Annotated[Path | None, typer.Option(help="Drafting dataset whose train products are left out "
                                                     "(default var/finetune/drafting).")] = None,
        limit: Annotated[int | None, typer.Option(help="Only the first N products.")] = None,
    ) -> None:
        """The share of drafts with a claim their record does not hold, by model and language, over products no
        approved copy exists for (none the adapter was trained on)."""
        from rich.progress import Progress

        from assistant.config import get_settings
        from assistant.db import Database
        from finetune.drafting import evaluate_drafting, unseen_products

        settings = get_settings()
        dataset = dataset or settings.data_dir / "finetune" / "drafting"
        db = Database.from_settings(settings)
        products = unseen_products(db, dataset if (dataset / "card.json").exists() else None)[:limit]
        with Progress() as bar:
            job = bar.add_task(f"drafting {len(products)} products", total=len(products) * 2 * len(model))
            report = evaluate_drafting(db, products, model, settings, progress=lambda: bar.advance(job))
        typer.echo(json.dumps({"products": len(products)} | report, indent=2))
