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
