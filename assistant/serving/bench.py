"""`kefu bench serve`: plain transformers against vLLM (concurrency 1/8/32, LoRA against merged), in one run."""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field

from assistant.serving.precision import resolved_dtype
from assistant.serving.template import render


@dataclass
class Run:
    """The measurements of one configuration."""

    label: str
    requests: int
    output_tokens: int
    wall_s: float
    ttft_s: list[float] = field(default_factory=list)
    itl_s: list[float] = field(default_factory=list)

    @property
    def tokens_per_s(self) -> float:
        return self.output_tokens / self.wall_s

    def summary(self) -> dict:
        """Medians and percentiles in milliseconds, throughput in output tokens per second."""
        return {"label": self.label, "requests": self.requests, "output_tokens": self.output_tokens,
                "wall_s": round(self.wall_s, 2), "output_tok_s": round(self.tokens_per_s, 1),
                "ttft_p50_ms": percentile_ms(self.ttft_s, 50), "ttft_p95_ms": percentile_ms(self.ttft_s, 95),
                "itl_p50_ms": percentile_ms(self.itl_s, 50)}


def percentile_ms(values: list[float], pct: int) -> float | None:
    """The pct-th percentile (inclusive method) in milliseconds, or None without data."""
    if not values:
        return None
    if len(values) == 1:
        return round(values[0] * 1000, 1)
    return round(statistics.quantiles(values, n=100, method="inclusive")[pct - 1] * 1000, 1)


class _Clock:
    """A transformers streamer that timestamps every generated token."""

    def __init__(self):
        self.times: list[float] = []
        self.prompt_seen = False

    def put(self, _value) -> None:
        if self.prompt_seen:
            self.times.append(time.perf_counter())
        self.prompt_seen = True

    def end(self) -> None:
        pass


def transformers_runs(model_dir, prompts, max_tokens: int, batch: int, dtype: str = "auto") -> Run:
    """Greedy `generate` with a fixed number of new tokens, in padded batches of `batch`, in the floating-point
    type vLLM computes in here (`KEFU_COMPUTE_DTYPE`), so the two are compared like for like."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir, padding_side="left")
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=getattr(torch, resolved_dtype(dtype))).eval()
    texts = [render(tokenizer, p, add_generation_prompt=True) for p in prompts]
    run = Run(f"transformers b{batch}", len(texts), 0, 0.0)
    with torch.inference_mode():
        for start in range(0, len(texts), batch):
            inputs = tokenizer(texts[start:start + batch], return_tensors="pt", padding=True, add_special_tokens=False)
            clock, began = _Clock(), time.perf_counter()
            out = model.generate(**inputs, max_new_tokens=max_tokens, min_new_tokens=max_tokens, do_sample=False,
                                 streamer=clock if batch == 1 else None, pad_token_id=tokenizer.pad_token_id)
            run.wall_s += time.perf_counter() - began
            run.output_tokens += (out.shape[1] - inputs["input_ids"].shape[1]) * out.shape[0]
            if clock.times:
                run.ttft_s.append(clock.times[0] - began)
                run.itl_s += [b - a for a, b in zip(clock.times, clock.times[1:])]
    return run


async def _one(client, model: str, messages, max_tokens: int, run: Run, gate: asyncio.Semaphore) -> None:
    async with gate:
        began = time.perf_counter()
        stamps: list[float] = []
        stream = await client.chat.completions.create(
            model=model, messages=messages, max_tokens=max_tokens, temperature=0, stream=True,
            stream_options={"include_usage": True}, extra_body={"ignore_eos": True, "min_tokens": max_tokens})
        counted = False
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                stamps.append(time.perf_counter())
            if chunk.usage:
                run.output_tokens += chunk.usage.completion_tokens
                counted = True
        if not counted:  # a server that reports no usage (llama.cpp's) streams one token per chunk
            run.output_tokens += len(stamps)
        if stamps:  # a server may end a reply at once (llama.cpp has no ignore_eos)
            run.ttft_s.append(stamps[0] - began)
            run.itl_s += [b - a for a, b in zip(stamps, stamps[1:])]


def vllm_run(base_url: str, model: str, prompts, max_tokens: int, concurrency: int, label: str) -> Run:
    """All prompts against a running server with at most `concurrency` requests in flight."""
    from openai import AsyncOpenAI

    async def main() -> Run:
        client = AsyncOpenAI(base_url=base_url, api_key="not-needed", timeout=600)
        run, gate = Run(label, len(prompts), 0, 0.0), asyncio.Semaphore(concurrency)
        began = time.perf_counter()
        await asyncio.gather(*(_one(client, model, p, max_tokens, run, gate) for p in prompts))
        run.wall_s = time.perf_counter() - began
        await client.close()
        return run

    return asyncio.run(main())
