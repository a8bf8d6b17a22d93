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


def test_int8_figures_are_ratios_to_llamacpp_and_to_bf16():
    from assistant.serving.bench_serve import _peer_figures

    runs = {label: Run(label, 8, int(tps * 10), 10.0) for label, tps in (
        ("vllm c1", 50.0), ("vllm c8", 150.0), ("llamacpp c1", 70.0), ("llamacpp c8", 30.0),
        ("vllm int8 c1", 70.0), ("vllm int8 c8", 165.0))}
    figures = _peer_figures(runs)
    assert figures["vllm_int8_vs_llamacpp_c1"] == 1.0 and figures["vllm_int8_vs_llamacpp_c8"] == 5.5
    assert figures["vllm_int8_vs_bf16_c1"] == 1.4 and figures["vllm_int8_vs_bf16_c8"] == 1.1


def test_int8_weights_keep_each_channel_within_half_a_step(tmp_path):
    import json

    import torch
    from safetensors.torch import load_file, save_file

    from assistant.serving.quantize import quantize_model, quantized_dir

    torch.manual_seed(0)
    tensors = {"model.layers.0.self_attn.q_proj.weight": torch.randn(64, 32, dtype=torch.bfloat16),
               "model.embed_tokens.weight": torch.randn(100, 32, dtype=torch.bfloat16),
               "model.norm.weight": torch.ones(32, dtype=torch.bfloat16)}
    source = tmp_path / "merged"
    source.mkdir()
    save_file(tensors, source / "model.safetensors")
    (source / "config.json").write_text(json.dumps({"architectures": ["LlamaForCausalLM"]}))
    target = quantize_model(source, quantized_dir(source))
    assert target.name == "merged-int8" and quantize_model(source, target) == target  # built once
    out = load_file(target / "model.safetensors")
    weight, scale = out["model.layers.0.self_attn.q_proj.weight"], out["model.layers.0.self_attn.q_proj.weight_scale"]
    assert weight.dtype == torch.int8 and scale.shape == (64, 1)
    error = (weight.float() * scale - tensors["model.layers.0.self_attn.q_proj.weight"].float()).abs()
    assert bool((error <= scale / 2 + 1e-6).all())
    assert torch.equal(out["model.embed_tokens.weight"], tensors["model.embed_tokens.weight"])
    config = json.loads((target / "config.json").read_text())["quantization_config"]
    assert config["quant_method"] == "compressed-tensors" and config["ignore"] == ["lm_head"]
