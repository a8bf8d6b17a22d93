"""vLLM-CPU computing in fp32 against bf16, same model and prompt (about 3,200 tokens, 32 out, no prefix cache),
three requests each; prints one line per type. A request that takes longer than the limit is reported as such.

    .venv/bin/python bench/compute_dtype.py qwen2.5-coder-0.5b-instruct
"""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

import httpx

from assistant.config import Settings
from assistant.serving.server import VllmServer

LIMIT_S = 300
PROMPT = " ".join(f"Order #W{1000000 + i} holds item {i} in blue, size M, shipped to 12 Main St." for i in range(110))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(server: VllmServer, index: int) -> float | str:
    started = time.perf_counter()
    try:
        httpx.post(server.base_url + "/chat/completions", timeout=LIMIT_S, json={
            "model": server.name, "messages": [{"role": "user", "content": f"{index} {PROMPT}"}],
            "max_tokens": 32, "ignore_eos": True, "temperature": 0}).raise_for_status()
    except httpx.TimeoutException:
        return f">{LIMIT_S}"
    return round(time.perf_counter() - started, 2)


def main(model: str) -> None:
    settings = Settings(_env_file=None, model_name=model, prefix_caching=False)
    for dtype in ("float32", "bfloat16"):
        class Server(VllmServer):
            def dtype(self) -> str:
                return dtype

        server = Server(settings, port=free_port())
        server.log_path = Path(f"var/logs/vllm-{dtype}-bench.log")
        with server:
            times = []
            for index in range(3):
                times.append(timed(server, index))
                if isinstance(times[-1], str):
                    break
        print(dtype, "seconds per request:", times, flush=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "smollm2-135m-instruct")
