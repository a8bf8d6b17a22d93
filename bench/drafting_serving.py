"""What serving a drafting adapter costs, measured side by side in one run (docs/benchmarks.md, Catalog copy):

- the chat adapter merged, alone (today's `kefu model serve`);
- the same with the drafting adapter as a LoRA module beside it (`--enable-lora`, KEFU_DRAFTING_MODEL): the
  chat model's tokens/s, and the drafting adapter's own;
- a second vLLM would cost one more server of this size: its start-up seconds and resident memory are the
  first server's, measured here.

    .venv/bin/python bench/drafting_serving.py [--drafting kefu-draft] [--prompts 32]
"""

from __future__ import annotations

import argparse
import json
import time

import psutil

from assistant.config import get_settings
from assistant.evaluation.load import write_result
from assistant.serving.bench import vllm_run
from assistant.serving.bench_prompts import bench_prompts
from assistant.serving.merge import merged_model
from assistant.serving.models import adapters, drafting_adapters, served_model_name
from assistant.serving.server import VllmServer


def resident_gib(pid: int) -> float:
    process = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]) / 2**30


def measure(server: VllmServer, models: dict[str, str], prompts, max_tokens: int) -> dict:
    started = time.perf_counter()
    with server:
        result = {"ready_s": round(time.perf_counter() - started, 1),
                  "rss_gib": round(resident_gib(server.process.pid), 2)}
        for label, model in models.items():
            vllm_run(server.base_url, model, prompts[:4], 8, 4, "warm-up")
            for level in (1, 8):
                run = vllm_run(server.base_url, model, prompts[: 8 if level == 1 else len(prompts)], max_tokens,
                               level, f"{label} c{level}")
                result[f"{label}_c{level}_tok_s"] = round(run.tokens_per_s, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafting", default="kefu-draft")
    parser.add_argument("--prompts", type=int, default=32)
    parser.add_argument("--max-tokens", type=int, default=96)
    args = parser.parse_args()
    settings = get_settings()
    chat = served_model_name(settings)
    merged = merged_model(settings, chat, adapters(settings)[chat])
    drafting = drafting_adapters(settings, chat)
    if args.drafting not in drafting:
        raise SystemExit(f"{args.drafting} is not a drafting adapter trained on {chat}: kefu finetune train-drafting")
    prompts, port = bench_prompts(args.prompts), settings.serve_port + 23
    alone = measure(VllmServer(settings, model=chat, port=port, lora={}, model_dir=merged), {"chat": chat},
                    prompts, args.max_tokens)
    beside = measure(VllmServer(settings, model=chat, port=port, lora={args.drafting: drafting[args.drafting]},
                                model_dir=merged), {"chat": chat, "drafting": args.drafting}, prompts, args.max_tokens)
    result = {"chat": chat, "drafting": args.drafting, "prompts": args.prompts, "max_tokens": args.max_tokens,
              "merged_alone": alone, "with_lora_module": beside,
              "chat_c8_with_module_vs_alone": round(beside["chat_c8_tok_s"] / alone["chat_c8_tok_s"], 3),
              "chat_c1_with_module_vs_alone": round(beside["chat_c1_tok_s"] / alone["chat_c1_tok_s"], 3),
              "second_server_cost": {"ready_s": alone["ready_s"], "rss_gib": alone["rss_gib"]}}
    write_result(result, settings.data_dir / "bench" / "drafting_serving.json")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
