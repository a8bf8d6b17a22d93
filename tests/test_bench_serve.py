"""The serving benchmark's fixed prompt set and its statistics."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.serving.bench import Run, percentile_ms
from assistant.serving.bench_prompts import bench_prompts

MODEL = Path(__file__).resolve().parents[1] / "var" / "models" / "smollm2-135m-instruct"


def test_prompt_set_is_fixed_and_large_enough():
    prompts = bench_prompts(64)
    assert len(prompts) == 64 and len({p[1]["content"] for p in prompts}) == 64
    assert bench_prompts(64) == prompts
    assert sum("？" in p[1]["content"] for p in prompts) >= 8


def test_prompts_are_about_200_tokens():
    from transformers import AutoTokenizer

    from assistant.serving.template import render_ids

    if not (MODEL / "tokenizer.json").exists():
        pytest.fail("model missing: make test runs `kefu model fetch` first")
    tokenizer = AutoTokenizer.from_pretrained(MODEL)
    lengths = sorted(len(render_ids(tokenizer, p, add_generation_prompt=True)) for p in bench_prompts(64))
    assert 180 <= lengths[len(lengths) // 2] <= 220


def test_percentiles_and_summary():
    assert percentile_ms([0.1, 0.2, 0.3, 0.4, 0.5], 50) == 300.0
    assert percentile_ms([0.1] * 19 + [1.1], 95) == pytest.approx(150.0)
    assert percentile_ms([], 50) is None and percentile_ms([0.25], 95) == 250.0
    run = Run("x", requests=2, output_tokens=256, wall_s=2.0, ttft_s=[0.1, 0.3], itl_s=[0.02, 0.04])
    summary = run.summary()
    assert summary["output_tok_s"] == 128.0 and summary["ttft_p50_ms"] == 200.0 and summary["itl_p50_ms"] == 30.0


def test_llamacpp_figures_and_ratios_are_reported_only_when_it_ran(tmp_path):
    from assistant.serving.bench_serve import _peer_figures
    from assistant.serving.llamacpp import ALIAS, LlamaCppServer

    runs = {label: Run(label, 8, int(tps * 10), 10.0) for label, tps in (("vllm c1", 24.0), ("vllm c8", 144.0))}
    alone = _peer_figures(runs)
    assert alone["vllm_c1_tok_s"] == 24.0
    assert alone["llamacpp_c1_tok_s"] is None and alone["vllm_vs_llamacpp_c1"] is None
    runs |= {label: Run(label, 8, int(tps * 10), 10.0) for label, tps in (("llamacpp c1", 70.0), ("llamacpp c8", 30.0))}
    both = _peer_figures(runs)
    assert both["vllm_vs_llamacpp_c1"] == 0.34 and both["vllm_vs_llamacpp_c8"] == 4.8
    command = LlamaCppServer(tmp_path / "m.gguf", 9001, 2, tmp_path / "log").command()
    assert command[1:3] == ["-m", "llama_cpp.server"] and ALIAS in command and "--n_threads" in command
