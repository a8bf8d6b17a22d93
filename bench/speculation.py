"""Prompt-lookup (n-gram) speculative decoding on vLLM-CPU against plain decoding, side by side in one run
(docs/benchmarks.md, Faster turns): the served chat adapter merged, the serving bench's prompts at one and eight
requests in flight, then `kefu bench agent`'s scripted turns on each server.

    .venv/bin/python bench/speculation.py [--tokens 4] [--prompts 16]
"""

from __future__ import annotations

import argparse
import json

from assistant.cli.evaluate import SCENARIOS
from assistant.config import get_settings
from assistant.evaluation.load import write_result
from assistant.evaluation.bench_agent import run_agent_bench
from assistant.serving.bench import vllm_run
from assistant.serving.bench_prompts import bench_prompts
from assistant.serving.merge import merged_model
from assistant.serving.models import adapters, served_model_name
from assistant.serving.server import VllmServer

AGENT_TASKS = "demo-003,demo-015,demo-039,demo-057,demo-062,demo-098,demo-099,demo-104,demo-113,demo-116"
AGENT_KEYS = ("turn_p50_ms", "turn_p95_ms", "model_p50_ms", "model_mean_ms", "turns")


def measure(settings, chat: str, merged, prompts, max_tokens: int, label: str) -> dict:
    server = VllmServer(settings, model=chat, port=settings.serve_port + 29, lora={}, model_dir=merged)
    result = {}
    with server:
        vllm_run(server.base_url, chat, prompts[:4], 8, 4, "warm-up")
        for level in (1, 8):
            run = vllm_run(server.base_url, chat, prompts[: 8 if level == 1 else len(prompts)], max_tokens, level,
                           f"{label} c{level}")
            result[f"c{level}_tok_s"] = round(run.tokens_per_s, 1)
        agent = run_agent_bench(settings.model_copy(update={"llm_base_url": server.base_url, "llm_model": chat}),
                                SCENARIOS, AGENT_TASKS.split(","),
                                settings.data_dir / "bench" / f"agent-{label}.json")
        result["agent"] = {key: agent[key] for key in AGENT_KEYS}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=4)
    parser.add_argument("--prompts", type=int, default=16)
    parser.add_argument("--max-tokens", type=int, default=96)
    args = parser.parse_args()
    settings = get_settings()
    chat = served_model_name(settings)
    merged = merged_model(settings, chat, adapters(settings)[chat])
    prompts = bench_prompts(args.prompts)
    plain = measure(settings.model_copy(update={"speculative_ngram": 0}), chat, merged, prompts, args.max_tokens,
                    "plain")
    ngram = measure(settings.model_copy(update={"speculative_ngram": args.tokens}), chat, merged, prompts,
                    args.max_tokens, "ngram")
    result = {"chat": chat, "speculative_tokens": args.tokens, "plain": plain, "ngram": ngram,
              "c1_ngram_vs_plain": round(ngram["c1_tok_s"] / plain["c1_tok_s"], 3),
              "c8_ngram_vs_plain": round(ngram["c8_tok_s"] / plain["c8_tok_s"], 3),
              "agent_model_mean_ngram_vs_plain": round(ngram["agent"]["model_mean_ms"]
                                                       / plain["agent"]["model_mean_ms"], 3)}
    write_result(result, settings.data_dir / "bench" / "speculation.json")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
