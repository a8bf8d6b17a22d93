"""Orchestrates `kefu bench serve` and writes `var/bench/serve.json`, a PNG chart and a table."""

from __future__ import annotations

import json
import logging
import platform
from pathlib import Path

from rich.console import Console
from rich.table import Table

from assistant.config import Settings
from assistant.serving.bench import Run, transformers_runs, vllm_run
from assistant.serving.bench_prompts import bench_prompts
from assistant.serving.merge import merge_adapter
from assistant.serving.models import adapters, model_path
from assistant.serving.quantize import quantize_model
from assistant.serving.server import VllmServer, accelerator

log = logging.getLogger(__name__)
BENCH_ADAPTER = "bench-lora"


def make_adapter_and_merged(model_dir: Path, out: Path, existing: Path | None) -> tuple[Path, Path]:
    """A LoRA adapter (the registered one, or a rank-16 all-linear one with random weights) and its merge."""
    adapter_dir = existing or out / "adapter"
    if existing is None:
        import torch
        from peft import LoraConfig, get_peft_model
        from transformers import AutoModelForCausalLM

        base = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.bfloat16)
        config = LoraConfig(r=16, lora_alpha=32, target_modules="all-linear", init_lora_weights=False)
        get_peft_model(base, config).save_pretrained(adapter_dir)
    return adapter_dir, merge_adapter(model_dir, adapter_dir, out / "merged")


def _served(server: VllmServer, model: str, prompts, max_tokens: int, levels: dict[int, int], tag: str) -> list[Run]:
    vllm_run(server.base_url, model, prompts[:4], 8, 4, "warm-up")
    return [vllm_run(server.base_url, model, prompts[:count], max_tokens, level, f"{tag} c{level}")
            for level, count in levels.items()]


def _llamacpp_runs(settings: Settings, port: int, prompts, max_tokens: int, count: int, console: Console) -> list[Run]:
    """llama.cpp on the base model's own GGUF, at concurrency 1 and 8 (it decodes one request at a time)."""
    import os

    from assistant.serving.llamacpp import ALIAS, LlamaCppServer, base_gguf, llamacpp_installed

    if not llamacpp_installed():
        console.print("llama.cpp is not installed (`make bench` builds it): its rows are left out")
        return []
    console.print("llama.cpp (llama-cpp-python's server, the base model's GGUF) at concurrency 1 and 8 …")
    gguf = base_gguf(settings, console)
    threads = len(os.sched_getaffinity(0))
    with LlamaCppServer(gguf, port + 1, threads, settings.data_dir / "logs" / "llamacpp.log") as server:
        return _served(server, ALIAS, prompts, max_tokens, {1: count, 8: count}, "llamacpp")


def _peer_figures(by_label: dict[str, Run]) -> dict:
    """Tokens/s of vLLM (bf16 and INT8) and llama.cpp on the base model, and the ratios between them (None where
    not run)."""
    tps = {key: round(by_label[label].tokens_per_s, 1) if label in by_label else None for key, label in (
        ("vllm_c1_tok_s", "vllm c1"), ("vllm_c8_tok_s", "vllm c8"),
        ("llamacpp_c1_tok_s", "llamacpp c1"), ("llamacpp_c8_tok_s", "llamacpp c8"),
        ("vllm_int8_c1_tok_s", "vllm int8 c1"), ("vllm_int8_c8_tok_s", "vllm int8 c8"))}
    for level in ("c1", "c8"):
        peer = tps[f"llamacpp_{level}_tok_s"]
        tps[f"vllm_vs_llamacpp_{level}"] = round(tps[f"vllm_{level}_tok_s"] / peer, 2) if peer else None
        int8 = tps[f"vllm_int8_{level}_tok_s"]
        tps[f"vllm_int8_vs_llamacpp_{level}"] = round(int8 / peer, 2) if peer and int8 else None
        tps[f"vllm_int8_vs_bf16_{level}"] = round(int8 / tps[f"vllm_{level}_tok_s"], 2) if int8 else None
    return tps


def run_bench(settings: Settings, *, prompts: int = 64, max_tokens: int = 128, hf_prompts: int = 16,
              c1_prompts: int = 16, console: Console | None = None) -> dict:
    """Measure every configuration in one run and write the results under `<data_dir>/bench`."""
    console = console or Console()
    out = settings.data_dir / "bench"
    out.mkdir(parents=True, exist_ok=True)
    conversations = bench_prompts(prompts)
    model_dir = model_path(settings)
    runs: list[Run] = []
    console.print(f"transformers generate on {hf_prompts} prompts, batch 1 and padded batch 8 …")
    runs.append(transformers_runs(model_dir, conversations[:hf_prompts], max_tokens, 1, settings.compute_dtype))
    runs.append(transformers_runs(model_dir, conversations[:hf_prompts], max_tokens, 8, settings.compute_dtype))
    existing = adapters(settings)
    console.print("preparing a LoRA adapter and its merged weights …")
    adapter_dir, merged_dir = make_adapter_and_merged(model_dir, out, next(iter(existing.values()), None))
    port = settings.serve_port + 17
    console.print("vLLM, base model, at concurrency 1, 8 and 32 …")
    with VllmServer(settings, port=port, lora={}) as server:
        levels = {1: min(c1_prompts, prompts), 8: prompts, 32: prompts}
        runs += _served(server, settings.model_name, conversations, max_tokens, levels, "vllm")
    runs += _llamacpp_runs(settings, port, conversations, max_tokens, c1_prompts, console)
    console.print("vLLM, base model with INT8 linear layers (W8A8), at concurrency 1 and 8 …")
    int8_dir = quantize_model(model_dir, out / "base-int8")
    with VllmServer(settings, port=port, lora={}, model_dir=int8_dir, model=settings.model_name) as server:
        levels = {1: min(c1_prompts, prompts), 8: prompts}
        runs += _served(server, settings.model_name, conversations, max_tokens, levels, "vllm int8")
    console.print("vLLM with the LoRA adapter (--enable-lora) at concurrency 8 …")
    with VllmServer(settings, port=port, lora={BENCH_ADAPTER: adapter_dir}) as server:
        runs += _served(server, BENCH_ADAPTER, conversations, max_tokens, {8: prompts}, "vllm lora")
    console.print("vLLM on the adapter merged into the weights at concurrency 8 …")
    with VllmServer(settings, port=port, lora={}, model_dir=merged_dir, model="merged") as server:
        runs += _served(server, "merged", conversations, max_tokens, {8: prompts}, "vllm merged")
    by_label = {r.label: r for r in runs}
    result = {
        "model": settings.model_name,
        "device": accelerator(),
        "host": platform.processor() or platform.machine(),
        "prompts": prompts, "max_tokens": max_tokens, "transformers_prompts": hf_prompts,
        "vllm_c8_vs_transformers_b1": round(by_label["vllm c8"].tokens_per_s / by_label["transformers b1"].tokens_per_s, 2),
        "ttft_p50_ms_c1": by_label["vllm c1"].summary()["ttft_p50_ms"],
        "lora_vs_merged_tps": round(by_label["vllm lora c8"].tokens_per_s / by_label["vllm merged c8"].tokens_per_s, 3),
        **_peer_figures(by_label),
        "runs": [r.summary() for r in runs],
    }
    (out / "serve.json").write_text(json.dumps(result, indent=2))
    _chart(runs, out / "serve.png")
    _table(result, console)
    return result


def _chart(runs: list[Run], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    labels = [r.label for r in runs]
    left.barh(labels, [r.tokens_per_s for r in runs], color="#3b7dd8")
    left.set_xlabel("output tokens/s (higher is better)")
    left.invert_yaxis()
    right.barh(labels, [r.summary()["ttft_p50_ms"] or 0 for r in runs], color="#d8843b")
    right.set_xlabel("time to first token p50, ms (lower is better)")
    right.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _table(result: dict, console: Console) -> None:
    table = Table("configuration", "requests", "tok/s", "TTFT p50 ms", "TTFT p95 ms", "ITL p50 ms",
                  title=f"kefu bench serve: {result['model']} on {result['device']}")
    for run in result["runs"]:
        table.add_row(run["label"], str(run["requests"]), f"{run['output_tok_s']:.1f}", str(run["ttft_p50_ms"]),
                      str(run["ttft_p95_ms"]), str(run["itl_p50_ms"]))
    console.print(table)
    console.print(f"vLLM c8 / transformers b1 = {result['vllm_c8_vs_transformers_b1']}×; "
                  f"TTFT p50 at c1 = {result['ttft_p50_ms_c1']} ms; LoRA / merged = {result['lora_vs_merged_tps']}")
    if result["vllm_vs_llamacpp_c1"] is not None:
        console.print(f"vLLM / llama.cpp: one shopper {result['vllm_vs_llamacpp_c1']}×, "
                      f"eight shoppers {result['vllm_vs_llamacpp_c8']}×")
    if result["vllm_int8_vs_llamacpp_c1"] is not None:
        console.print(f"vLLM INT8 / llama.cpp: one shopper {result['vllm_int8_vs_llamacpp_c1']}×, "
                      f"eight shoppers {result['vllm_int8_vs_llamacpp_c8']}×")
