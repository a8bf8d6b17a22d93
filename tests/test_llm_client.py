"""The assistant's model client: settings decide endpoint, model or adapter, timeout and retries."""

from __future__ import annotations

import socket

import openai
import pytest

from assistant.config import Settings
from assistant.llm import chat_model


def test_client_follows_settings(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path, llm_base_url="http://gpu-host:8000/v1", llm_timeout_s=12,
                        llm_max_retries=3)
    client = chat_model(settings)
    assert client.model_name == "smollm2-135m-instruct" and client.streaming and client.stream_usage
    assert client.openai_api_base == "http://gpu-host:8000/v1"
    assert client.request_timeout == 12 and client.max_retries == 3
    assert chat_model(Settings(_env_file=None, llm_model="shop-adapter-v2")).model_name == "shop-adapter-v2"


def test_unreachable_server_fails_fast_with_bounded_retries():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(_env_file=None, llm_base_url=f"http://127.0.0.1:{port}/v1", llm_timeout_s=2,
                        llm_max_retries=1)
    with pytest.raises(openai.APIConnectionError):
        chat_model(settings).invoke("hello")
