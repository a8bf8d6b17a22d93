"""`kefu bench`: benchmarks whose figures go into the README (medians and side-by-side ratios)."""

from __future__ import annotations

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
