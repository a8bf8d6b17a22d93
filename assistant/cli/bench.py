"""`kefu bench`: benchmarks whose figures go into the README (medians and side-by-side ratios)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, help="Benchmarks, written under <data_dir>/bench.")


@app.command()
def serve(
    prompts: Annotated[int, typer.Option(min=8, help="Prompts for vLLM at concurrency 8 and 32.")] = 64,
    max_tokens: Annotated[int, typer.Option(min=1, help="Output tokens per request.")] = 128,
    hf_prompts: Annotated[int, typer.Option(min=8, help="Prompts for plain transformers (slow on CPU).")] = 16,
    c1_prompts: Annotated[int, typer.Option(min=4, help="Prompts for vLLM at concurrency 1.")] = 16,
) -> None:
    """transformers (batch 1, padded batch 8) against vLLM (concurrency 1/8/32, LoRA against merged)."""
    from assistant.config import get_settings
    from assistant.serving.bench_serve import run_bench

    run_bench(get_settings(), prompts=prompts, max_tokens=max_tokens, hf_prompts=hf_prompts, c1_prompts=c1_prompts)


@app.command()
def kb(
    sizes: Annotated[str, typer.Option(help="Collection sizes for the latency test, comma-separated.")] = "10000,100000",
) -> None:
    """Knowledge base: ingest chunks/s, query p50/p95 at 10k and 100k chunks, dense vs BM25 vs hybrid."""
    import json
    import shutil

    from assistant.config import get_settings
    from assistant.db import Database
    from assistant.knowledge_base import catalog_documents
    from assistant.shop.demo import build_demo_shop
    from assistant.shop.docs import write_demo_docs
    from knowledge.bench import run_kb_bench
    from knowledge.embedder import Embedder
    from knowledge.evaluation import load_questions
    from knowledge.store import KnowledgeBase, open_client

    settings = get_settings()
    work = settings.data_dir / "bench" / "kb-work"
    shutil.rmtree(work, ignore_errors=True)
    db = Database(f"sqlite:///{(work / 'shop.db').resolve()}")
    db.migrate()
    with db.session() as session:
        build_demo_shop(session, settings.demo_seed)
    docs = write_demo_docs(work / "docs")[0].parent
    questions = Path(__file__).resolve().parents[1] / "shop" / "eval" / "kb_questions.jsonl"
    kb_ = KnowledgeBase(open_client(work / "chroma", None), "bench-kb", Embedder(settings.embedder))
    result = run_kb_bench(kb_, docs, catalog_documents(db), load_questions(questions), settings.data_dir / "bench",
                          tuple(int(s) for s in sizes.split(",")))
    typer.echo(json.dumps(result, indent=2))
    shutil.rmtree(work, ignore_errors=True)


@app.command()
def agent(
    task_ids: Annotated[str, typer.Option(help="Comma-separated demo scenario ids to play.")] =
        "demo-003,demo-015,demo-039,demo-057,demo-062,demo-098,demo-099,demo-104,demo-113,demo-116",
) -> None:
    """End-to-end turn latency p50/p95 of the agent on the running model server, split by component."""
    import json

    from assistant.cli.evaluate import SCENARIOS
    from assistant.config import get_settings
    from assistant.evaluation.bench_agent import run_agent_bench

    settings = get_settings()
    out = settings.data_dir / "bench" / "agent.json"
    result = run_agent_bench(settings, SCENARIOS, task_ids.split(","), out)
    typer.echo(json.dumps({k: v for k, v in result.items() if k != "per_turn"}, indent=2))
    typer.echo(f"written to {out}")


@app.command()
def load(
    url: Annotated[str, typer.Option(help="Where kefu's web server runs (`make run` or `kefu ui`).")] =
        "http://127.0.0.1:7860",
    sessions: Annotated[int, typer.Option(min=1, max=500, help="Concurrent shoppers.")] = 50,
    seconds: Annotated[float, typer.Option(min=1, help="How long they keep talking.")] = 60,
    transport: Annotated[str, typer.Option(help="api (the HTTP API) or widget (the widget's Gradio endpoints).")]
        = "api",
) -> None:
    """Concurrent shoppers through the HTTP API or the widget: turn latency, lost messages, cross-session leaks."""
    import json

    from assistant.config import get_settings
    from assistant.db import Database
    from assistant.evaluation.load import run_load, shoppers_from_db, write_result

    from assistant.errors import KefuError

    if transport not in ("api", "widget"):
        raise KefuError("--transport must be api or widget")
    settings = get_settings()
    result = run_load(url, shoppers_from_db(Database.from_settings(settings), sessions), seconds, transport=transport)
    name = "load.json" if transport == "api" else "load-widget.json"
    out = write_result(result, settings.data_dir / "bench" / name)
    typer.echo(json.dumps(result, indent=2))
    typer.echo(f"written to {out}")
