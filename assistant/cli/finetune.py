"""`kefu finetune`: simulate dialogues, build the dataset, train and evaluate LoRA adapters."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated, Literal

import typer

from assistant.cli import adapters, drafting

app = typer.Typer(no_args_is_help=True, help="Offline fine-tuning: dialogues → dataset → LoRA adapter → evaluation.")
adapters.register(app)
drafting.register(app)


@app.command()
def simulate(
    batches: Annotated[int, typer.Option(min=1, max=20, help="Rounds of scenario generation on fresh customers.")] = 3,
    out: Annotated[Path | None, typer.Option(help="JSONL to write (default var/finetune/simulated.jsonl).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of phrasing and typos.")] = 0,
    tasks_file: Annotated[Path | None, typer.Option("--tasks", help="Play the train split of this τ²-format task "
                                                    "file (such as a `kefu eval generate --avoid-dev` pool) on its "
                                                    "own shop instead of the demo scenarios.")] = None,
) -> None:
    """Play complete, correct conversations through the real agent on a scratch copy of the demo shop."""
    from rich.progress import Progress

    from assistant.cli.evaluate import SCENARIOS
    from assistant.config import get_settings
    from assistant.db import Database
    from assistant.evaluation.shops import shop_template
    from finetune.dataset import write_jsonl
    from finetune.simulator import simulate as run, simulation_tasks

    settings = get_settings()
    out = out or settings.data_dir / "finetune" / "simulated.jsonl"
    template = shop_template(tasks_file or SCENARIOS, settings.data_dir / "eval" / "shops", settings.demo_seed)
    if tasks_file is not None:
        from assistant.evaluation.tasks import load_tasks

        tasks = load_tasks(tasks_file, split="train")  # never a dev or test split
    else:
        db = Database(f"sqlite:///{template}")
        with db.session() as session:
            tasks = simulation_tasks(session, batches, SCENARIOS)
        db.dispose()
    with Progress() as bar:
        job = bar.add_task(f"simulating {len(tasks)} conversations", total=len(tasks))
        records = list(run(tasks, template, settings.data_dir / "finetune" / "work", settings, seed=seed,
                           progress=lambda _i: bar.advance(job)))
    write_jsonl(records, out)
    typer.echo(f"{len(records)} conversations → {out}")


@app.command()
def build(
    sources: Annotated[list[Path] | None, typer.Argument(help="JSONL files of conversations (OpenAI chat format).")] = None,
    recorded: Annotated[bool, typer.Option("--recorded", help="Add the database's recorded conversations.")] = False,
    out: Annotated[Path | None, typer.Option(help="Dataset folder (default var/finetune/dataset).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the split and the order.")] = 0,
) -> None:
    """Filter, scrub PII, de-duplicate and split by customer; write the dataset and its card."""
    from assistant.config import get_settings
    from assistant.errors import KefuError
    from finetune.dataset import build_dataset

    out = out or get_settings().data_dir / "finetune" / "dataset"
    sources = list(sources or [])
    if not sources and not recorded:
        raise KefuError("nothing to build from: give JSONL files, --recorded, or both")
    with tempfile.TemporaryDirectory(prefix="kefu-recorded-") as scratch:
        # The recorded export is unscrubbed: it lives only while the build reads it, never beside the dataset.
        if recorded:
            sources.append(_export_recorded(Path(scratch) / "recorded.jsonl"))
        card = build_dataset(sources, out, seed)
    card["sources"] = [s if not s.startswith(tempfile.gettempdir()) else "recorded conversations"
                       for s in card["sources"]]
    (out / "card.json").write_text(json.dumps(card, indent=2, ensure_ascii=False))
    typer.echo(json.dumps(card, ensure_ascii=False, indent=2))


def _export_recorded(path: Path) -> Path:
    from assistant.config import get_settings
    from assistant.db import Database
    from finetune.dataset import write_jsonl
    from finetune.recorded import recorded_conversations

    settings = get_settings()
    records = list(recorded_conversations(Database.from_settings(settings), settings))
    write_jsonl(records, path)
    typer.echo(f"{len(records)} recorded conversations → {path}", err=True)
    return path


@app.command()
def export(
    out: Annotated[Path | None, typer.Option(help="JSONL to write (default var/finetune/recorded.jsonl).")] = None,
) -> None:
    """Write the recorded conversations (with ratings and staff corrections) as OpenAI-format JSONL."""
    from assistant.config import get_settings

    _export_recorded(out or get_settings().data_dir / "finetune" / "recorded.jsonl")


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSONL transcripts from another helpdesk.")],
    out: Annotated[Path | None, typer.Option(help="Checked JSONL to write (default var/finetune/imported/NAME).")] = None,
) -> None:
    """Check another helpdesk's transcripts (OpenAI chat format with tool_calls) and stage them for `build`."""
    from assistant.config import get_settings
    from finetune.dataset import write_jsonl
    from finetune.transcripts import import_transcripts

    records = import_transcripts(path)
    out = out or get_settings().data_dir / "finetune" / "imported" / path.name
    write_jsonl(records, out)
    typer.echo(f"{len(records)} transcripts checked → {out}; next: kefu finetune build {out}")


@app.command()
def train(
    name: Annotated[str, typer.Option(help="Adapter name: its folder under var/adapters and its served name.")] = "kefu-default",
    dataset: Annotated[Path | None, typer.Option(help="Dataset folder (default var/finetune/dataset).")] = None,
    rank: Annotated[int, typer.Option(min=1, max=256)] = 16,
    alpha: Annotated[int, typer.Option(min=1)] = 32,
    dropout: Annotated[float, typer.Option(min=0, max=0.5)] = 0.0,
    target_modules: Annotated[str, typer.Option(help="Comma-separated module names, or all-linear.")] = "all-linear",
    learning_rate: Annotated[float, typer.Option()] = 2e-4,
    epochs: Annotated[float, typer.Option(min=0.01)] = 1.0,
    batch_size: Annotated[int, typer.Option(min=1)] = 1,
    grad_accumulation: Annotated[int, typer.Option(min=1)] = 4,
    max_tokens: Annotated[int, typer.Option(min=256)] = 4096,
    max_minutes: Annotated[float | None, typer.Option(help="Stop and save after this many minutes.")] = None,
    max_steps: Annotated[int | None, typer.Option(min=1, help="Stop and save after this many optimizer steps.")] = None,
    seed: Annotated[int, typer.Option()] = 0,
    init_adapter: Annotated[Path | None, typer.Option(
        exists=True, file_okay=False, help="Continue from this adapter's weights (its rank and modules).")] = None,
    scoped_tools: Annotated[bool, typer.Option(
        help="Show each turn the tools the agent offers at that step, as served (--no-scoped-tools: every tool).")
    ] = True,
    precision: Annotated[Literal["auto", "bfloat16", "float32"], typer.Option(
        help="auto: bf16 where the hardware has fast bf16 kernels, else fp32.")] = "auto",
) -> None:
    """Train a LoRA adapter on the dataset (resumes from its last checkpoint); report tokens/s and peak memory."""
    from assistant.config import get_settings
    from assistant.serving.models import model_path
    from finetune.train import TrainConfig, train as run

    settings = get_settings()
    config = TrainConfig(rank=rank, alpha=alpha, dropout=dropout, target_modules=target_modules,
                         learning_rate=learning_rate, epochs=epochs, batch_size=batch_size,
                         grad_accumulation=grad_accumulation, max_tokens=max_tokens, max_minutes=max_minutes, seed=seed,
                         max_steps=max_steps,
                         init_adapter=str(init_adapter) if init_adapter else None, scoped_tools=scoped_tools,
                         precision=precision)
    report = run(model_path(settings, settings.model_name), dataset or settings.data_dir / "finetune" / "dataset",
                 settings.adapters_dir / name, config)
    adapters.open_registry().register(name, settings.adapters_dir / name, settings.model_name)
    typer.echo(json.dumps({k: v for k, v in report.items() if k != "loss_history"}, indent=2))


@app.command("eval")
def evaluate(
    name: Annotated[str, typer.Option(help="Adapter name under var/adapters.")] = "kefu-default",
    dataset: Annotated[Path | None, typer.Option(help="Dataset folder with eval.jsonl and card.json.")] = None,
    limit: Annotated[int | None, typer.Option(help="Evaluate only N held-out turns, spread over the conversations.")
                     ] = None,
    scoped_tools: Annotated[bool, typer.Option(
        help="Offer each turn the tools the agent offers at that step, as served (--no-scoped-tools: every tool).")
    ] = True,
    base: Annotated[bool, typer.Option(help="Run the base model too (--no-base: the adapter only, in half the time).")
                    ] = True,
) -> None:
    """Base model and adapter side by side on held-out turns; writes model_card.json beside the adapter."""
    from assistant.config import get_settings
    from assistant.serving.models import model_path
    from finetune.evaluate import evaluate_adapter

    settings = get_settings()
    card = evaluate_adapter(model_path(settings, settings.model_name), settings.adapters_dir / name,
                            dataset or settings.data_dir / "finetune" / "dataset", limit, scoped_tools, base)
    adapters.open_registry().register(name, settings.adapters_dir / name, settings.model_name)
    typer.echo(json.dumps({"base": card["base"], "adapter": card["adapter"]}, indent=2))


@app.command()
def rft(
    tasks: Annotated[str, typer.Option(help="gen-tau2, gen-demo, demo, tau2 or a τ²-format tasks file.")] = "gen-tau2",
    split: Annotated[str, typer.Option(help="Only `train`: dev selects adapters, test reports them.")] = "train",
    trials: Annotated[int, typer.Option(min=1, max=8, help="Conversations per task.")] = 1,
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Conversations at once.")] = 8,
    model: Annotated[str | None, typer.Option(help="Served adapter to play (default: settings).")] = None,
    name: Annotated[str, typer.Option(help="Round name, used in the record ids.")] = "rft1",
    out: Annotated[Path | None, typer.Option(help="JSONL to write (default var/finetune/<name>.jsonl).")] = None,
) -> None:
    """Rejection fine-tuning data: the served adapter plays a train split; the conversations that pass, with no
    safety finding, are written for `kefu finetune build` (next to the simulated ones), then `train
    --init-adapter` continues from the served adapter."""
    from rich.progress import Progress

    from assistant.cli.evaluate import NAMED, _agent_factory
    from assistant.config import get_settings
    from assistant.evaluation.runner import run_eval
    from assistant.evaluation.shops import shop_template
    from assistant.evaluation.tasks import load_tasks
    from assistant.evaluation.users import ScriptedUser
    from finetune.dataset import write_jsonl
    from finetune.rft import Keeper, check_split

    check_split(split)
    settings = get_settings()
    path = NAMED.get(tasks) or Path(tasks)
    selected = load_tasks(path, split=split)
    template = shop_template(path, settings.data_dir / "eval" / "shops", settings.demo_seed)
    keeper = Keeper(name)
    with Progress() as bar:
        job = bar.add_task(f"playing {len(selected)} tasks × {trials}", total=len(selected) * trials)
        results = run_eval(selected, trials, template, settings.data_dir / "finetune" / "rft-work",
                           _agent_factory(settings, model, None), ScriptedUser, concurrency=concurrency,
                           progress=lambda _r: bar.advance(job), keep=keeper)
    out = out or settings.data_dir / "finetune" / f"{name}.jsonl"
    write_jsonl(keeper.records, out)
    typer.echo(f"{sum(r.success for r in results)} of {len(results)} conversations passed; "
               f"{len(keeper.records)} kept → {out}")
