"""`kefu eval`: run simulated conversations and the adversarial suite, and regenerate the demo suites."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from assistant.errors import KefuError

app = typer.Typer(no_args_is_help=True, help="Evaluate the agent: scenarios scored by final database state, attacks.")
SUITES = Path(__file__).resolve().parents[1] / "shop" / "eval"
SCENARIOS = SUITES / "scenarios" / "tasks.json"
ATTACKS = SUITES / "adversarial.json"
TAU2_TASKS = SUITES / "tau2-retail" / "tasks.json"
GENERATED = SUITES / "generated"
NAMED = {"demo": SCENARIOS, "tau2": TAU2_TASKS, "gen-tau2": GENERATED / "tau2" / "tasks.json",
         "gen-demo": GENERATED / "demo" / "tasks.json",
         "gen-tau2-amounts": GENERATED / "tau2-amounts" / "tasks.json",
         "everyday": SUITES / "everyday" / "tasks.json"}


def _agent_factory(settings, model_name: str | None, system_prompt: Path | None):
    from assistant.agent import ShopAgent
    from assistant.dialogue.prompt import load_system_prompt
    from assistant.dialogue.tool_execution import KnowledgeSearch
    from assistant.evaluation import harness_settings
    from assistant.llm import chat_model

    settings = harness_settings(settings)
    knowledge = KnowledgeSearch.for_settings(settings)
    prompt = load_system_prompt(settings, system_prompt)
    model = chat_model(settings, model=model_name, max_tokens=settings.agent_max_tokens)
    return lambda db: ShopAgent(db, settings, model=model, knowledge=knowledge, system_prompt=prompt)


def _user_factory(kind: str, base_url: str | None, model_name: str | None, settings):
    from assistant.evaluation.users import LLMUser, ScriptedUser

    if kind == "scripted":
        return ScriptedUser
    if kind != "llm":
        raise KefuError("--user must be scripted or llm")
    from assistant.llm import chat_model

    model = chat_model(settings, model=model_name, streaming=False, temperature=0.7,
                       **({"base_url": base_url} if base_url else {}))
    return lambda task: LLMUser(task, model)


@app.command()
def run(
    tasks: Annotated[str, typer.Option(help="`demo` (the demo shop's scenarios), `tau2` (τ²-bench retail, vendored), "
                                            "`gen-tau2`, `gen-tau2-amounts` or `gen-demo` (generated tasks), "
                                            "`everyday` (hand-written, a dev set), or a τ²-format tasks file; "
                                            "split_tasks.json and db.json beside it are used.")] = "demo",
    trials: Annotated[int, typer.Option(min=1, max=32, help="Conversations per task (pass^1..k).")] = 1,
    user: Annotated[str, typer.Option(help="Simulated shopper: scripted (no model) or llm.")] = "scripted",
    split: Annotated[str | None, typer.Option(help="Only this split of split_tasks.json (train, test, or dev for "
                                                   "generated tasks).")] = None,
    task_ids: Annotated[str | None, typer.Option(help="Comma-separated task ids.")] = None,
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Conversations at once.")] = 4,
    model: Annotated[str | None, typer.Option(help="Served model or adapter name (default: settings).")] = None,
    system_prompt: Annotated[Path | None, typer.Option(help="Markdown system prompt (default: settings).")] = None,
    user_base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible URL of the LLM user.")] = None,
    user_model: Annotated[str | None, typer.Option(help="Model name of the LLM user.")] = None,
    out: Annotated[Path | None, typer.Option(help="Folder for transcripts and the report.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object with the figures.")] = False,
) -> None:
    """Simulate shoppers on every task, score by final database state, and report pass^1..k."""
    from rich.progress import Progress

    from assistant.config import get_settings
    from assistant.evaluation.runner import append_result, run_eval, summarize, write_results
    from assistant.evaluation.shops import shop_template
    from assistant.evaluation.tasks import load_tasks

    settings = get_settings()
    tasks = NAMED.get(tasks) or Path(tasks)
    if not tasks.is_file():
        raise KefuError(f"no tasks file at {tasks} (give demo, tau2 or a τ²-format tasks.json)")
    selected = load_tasks(tasks, split=split, task_ids=task_ids.split(",") if task_ids else None)
    out = out or settings.data_dir / "eval" / datetime.now().strftime("%Y%m%d-%H%M%S")
    template = shop_template(tasks, settings.data_dir / "eval" / "shops", settings.demo_seed)
    make_agent = _agent_factory(settings, model, system_prompt)
    make_user = _user_factory(user, user_base_url, user_model, settings)
    with Progress(transient=True, disable=as_json) as bar:
        job = bar.add_task(f"{len(selected)} tasks × {trials}", total=len(selected) * trials)
        results = run_eval(selected, trials, template, out / "work", make_agent, make_user, concurrency=concurrency,
                           progress=lambda r: (bar.advance(job), append_result(r, out)))
    summary = summarize(results, trials)
    write_results(results, summary, out)
    if as_json:
        typer.echo(json.dumps(summary))
        return
    typer.echo((out / "report.md").read_text())
    typer.echo(f"transcripts: {out / 'transcripts.jsonl'}")


@app.command()
def attack(
    suite: Annotated[Path, typer.Option(help="Adversarial suite JSON.")] = ATTACKS,
    model: Annotated[str, typer.Option(help="'obedient' (the model does what the attacker asks) or 'served'.")] = "obedient",
    ids: Annotated[str | None, typer.Option(help="Comma-separated attack ids.")] = None,
    web: Annotated[bool, typer.Option(help="Also run the attacks on the web front end (ids, limits, identity).")
                   ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object with the figures.")] = False,
    concurrency: Annotated[int, typer.Option(min=1, max=16, help="Attacks at once, each on its own shop copy.")
                           ] = 1,
) -> None:
    """Run the adversarial suite: 0 leaks, 0 unconfirmed writes, 0 ungrounded replies, nothing lost; then the web
    attacks, with this shop's own settings."""
    from assistant.config import get_settings
    from assistant.evaluation.attack_run import run_suite

    settings = get_settings()
    attacks = json.loads(suite.read_text())
    if ids:
        attacks = [a for a in attacks if a["id"] in set(ids.split(","))]
    workdir = settings.data_dir / "eval" / "attacks"
    summary = run_suite(attacks, settings, model, workdir, concurrency)
    if web and not ids:
        from assistant.evaluation.shops import shop_template
        from ui.web_attacks import run_web_attacks

        template = shop_template(SCENARIOS, settings.data_dir / "eval" / "shops", settings.demo_seed)
        summary["web"] = run_web_attacks(settings, template, workdir / "web")
    typer.echo(json.dumps(summary if as_json else {k: v for k, v in summary.items() if k != "failed"}, indent=None
                          if as_json else 2))
    web_held = "web" not in summary or summary["web"]["held"] == summary["web"]["attacks"]
    if summary["held"] != summary["attacks"] or not web_held:
        raise typer.Exit(1)


@app.command()
def suites() -> None:
    """Regenerate the demo shop's scenario suite (with its split) and the adversarial suite from the seeded demo shop."""
    from assistant.config import get_settings
    from assistant.db import Database
    from assistant.evaluation.adversarial import build_attacks
    from assistant.evaluation.scenarios import build_scenarios, split_scenarios
    from assistant.evaluation.shops import shop_template

    settings = get_settings()
    template = shop_template(SCENARIOS, settings.data_dir / "eval" / "shops", settings.demo_seed)
    db = Database(f"sqlite:///{template}")
    with db.session() as session:
        scenarios, attacks = build_scenarios(session), build_attacks(session)
    SCENARIOS.write_text(json.dumps(scenarios, indent=1, ensure_ascii=False) + "\n")
    (SCENARIOS.parent / "split_tasks.json").write_text(json.dumps(split_scenarios(scenarios), indent=1) + "\n")
    ATTACKS.write_text(json.dumps(attacks, indent=1, ensure_ascii=False) + "\n")
    typer.echo(f"{len(scenarios)} scenarios → {SCENARIOS}; {len(attacks)} attacks → {ATTACKS}")


@app.command()
def generate(
    shop: Annotated[str, typer.Option(help="`tau2` (τ²-bench retail's shop) or `demo` (the seeded demo shop).")
                    ] = "tau2",
    count: Annotated[int, typer.Option(min=1, max=2000, help="Tasks to generate.")] = 120,
    seed: Annotated[int, typer.Option(help="Sampling seed.")] = 7,
    zh_share: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share of tasks in Chinese.")] = 0.4,
    dev_share: Annotated[float, typer.Option(min=0.0, max=0.9, help="Share kept apart as the dev split.")] = 0.3,
    out: Annotated[Path | None, typer.Option(help="Folder for tasks.json, split_tasks.json and shop.json "
                                                  "(default: the committed generated set).")] = None,
    avoid_dev: Annotated[bool, typer.Option("--avoid-dev", help="Also keep out the customers and orders of the "
                                            "committed generated dev split: for a training pool.")] = False,
    goals: Annotated[str | None, typer.Option(help="Comma-separated goals (default: every goal but the amount "
                                                   "questions `paid` and `return_refund`).")] = None,
    prefix: Annotated[str | None, typer.Option(help="Task id prefix (default: gen-SHOP).")] = None,
) -> None:
    """Generate validated tasks over a shop, keeping out the evaluation's test customers and reserved users."""
    from rich.progress import Progress

    from assistant.config import get_settings
    from assistant.db import Database
    from assistant.evaluation.generator import AMOUNT_GOALS, GOALS, Exclusions, generate as generate_tasks
    from assistant.evaluation.scenarios import split_scenarios
    from assistant.evaluation.shops import shop_template

    if shop not in ("tau2", "demo"):
        raise KefuError("--shop must be tau2 or demo")
    chosen = tuple(g.strip() for g in goals.split(",") if g.strip()) if goals else GOALS
    if unknown := set(chosen) - set(GOALS + AMOUNT_GOALS):
        raise KefuError(f"unknown goals: {', '.join(sorted(unknown))}; known: {', '.join(GOALS + AMOUNT_GOALS)}")
    logging.getLogger("assistant.tools").setLevel(logging.WARNING)  # one line per validated write is noise here
    settings = get_settings()
    source = NAMED[shop]
    template = shop_template(source, settings.data_dir / "eval" / "shops", settings.demo_seed)
    db = Database(f"sqlite:///{template}")
    with db.session() as session:
        exclusions = Exclusions.beside(source, session)
        if avoid_dev:
            exclusions.add_split(GENERATED / shop / "tasks.json", "dev", session)
            exclusions.close_over(session)
    db.dispose()
    with Progress(transient=True) as bar:
        job = bar.add_task(f"generating {count} tasks", total=count)
        tasks = generate_tasks(template, settings.data_dir / "eval" / "generate", count, seed=seed,
                               exclusions=exclusions, zh_share=zh_share, prefix=prefix or f"gen-{shop}",
                               progress=lambda: bar.advance(job), goals=chosen)
    out = out or GENERATED / shop
    out.mkdir(parents=True, exist_ok=True)
    split = split_scenarios(tasks, seed=seed, test_share=dev_share)
    split = {"train": split["train"], "dev": split["test"], "base": split["base"]}
    (out / "tasks.json").write_text(json.dumps(tasks, indent=1, ensure_ascii=False) + "\n")
    (out / "split_tasks.json").write_text(json.dumps(split, indent=1) + "\n")
    (out / "shop.json").write_text(json.dumps({"shop": shop, "seed": seed, "excluded_customers": len(
        exclusions.customers), "excluded_orders": len(exclusions.orders)}, indent=1) + "\n")
    typer.echo(f"{len(tasks)} tasks ({len(split['train'])} train, {len(split['dev'])} dev) → {out}; "
               f"{len(exclusions.customers)} customers and {len(exclusions.orders)} orders kept out")


@app.command("train-reader")
def train_reader(
    threshold: Annotated[float, typer.Option(min=0.05, max=0.95, help="Probability at which a kind is read.")] = 0.5,
) -> None:
    """Train the request reader on every train split (generated, demo, τ²) and the no-change requests, and write
    commit-ready weights; print 5-fold held-out figures on τ²'s train split, against the keyword tables."""
    from assistant.dialogue.request_reader import WEIGHTS
    from assistant.evaluation.reader_training import (CachedEmbedder, cross_validate, no_change_examples,
                                                      task_examples, train)
    from assistant.evaluation.tasks import load_tasks
    from knowledge.embedder import DEFAULT_EMBEDDER, Embedder

    embedder = CachedEmbedder(Embedder(DEFAULT_EMBEDDER))
    base = task_examples([NAMED["gen-tau2"], NAMED["gen-demo"], SCENARIOS], "train") + no_change_examples()
    tau2_train = load_tasks(TAU2_TASKS, split="train")
    figures = cross_validate(base, tau2_train, threshold=threshold, embedder=embedder)
    weights = train(base + task_examples([TAU2_TASKS], "train"), embedder=embedder) | {"threshold": threshold}
    WEIGHTS.write_text(json.dumps(weights, ensure_ascii=False, separators=(",", ":")) + "\n")
    typer.echo(json.dumps({"weights": str(WEIGHTS), "examples": weights["examples"],
                           "tau2_train_5fold": figures}, indent=1))
