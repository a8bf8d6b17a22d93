"""What one model step costs on the running server (docs/benchmarks.md, Model serving): decoding at one request,
and prefilling a long prompt the first time against again with its prefix cached. Medians of three.

    .venv/bin/python bench/step_costs.py [--url http://127.0.0.1:8000/v1]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import urllib.request

from assistant.config import get_settings
from assistant.serving.models import served_model_name


def seconds(url: str, model: str, prompt: str, tokens: int) -> float:
    body = json.dumps({"model": model, "prompt": prompt, "max_tokens": tokens, "temperature": 0,
                       "ignore_eos": True}).encode()
    request = urllib.request.Request(f"{url}/completions", body, {"Content-Type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as response:
        json.load(response)
    return time.perf_counter() - start


def main() -> None:
    settings = get_settings()
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default=f"http://127.0.0.1:{settings.serve_port}/v1")
    url, model = parser.parse_args().url, served_model_name(settings)
    short = "Hello, tell me a story about a shop. " * 3
    one, many = (statistics.median(seconds(url, model, short, n) for _ in range(3)) for n in (1, 129))
    # About 2,700 tokens, new to the server's prefix cache (its first words are), then again with a different end.
    words = f"{time.time_ns()} " + " ".join(f"word{i}" for i in range(900))
    fresh = seconds(url, model, words, 1)
    cached = statistics.median(seconds(url, model, f"{words} {k}", 1) for k in range(3))
    print(json.dumps({"decode_ms_per_token": round((many - one) / 128 * 1000, 1),
                      "decode_tok_s": round(128 / (many - one), 1), "long_prompt_first_s": round(fresh, 2),
                      "long_prompt_cached_s": round(cached, 2)}, indent=1))


if __name__ == "__main__":
    main()
